"""The same pupil shows the same attendance figure and band everywhere (issue 12, "one
definition"): the school view's CSV (for every demo pupil), the pupil page, the case page and
the panel pack (for the pupils on the panel's agenda)."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from portal.attendance import calc
from portal.attendance.summaries import pupil_summary
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind
from portal.panels.models import AgendaItem, PanelMeeting
from portal.pupils.models import Pupil
from tests.demo import seed_demo


def test_every_demo_pupil_shows_one_figure_on_the_school_export_the_pupil_page_and_the_panel_pack(client):
    seed_demo("attend-demo-2026")
    admin = client.application.test_client()
    admin.login("admin@demo.test", password="attend-demo-2026")
    labels = calc.band_labels()
    exported: dict[str, dict] = {}
    for school in db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)):
        response = admin.get(f"/schools/{school.id}/attendance.csv")
        assert response.status_code == 200
        exported |= {row["upn"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    pupils = db.session.scalars(select(Pupil)).all()
    assert len(exported) == len(pupils) > 100
    for pupil in pupils:
        year = pupil_summary(pupil).year_totals
        row = exported[pupil.upn]
        assert row["attendance_percent"] == (year.percent_text or ""), pupil.upn
        assert row["band"] == labels[year.band], pupil.upn
    # pupils on the panel's agenda: the pupil page, the case page and the pack say the same
    items = db.session.scalars(select(AgendaItem).join(PanelMeeting)).all()
    assert items
    packs = 0
    for item in items:
        pupil = item.case.pupil
        shown = calc.percent_label(*(lambda t: (t.attended, t.possible))(pupil_summary(pupil).year_totals))
        pupil_page = admin.get(f"/pupils/{pupil.id}").get_data(as_text=True)
        assert re.search(rf"<strong>{re.escape(shown)}</strong>", pupil_page), (pupil.upn, shown)
        case_page = admin.get(f"/cases/{item.case_id}").get_data(as_text=True)
        assert f"<strong>{shown}</strong> now" in case_page
        pack = admin.get(f"/panels/{item.meeting_id}/items/{item.id}")
        if pack.status_code == 200:
            packs += 1
            assert f"{shown}</dd>" in pack.get_data(as_text=True) or shown in pack.get_data(as_text=True)
    assert packs, "no pack was read"
