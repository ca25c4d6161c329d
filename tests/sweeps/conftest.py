"""A sweep scene: a police-led sweep with school A's EWO taking part, pupils at both schools."""
from __future__ import annotations

from datetime import date, time

import pytest

from portal.extensions import db
from portal.sweeps import service
from tests.factories import make_pupil

SWEEP_DAY = date(2026, 11, 20)  # a Friday in the autumn term: the follow-up is due Monday 23 Nov


def child(pupil=None, **kw) -> dict:
    data = {"seen_time": time(10, 30), "location": "High Street", "forename": "Unknown", "surname": "Child",
            "date_of_birth": None, "age": 11, "school_status": "unknown", "school_id": None, "school_given": "",
            "exclusion": "unknown", "accompanied": "alone", "reason": "", "reason_accepted": False,
            "outcome": "returned_to_school", "outcome_note": "", "concern": False, "concern_note": ""}
    if pupil is not None:
        data.update(forename=pupil.legal_forename, surname=pupil.legal_surname, date_of_birth=pupil.date_of_birth,
                    age=None, school_status="school", school_id=pupil.school_id)
    data.update(kw)
    return data


class Scene:
    pass


@pytest.fixture
def scene(world):
    s = Scene()
    s.world = world
    s.police, s.ewo = world.user("police"), world.user("ewo")
    s.pupil_a = make_pupil(world.school_a, "Amir", "Khan", date_of_birth=date(2014, 3, 9))
    s.pupil_b = make_pupil(world.school_b, "Bella", "Moore", date_of_birth=date(2013, 7, 1))
    db.session.commit()
    s.sweep = service.create_sweep(s.police, held_on=SWEEP_DAY, starts_at=time(9), ends_at=time(12),
                                   area="Town centre", lead=s.police, officers=[s.ewo], agencies=[])
    db.session.commit()  # the request that created the sweep ends (services flush; the request commits)
    return s


def record(s, pupil=None, actor=None, **kw):
    data = child(pupil, **{"officer_id": s.police.id, **kw})
    return service.record_encounter(actor or s.police, s.sweep, data)
