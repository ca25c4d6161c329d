"""The CME report: open enquiries by source with overdue ones first, those closed this term by
outcome, the CSV (formula-safe, an attachment); LA admins and CME officers only."""
from __future__ import annotations

from datetime import date

from portal import access
from portal.cme import service
from portal.extensions import db
from tests import clock
from tests.factories import build_world, make_pupil, make_user


def test_the_report_counts_open_by_source_and_closed_this_term_by_outcome(app):
    world = build_world()
    officer = make_user(access.EWO, world.service, cme_officer=True)
    pupil = make_pupil(world.school_a, "Jo", "Overdue")
    db.session.commit()
    service.notify(world.user("school_staff"), pupil, {"kind": "deletion", "ground": "moving_away",
                                                       "event_date": date(2026, 11, 24), "destination": ""})
    service.open_enquiry(officer, {"source": "other_la", "child_name": "=cmd|' /C calc'!A0"})
    closed = service.open_enquiry(officer, {"source": "professional", "child_name": "Kim Closed"})
    service.close_enquiry(officer, closed, {"outcome": "abroad"}, None)
    db.session.commit()
    with clock.on(date(2026, 12, 8)):  # the first enquiry's steps are overdue now, the second's too
        client = app.test_client()
        client.login(officer)
        page = client.get("/cme/report").get_data(as_text=True)
        assert "Closed in" in page and "Moved abroad" in page
        open_part = page[page.index('id="open-enquiries"'):]
        assert "Kim Closed" not in open_part and "Jo" in open_part
        response = client.get("/cme/report.csv")
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        assert "'=cmd" in text and "Kim Closed" in text and "Moved abroad" in text
    someone = app.test_client()
    someone.login(world.user("ewo"))
    assert someone.get("/cme/report").status_code == 403
