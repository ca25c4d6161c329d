"""The demo's self-assessments: Riverside's of this year and last (so the change shows), reviewed
with a challenge; two more submitted; a draft; the rest not started. Seeding again adds nothing."""
from __future__ import annotations

from sqlalchemy import select

from portal.demo.selfassessment import seed_self_assessments
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind
from portal.selfassessment import service
from portal.selfassessment.models import AssessmentStatus, ReviewOutcome, SelfAssessment
from tests.demo import seed_demo


def test_the_demo_has_self_assessments_submitted_reviewed_with_a_challenge_a_draft_and_not_started(client):
    seed_demo("attend-demo-2026")
    year = service.academic_year()
    assessments = db.session.scalars(select(SelfAssessment)).all()
    this_year = {a.school.name: a for a in assessments if a.academic_year == year}
    assert {a.status for a in this_year.values()} == {AssessmentStatus.reviewed, AssessmentStatus.submitted,
                                                      AssessmentStatus.draft}
    riverside = this_year["Riverside Primary School"]
    assert riverside.status == AssessmentStatus.reviewed
    assert [a.area.key for a in riverside.answers if a.review == ReviewOutcome.challenge] == ["culture"]
    assert sum(1 for a in this_year.values() if a.status != AssessmentStatus.draft) == 3
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)).all()
    rows = {r.school.name: r for r in service.grid(list(schools), year)}
    assert set(rows["Riverside Primary School"].change.values()) >= {"better", "worse"}
    assert rows["Oakfield Academy"].assessment is None  # not started: the demo school can start it
    assert this_year["St Mary's Church of England Primary School"].is_draft
    assert any(a.action_due < service.today() for a in service.actions_due([s.id for s in schools], year))
    assert seed_self_assessments(service.today()) == 0
