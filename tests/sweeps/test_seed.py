"""The demo sweeps: two past sweeps with encounters in every state."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.sweeps.models import Encounter, FollowUp, Sweep
from tests.demo import seed_demo

TODAY = date(2026, 12, 1)  # a Tuesday in the autumn term


def test_two_past_sweeps_with_encounters_in_every_state():
    seed_demo("attend-demo-2026", today=TODAY)
    sweeps = db.session.scalars(select(Sweep).order_by(Sweep.held_on)).all()
    assert len(sweeps) == 2 and all(s.held_on < TODAY for s in sweeps)
    states = set(db.session.scalars(select(Encounter.match_status)))
    assert states == {"unmatched", "matched", "no_match"}
    assert db.session.scalar(select(func.count()).select_from(Encounter).where(Encounter.concern.is_(True))) >= 2
    follow_ups = db.session.scalars(select(FollowUp)).all()
    assert any(f.status == "done" for f in follow_ups)
    assert any(f.overdue(TODAY) for f in follow_ups)
    assert any(f.status == "open" and not f.overdue(TODAY) for f in follow_ups)


def test_every_sweep_role_has_a_sweep_to_see_and_both_ewos_take_part_in_one():
    from portal import access
    from portal.orgs.models import User

    seed_demo("attend-demo-2026", today=TODAY)
    users = {u.email: u for u in db.session.scalars(select(User))}
    for email in ("police@demo.test", "ewo@demo.test", "ewo2@demo.test", "admin@demo.test"):
        assert db.session.scalars(access.sweeps_for(users[email])).first() is not None, email
    sweeps = db.session.scalars(select(Sweep)).all()
    for email in ("police@demo.test", "ewo@demo.test", "ewo2@demo.test"):
        assert any(access.takes_part(users[email], s) for s in sweeps), email
    # every follow-up done was recorded by someone who may open it
    for f in db.session.scalars(select(FollowUp).where(FollowUp.status == "done")):
        assert access.can(f.completed_by, "follow_up_encounters", f), f.completed_by.email
