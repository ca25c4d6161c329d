"""The run screen's owner choices, read as plain values, are the case page's, choice for choice:
the lead side, the school, the agencies a case is shared with (not a withdrawn share) and their
people."""
from sqlalchemy import select

from portal.cases import service
from portal.cases.models import Case, CaseShare
from portal.extensions import db
from portal.timeutil import utcnow
from tests.panels.test_views import make_case


def test_owner_choices_of_matches_the_orm_version(world):
    plain = make_case(world, forename="Ana")
    shared = make_case(world, forename="Ben", school=world.school_b)
    ewo = world.user("ewo")
    db.session.add_all([
        CaseShare(case_id=shared.id, organisation_id=world.health_org.id, reason="Health needs", shared_by_id=ewo.id),
        CaseShare(case_id=shared.id, organisation_id=world.police_org.id, reason="Was shared",
                  shared_by_id=ewo.id, withdrawn_at=utcnow()),
        CaseShare(case_id=shared.id, organisation_id=world.school_a.id, reason="Sibling's school",
                  shared_by_id=ewo.id)])
    db.session.commit()
    for case_id in (plain.id, shared.id):
        db.session.expire_all()
        case = db.session.scalars(select(Case).where(Case.id == case_id)).one()
        expected = service.action_owner_choices(case)
        assert service.action_owner_choices_of(case_id) == expected
    labels = [label for _, label in service.action_owner_choices_of(shared.id)]
    assert "School Nursing (anyone there)" in labels and "Police (anyone there)" not in labels
