"""Issue 14, point 12: health (the school nursing service, CAMHS) is a partner a case can be
shared with, so a person can belong to it: the `health` role, in health organisations only,
with the need-to-know view of early help (exactly the cases shared with their organisation;
they add actions and chronology entries; no pupil search, no exact small figures)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import access
from portal.cases import service
from portal.cases.models import Action
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import utcnow
from tests.cases.test_views import TODAY, add_action_via_page, case, pupil, signed_in, text_of  # noqa: F401


def test_an_admin_adds_a_school_nurse_to_the_nursing_service_and_nowhere_else(app, world):
    admin = signed_in(app, world.user("la_admin"))
    admin.get("/users/new")
    nurse = {"name": "Nina Nurse", "email": "nina@test.example", "role": "health",
             "initial_password": "Temporary-Kestrel-9041"}
    refused = admin.post_form("/users/new", {**nurse, "organisation_id": str(world.early_help_org.id)})
    assert refused.status_code == 422
    assert admin.post_form("/users/new", {**nurse, "organisation_id": str(world.health_org.id)}).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nina@test.example"))
    assert user.role == access.HEALTH and user.organisation_id == world.health_org.id
    assert user.role_label == "Health"


@pytest.mark.parametrize("permission", sorted(access.PERMISSIONS))
def test_health_holds_what_early_help_holds(permission):
    """The same need-to-know view as early help, permission by permission."""
    assert (access.HEALTH in access.PERMISSIONS[permission]) == (access.EARLY_HELP in access.PERMISSIONS[permission])


def test_the_nurse_sees_exactly_the_cases_shared_with_the_nursing_service(app, world, case):
    nurse = signed_in(app, world.user("health"))
    assert nurse.get(f"/cases/{case.id}").status_code == 404
    assert nurse.get("/pupils").status_code == 403
    service.share(world.user("ewo"), case, world.health_org, "Health review of morning anxiety")
    service.add_entry(world.user("ewo"), case, "note", utcnow() - timedelta(hours=1), "GP letter received",
                      health=True)
    db.session.commit()
    page = text_of(nurse.get(f"/cases/{case.id}"))
    assert "Alex Able" in page and "GP letter received" in page  # a health note: not the police view
    assert case.id in [c.id for c in db.session.scalars(access.cases_for(world.user("health")))]
    action_id = add_action_via_page(nurse, case.id, f"org:{world.health_org.id}", "School nurse health review",
                                    TODAY + timedelta(days=7))
    assert db.session.get(Action, action_id).owner_org_id == world.health_org.id
