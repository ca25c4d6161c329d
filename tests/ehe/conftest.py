"""The EHE tests: the clock on a Wednesday of the autumn term 2026/27 (3 Sep - 18 Dec 2026), and
helpers that build records through the service."""
from __future__ import annotations

from datetime import date

import pytest

from portal import access
from portal.ehe import service
from portal.extensions import db
from tests import clock
from tests.factories import make_user

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _in_term():
    with clock.on(TODAY):
        yield


def child(**over) -> dict:
    data = {"forename": "Ellis", "surname": "Marsh", "date_of_birth": date(2015, 3, 14), "address": "4 Quarry Lane",
            "started_on": date(2026, 10, 1), "learnt_from": "parent", "previous_school_name": "St Anne's, Northshire"}
    data.update(over)
    return data


def start(world, **over):
    record = service.start_ehe(world.user("la_admin"), child(**over))
    db.session.commit()
    return record


def cme_officer(world):
    """An EWO with the children missing education flag."""
    officer = make_user(access.EWO, world.service, email="cme.officer@test.example")
    officer.cme_officer = True
    db.session.commit()
    return officer
