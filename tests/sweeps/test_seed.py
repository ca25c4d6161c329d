"""The demo sweeps: two past sweeps with encounters in every state."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.seed import seed_demo
from portal.sweeps.models import Encounter, FollowUp, Sweep

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
