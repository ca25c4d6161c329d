"""Issue 14.6: the date filters (audit log, sweep report) are GOV.UK date inputs too: day, month
and year boxes sent under one name; what was typed stays, the message says how to fix it, and
the pages of a filtered list keep all three boxes. A YYYY-MM-DD link still works."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from portal import audit
from portal.extensions import db
from tests.test_odd_input import signed_in


def test_the_audit_log_filters_by_date_boxes_and_keeps_them_on_every_page(client, world):
    signed_in(client, world, "la_admin")
    html = client.get("/audit").get_data(as_text=True)
    assert 'id="from-day" name="from" type="text" inputmode="numeric"' in html
    assert "YYYY-MM-DD" not in html
    bad = client.get("/audit?from=31&from=2&from=2026&to=1&to=&to=2026")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "The ‘from’ date must be a real date" in page and "The ‘to’ date must include a month" in page
    assert 'href="#from-day"' in page
    assert 'id="from-day" name="from" type="text" inputmode="numeric" value="31"' in page  # kept as typed
    for n in range(60):  # more than a page of entries
        audit.record(world.user("la_admin"), "note_added", summary=f"entry {n}")
    db.session.commit()
    good = client.get("/audit?from=1&from=1&from=2000&to=&to=&to=")
    assert good.status_code == 200
    links = re.findall(r'href="(/audit\?[^"]*page=2[^"]*)"', good.get_data(as_text=True).replace("&amp;", "&"))
    assert links  # the boxes travel with the page links
    assert parse_qs(urlsplit(links[0]).query)["from"] == ["1", "1", "2000"]
    assert client.get("/audit?from=2000-01-01").status_code == 200  # a link written YYYY-MM-DD


def test_the_sweep_report_period_is_date_boxes(client, world):
    signed_in(client, world, "police")
    html = client.get("/sweeps/reports").get_data(as_text=True)
    assert 'id="to-year" name="to" type="text" inputmode="numeric"' in html
    bad = client.get("/sweeps/reports?from=1&from=9&from=26")
    assert bad.status_code == 422
    assert "The ‘from’ date must be a real date, with a year of 4 numbers" in bad.get_data(as_text=True)
    assert client.get("/sweeps/reports?from=1&from=9&from=2026&to=30&to=11&to=2026").status_code == 200
    wrong_way = client.get("/sweeps/reports?from=1&from=9&from=2026&to=1&to=8&to=2026")
    assert wrong_way.status_code == 422 and 'href="#to-day"' in wrong_way.get_data(as_text=True)
