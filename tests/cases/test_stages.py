"""The graduated response: suggested stage from days absent, and the LA's stage settings."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.attendance.models import PupilWeek
from portal.audit import AuditEvent
from portal.cases.models import Stage
from portal.cases.stages import suggested_stage
from portal.extensions import db
from tests import clock
from tests.factories import make_pupil

TODAY = date(2026, 11, 23)  # autumn term 2026: thresholds 0 / 3 / 6 / 9 days


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


@pytest.fixture
def restore_stages():
    """Stages are reference data kept between tests: put them back however the test ends."""
    saved = [(s.id, s.name, s.term1_days, s.term2_days, s.term3_days) for s in db.session.scalars(select(Stage))]
    db.session.commit()
    yield
    db.session.rollback()
    for stage_id, name, t1, t2, t3 in saved:
        stage = db.session.get(Stage, stage_id)
        stage.name, stage.term1_days, stage.term2_days, stage.term3_days = name, t1, t2, t3
    db.session.commit()


def _pupil_missing(world, sessions: int):
    pupil = make_pupil(world.school_a)
    db.session.add(PupilWeek(pupil_id=pupil.id, week_start=date(2026, 11, 16), possible=40, attended=40 - sessions,
                             unauthorised=sessions, open_sessions=40, last_date=date(2026, 11, 20)))
    db.session.commit()
    return pupil


@pytest.mark.parametrize("sessions,position", [(0, None), (1, 1), (5, 1), (6, 2), (11, 2), (12, 3), (18, 4)])
def test_suggested_stage_from_days_absent_this_term(world, sessions, position):
    stage, days = suggested_stage(_pupil_missing(world, sessions), TODAY)
    assert days == sessions / 2
    assert (stage.position if stage else None) == position


def test_la_admin_changes_a_threshold_and_it_is_audited(client, world, restore_stages):
    stage = db.session.scalar(select(Stage).where(Stage.position == 2))
    client.login(world.user("la_admin"))
    client.get(f"/settings/stages/{stage.id}")
    bad = client.post_form(f"/settings/stages/{stage.id}", {"name": stage.name, "term1_days": "-3",
                                                            "version": str(stage.version)})
    assert bad.status_code == 422
    ok = client.post_form(f"/settings/stages/{stage.id}", {"name": stage.name, "term1_days": "4", "term2_days": "5",
                                                           "term3_days": "7", "version": str(stage.version)})
    assert ok.status_code == 303
    db.session.expire_all()
    assert db.session.get(Stage, stage.id).term1_days == 4
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "stage_updated"))
    assert entry.changes == {"term1_days": {"from": 3, "to": 4}}


def test_stale_stage_edit_is_refused(client, world, restore_stages):
    stage = db.session.scalar(select(Stage).where(Stage.position == 3))
    client.login(world.user("la_admin"))
    client.get(f"/settings/stages/{stage.id}")
    response = client.post_form(f"/settings/stages/{stage.id}", {"name": "Changed", "version": str(stage.version - 1)})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Stage, stage.id).name != "Changed"
