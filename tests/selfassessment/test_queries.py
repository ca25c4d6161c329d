"""The self-assessment pages ask the same number of queries whatever the number of schools,
assessments and planned actions (the grid, an assessment, My actions)."""
from __future__ import annotations

from sqlalchemy import select

from portal import access
from portal.extensions import db
from portal.orgs.models import OrgKind
from portal.selfassessment.models import SelfAssessment
from tests.crawl import queries
from tests.factories import make_org, make_user
from tests.selfassessment.conftest import submitted


def _more_schools(world, n: int) -> None:
    for i in range(n):
        school = make_org(OrgKind.school, f"Extra School {i}")
        school.named_ewo = world.user("ewo")
        world.users[f"extra{i}"] = make_user(access.SCHOOL_STAFF, school, f"extra{i}@test.example")
        db.session.commit()
        submitted(world, f"extra{i}", ratings={"data": "red", "policy": "amber"}, year="2025/26")
        submitted(world, f"extra{i}", ratings={"data": "amber", "governance": "red"})


def test_the_pages_ask_a_fixed_number_of_queries(app, world):
    submitted(world, ratings={"policy": "amber"}, year="2025/26")  # a year before: the change is worked out
    mine = submitted(world, ratings={"data": "red"})
    urls = {"ewo": ["/self-assessments", f"/self-assessments/{mine.id}", f"/self-assessments/{mine.id}/review"],
            "la_admin": ["/self-assessments", "/self-assessments/questions"],
            "school_staff": ["/self-assessments/mine", f"/self-assessments/{mine.id}", "/actions"]}
    clients = {}
    for role in urls:
        clients[role] = app.test_client()
        clients[role].login(world.user(role))
    small = {(role, url): len(queries(clients[role], url)) for role in urls for url in urls[role]}
    _more_schools(world, 4)
    assert len(db.session.scalars(select(SelfAssessment)).all()) == 10
    big = {(role, url): len(queries(clients[role], url)) for role in urls for url in urls[role]}
    assert big == small
    assert max(big.values()) <= 25
