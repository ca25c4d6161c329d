"""Acceptance (issue 12): for every demo pupil the school view row, its CSV row, the key groups,
the pupil page and the panel pack show the same year %, unauthorised sessions in the rolling
window and statutory flags."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

from sqlalchemy import select

from portal.attendance import calc, flags, summaries
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind
from portal.panels.models import AgendaItem
from portal.pupils.models import Pupil
from tests import clock
from tests.demo import seed_demo

DAY = date(2026, 11, 20)
PASSWORD = "attend-demo-2026"
TAGS = re.compile(r"<[^>]+>")


def _text(html: str) -> str:
    return " ".join(TAGS.sub(" ", html).split())


def _csv(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _view_rows(client, school_id) -> dict[int, tuple[str, str]]:
    """pupil id -> (attendance, unauthorised in window) from every page of the school view."""
    out: dict[int, tuple[str, str]] = {}
    page = 1
    while True:
        html = client.get(f"/schools/{school_id}/attendance?page={page}").get_data(as_text=True)
        body = html.split('id="school-rows"')[1].split("</tbody>")[0]
        rows = body.split('<tr class="govuk-table__row">')[2:]  # after the header row
        for row in rows:
            pupil_id = int(re.search(r'href="/pupils/(\d+)"', row).group(1))
            cells = [_text("<td" + c) for c in row.split("<td")[1:]]
            out[pupil_id] = (cells[2], cells[4])
        if f"page={page + 1}" not in html:
            return out
        page += 1


def test_every_demo_pupil_has_the_same_figures_everywhere(client):
    with clock.on(DAY):
        seed_demo(PASSWORD)
        client.login("admin@demo.test", PASSWORD)
        schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)).all()
        checked = flagged = 0
        for school in schools:
            table = {r["upn"]: r for r in _csv(client, f"/schools/{school.id}/attendance.csv")}
            groups = {key: {r["upn"] for r in _csv(client, f"/schools/{school.id}/attendance.csv?group={key}")}
                      for key in ("over_threshold", *flags.KINDS)}
            counts = summaries.key_group_counts(summaries.school_context(school.id))
            assert {k: len(v) for k, v in groups.items()} == {k: counts[k] for k in groups}
            html = client.get(f"/schools/{school.id}/attendance").get_data(as_text=True)
            for key in groups:  # the count shown on each key group's link
                link = html.split(f"group={key}\"")[1]
                assert f'app-key-groups__count">{counts[key]}<' in link
            view = _view_rows(client, school.id)
            assert len(view) == len(table)
            for pupil_id, (shown_pct, shown_unauth) in view.items():
                pupil = db.session.get(Pupil, pupil_id)
                row = table[pupil.upn]
                summary = summaries.pupil_summary(pupil)
                y = summary.year_totals
                expected_pct = calc.percent_label(y.attended, y.possible)
                # school view == CSV == pupil summary
                assert shown_pct == expected_pct
                assert (row["attendance_percent"] + "%" if row["attendance_percent"] else "–") == expected_pct
                assert shown_unauth == row["unauthorised_last_10_school_weeks"] == str(summary.unauthorised_in_window)
                assert (summary.unauthorised_in_window >= 10) == (pupil.upn in groups["over_threshold"])
                # the pupil page
                page = client.get(f"/pupils/{pupil_id}").get_data(as_text=True)
                year_cell = re.search(r'scope="row" class="govuk-table__header">Attendance</th>.*?<strong>.*?'
                                      r'</strong>.*?<strong>(.*?)</strong>', page, re.S).group(1)
                assert year_cell == expected_pct
                assert f'font-weight-bold">{summary.unauthorised_in_window}</span> unauthorised' in page
                section = page.split('id="statutory-flags"')[1].split("<h2")[0]
                stored = {f.flag for f in flags.flags_for(pupil_id)}
                on_page = {k for k, kind in flags.KINDS.items() if f">{kind.label}</dt>" in section}
                in_groups = {k for k in flags.KINDS if pupil.upn in groups[k]}
                assert on_page == in_groups == stored
                checked += 1
                flagged += bool(stored)
        assert checked == 1200 and flagged > 0
        # the panel pack, for every pupil on an agenda
        items = db.session.scalars(select(AgendaItem)).all()
        packs = 0
        for item in items:
            pupil = item.case.pupil
            summary = summaries.pupil_summary(pupil)
            pack = client.get(f"/panels/{item.meeting_id}/items/{item.id}")
            if pack.status_code == 303:  # the confidentiality statement first
                continue
            text = _text(pack.get_data(as_text=True))
            y = summary.year_totals
            assert f"Attendance this year {calc.percent_label(y.attended, y.possible)}" in text
            assert f"Unauthorised, last 10 school weeks {summary.unauthorised_in_window}" in text
            for f in flags.flags_for(pupil.id):
                assert flags.KINDS[f.flag].label in text
            packs += 1
        assert packs > 0
