"""The pupil page's referral and case lines come from statements kept per user (`Who`): each
person's through their own scope, whoever asked before them, and fresh after a write."""
from portal.cases import referrals
from portal.cases.models import Case, Referral
from portal.extensions import db
from portal.timeutil import utcnow
from tests.factories import make_pupil


def test_each_user_sees_their_own_scope_and_fresh_data(world):
    pupil = make_pupil(world.school_a)
    draft = Referral(pupil_id=pupil.id, school_id=world.school_a.id, status="draft",
                     created_by_id=world.user("school_staff").id)
    db.session.add(draft)
    db.session.commit()
    school, ewo, other = world.user("school_staff"), world.user("ewo"), world.user("school_staff_b")
    # the school sees its draft; the EWO (drafts are the school's) and another school see nothing,
    # asked in either order
    for _ in range(2):
        assert referrals.pupil_record(school, pupil.id).open_referral.id == draft.id
        assert referrals.pupil_record(ewo, pupil.id).open_referral is None
        assert referrals.pupil_record(other, pupil.id).open_referral is None
    draft.status, draft.submitted_at = "submitted", utcnow()
    db.session.add(Case(pupil_id=pupil.id, lead_id=ewo.id, status="open", referral_id=draft.id))
    db.session.commit()
    seen = referrals.pupil_record(ewo, pupil.id)
    assert seen.open_referral.id == draft.id and seen.open_referral.status_label
    assert seen.open_case is not None and seen.open_case.lead_name == ewo.name and seen.past_cases == []
    assert referrals.pupil_record(other, pupil.id).open_case is None
    assert referrals.is_referred(pupil.id)
