"""Referral and case services, called directly against the real database (no HTTP).

Services flush and the request commits (`portal.transaction`): these tests commit what stands
for an earlier request (`ended`), and roll back what stands for a refused one, then look at
what the service wrote — the rows, the chronology, the notifications and e-mail,
the audit trail — and at what it refused."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.attendance.models import PupilWeek
from portal.audit import AuditEvent
from portal.cases import referrals, service
from portal.cases.models import Action, Case, CaseShare, ChronologyEntry, Referral, ReferralAddition, Stage
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.notifications.models import Notification, OutboxEmail
from portal.notifications.notify import child_label
from portal.orgs.models import User
from portal.timeutil import utcnow
from tests import clock
from tests.attendance.helpers import TODAY
from tests.factories import make_pupil, make_user

GOOD = {
    "barriers": {"bullying": "Name-calling in the playground", "ebsa": "Anxious on Monday mornings"},
    "stage_reached": 4,
    "school_actions": "Calls home 3, 10 and 17 Nov; letter 12 Nov; meeting with mother 19 Nov.",
    "consent": "given",
    "lawful_basis": "",
    "urgency": "routine",
    "safeguarding_concern": False,
}


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


# ----- helpers -------------------------------------------------------------------------------

def add_week(pupil, monday: date, possible: int = 10, attended: int = 8, unauthorised: int = 2) -> None:
    db.session.add(PupilWeek(pupil_id=pupil.id, week_start=monday, possible=possible, attended=attended,
                             authorised=possible - attended - unauthorised, unauthorised=unauthorised,
                             open_sessions=possible, last_date=monday + timedelta(days=4)))


@pytest.fixture
def pupil(world):
    p = make_pupil(world.school_a, "Alex", "Able")
    add_week(p, date(2026, 11, 16), possible=10, attended=8, unauthorised=2)  # 80%
    db.session.commit()
    return p


def ended(value=None):
    """The request that called the service has ended: its transaction is committed."""
    db.session.commit()
    return value


def draft(world, pupil, **changes) -> Referral:
    return ended(referrals.save_draft(world.user("school_staff"), pupil, {**GOOD, **changes}))


def submitted(world, pupil, **changes) -> Referral:
    referral = draft(world, pupil, **changes)
    return ended(referrals.submit(world.user("school_staff"), referral, referral.version))


def open_case(world, pupil) -> Case:
    referral = submitted(world, pupil)
    return ended(referrals.accept(world.user("ewo"), referral, world.user("ewo"), referral.version))


@pytest.fixture
def case(world, pupil) -> Case:
    return open_case(world, pupil)


@pytest.fixture
def shared_case(world, case) -> Case:
    """The case, already shared with early help and social care (rows written directly, so no
    notifications come from the sharing itself)."""
    for org in (world.early_help_org, world.social_care_org):
        db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="agreed",
                                 shared_by_id=world.user("ewo").id))
    db.session.commit()
    return case


def test_an_action_for_an_agency_the_case_is_not_shared_with_is_refused(world, case):
    with pytest.raises(Refused, match="Share the case"):
        service.add_action(world.user("ewo"), case, "Visit", date(2026, 12, 4), owner_org=world.police_org)
    with pytest.raises(Refused, match="Share the case"):
        service.add_action(world.user("ewo"), case, "Visit", date(2026, 12, 4), owner_user=world.user("early_help"))


def notifications(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def emails(user) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to == user.email).order_by(OutboxEmail.id)))


def entries(case, kind: str | None = None) -> list[ChronologyEntry]:
    query = select(ChronologyEntry).where(ChronologyEntry.case_id == case.id).order_by(ChronologyEntry.id)
    if kind:
        query = query.where(ChronologyEntry.kind == kind)
    return list(db.session.scalars(query))


def audits(verb: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == verb))


def stage(position: int) -> Stage:
    return db.session.scalar(select(Stage).where(Stage.position == position))


def past(hours: int = 1):
    return utcnow() - timedelta(hours=hours)


@contextmanager
def session_in_use(session: Session):
    """Run the services in another real ORM session: they all use `db.session`, so the
    scoped session is pointed at `session` for the duration (as a second request would)."""
    registry = db.session.registry
    previous = registry()
    registry.set(session)
    try:
        yield session
    finally:
        registry.set(previous)


# ----- referrals -----------------------------------------------------------------------------

def test_draft_then_submit_records_snapshot_and_tells_the_named_ewo(world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = draft(world, pupil)
    assert referral.status == "draft" and referral.snapshot is None and referral.submitted_at is None
    assert notifications(ewo) == [] and emails(ewo) == []

    referrals.submit(staff, referral, referral.version)

    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "submitted"
    assert referral.submitted_at is not None
    assert referral.snapshot["as_of"] == TODAY.isoformat()
    assert referral.snapshot["possible"] == 10 and referral.snapshot["attended"] == 8
    assert (referral.snapshot["unauthorised"] == 2
            and referral.snapshot["percent"] == "80.0")  # the shown text (calc.percent_text)
    [note] = notifications(ewo)
    assert note.link == f"/referrals/{referral.id}" and "School A" in note.text
    [mail] = emails(ewo)
    assert f"/referrals/{referral.id}" in mail.body
    assert "Able" not in mail.body + mail.subject  # no case detail in an e-mail
    assert notifications(world.user("ewo_b")) == [] and emails(world.user("ewo_b")) == []
    assert audits("referral_drafted") == 1 and audits("referral_submitted") == 1


def test_submit_refused_lists_exactly_what_is_missing(world, pupil):
    referral = draft(world, pupil, barriers={}, school_actions="   ", consent="refused", lawful_basis="")
    with pytest.raises(Refused) as err:
        referrals.submit(world.user("school_staff"), referral, referral.version)
    assert list(err.value.problems) == ["barriers", "school_actions", "lawful_basis"]
    for message in err.value.problems.values():
        assert message in err.value.message
    db.session.rollback()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "draft" and referral.submitted_at is None and referral.snapshot is None
    assert notifications(world.user("ewo")) == []


@pytest.mark.parametrize("changes, fields", [
    ({"barriers": {}}, ["barriers"]),
    ({"barriers": {"other": "  "}}, ["barriers"]),
    ({"school_actions": ""}, ["school_actions"]),
    ({"consent": "refused", "lawful_basis": " "}, ["lawful_basis"]),
    ({"consent": "not_sought", "lawful_basis": ""}, ["lawful_basis"]),
])
def test_submit_refused_for_each_missing_item(world, pupil, changes, fields):
    referral = draft(world, pupil, **changes)
    with pytest.raises(Refused) as err:
        referrals.submit(world.user("school_staff"), referral, referral.version)
    assert list(err.value.problems) == fields


def test_lack_of_consent_does_not_block_with_a_lawful_basis(world, pupil):
    referral = submitted(world, pupil, consent="refused",
                         lawful_basis="Safeguarding concern; public task (the LA's attendance duties)")
    assert referral.status == "submitted"


def test_accept_opens_a_case(world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = submitted(world, pupil)
    case = referrals.accept(ewo, referral, ewo, referral.version)

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "accepted" and referral.triaged_by_id == ewo.id and referral.triaged_at is not None
    assert case.referral_id == referral.id and case.pupil_id == pupil.id
    assert case.lead_id == ewo.id and case.status == "open"
    assert case.stage is not None and case.stage.level == "support"
    assert case.attendance_at_open["percent"] == "80.0"
    assert [e.kind for e in entries(case)] == ["referral", "triage"]
    referral_entry = entries(case, "referral")[0]
    assert "Bullying" in referral_entry.text and GOOD["school_actions"] in referral_entry.text
    assert referral_entry.organisation_id == world.school_a.id
    [note] = notifications(staff)
    assert note.link == f"/cases/{case.id}"
    assert audits("referral_accepted") == 1 and audits("case_opened") == 1


def test_accept_with_another_lead_tells_the_lead(world, pupil):
    referral = submitted(world, pupil)
    case = referrals.accept(world.user("la_admin"), referral, world.user("ewo_b"), referral.version)
    assert case.lead_id == world.user("ewo_b").id
    assert [n.link for n in notifications(world.user("ewo_b"))] == [f"/cases/{case.id}"]


def test_accept_refuses_a_lead_who_is_not_an_ewo(world, pupil):
    referral = submitted(world, pupil)
    with pytest.raises(Refused):
        referrals.accept(world.user("ewo"), referral, world.user("school_staff"), referral.version)
    db.session.rollback()
    assert db.session.get(Referral, referral.id).status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_more_info_then_the_school_edits_and_resubmits(world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = submitted(world, pupil)
    referrals.ask_for_information(ewo, referral, "Please add the dates of the letters sent.", referral.version)
    assert referral.status == "more_info"
    assert referral.triage_message == "Please add the dates of the letters sent."
    assert [n.link for n in notifications(staff)] == [f"/referrals/{referral.id}"]

    changed = {**GOOD, "school_actions": GOOD["school_actions"] + " Letters: 12 and 20 Nov."}
    referrals.save_draft(staff, pupil, changed, referral=referral, expected_version=referral.version)
    assert referral.status == "more_info" and referral.school_actions.endswith("12 and 20 Nov.")

    referrals.submit(staff, referral, referral.version)
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "submitted" and referral.school_actions.endswith("12 and 20 Nov.")
    assert len(notifications(ewo)) == 2
    assert audits("referral_more_information_requested") == 1
    assert audits("referral_updated") == 1 and audits("referral_resubmitted") == 1


def test_decline_stores_the_reason(world, pupil):
    referral = submitted(world, pupil)
    referrals.decline(world.user("ewo"), referral, "Attendance is 96%: keep monitoring in school.",
                      referral.version)
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "declined"
    assert referral.triage_message == "Attendance is 96%: keep monitoring in school."
    assert referral.triaged_by_id == world.user("ewo").id
    assert referral.case is None
    assert len(notifications(world.user("school_staff"))) == 1


def test_submit_twice_is_refused(world, pupil):
    referral = submitted(world, pupil)
    with pytest.raises(Refused):
        referrals.submit(world.user("school_staff"), referral, referral.version)
    assert len(notifications(world.user("ewo"))) == 1


def test_accepting_a_draft_is_refused(world, pupil):
    referral = draft(world, pupil)
    with pytest.raises(Refused):
        referrals.accept(world.user("ewo"), referral, world.user("ewo"), referral.version)
    db.session.rollback()
    assert db.session.get(Referral, referral.id).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_accepting_a_declined_referral_is_refused(world, pupil):
    referral = submitted(world, pupil)
    ended(referrals.decline(world.user("ewo"), referral, "Not enough absence", referral.version))
    with pytest.raises(Refused):
        referrals.accept(world.user("ewo"), referral, world.user("ewo"), referral.version)
    db.session.rollback()
    assert db.session.get(Referral, referral.id).status == "declined"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_declining_an_accepted_referral_is_refused(world, pupil):
    referral = submitted(world, pupil)
    ended(referrals.accept(world.user("ewo"), referral, world.user("ewo"), referral.version))
    with pytest.raises(Refused):
        referrals.decline(world.user("ewo"), referral, "Changed my mind", referral.version)
    with pytest.raises(Refused):
        referrals.ask_for_information(world.user("ewo"), referral, "More?", referral.version)
    db.session.rollback()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "accepted" and referral.triage_message == ""


def test_a_submitted_referral_cannot_be_changed_as_a_draft(world, pupil):
    referral = submitted(world, pupil)
    with pytest.raises(Refused):
        referrals.save_draft(world.user("school_staff"), pupil, {**GOOD, "school_actions": "Rewritten"},
                             referral=referral, expected_version=referral.version)
    db.session.rollback()
    assert db.session.get(Referral, referral.id).school_actions == GOOD["school_actions"]


def test_a_stale_version_is_a_conflict(world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = draft(world, pupil)
    stale = referral.version
    ended(referrals.save_draft(staff, pupil, {**GOOD, "urgency": "urgent"}, referral=referral,
                               expected_version=stale))
    assert referral.version == stale + 1
    with pytest.raises(Conflict) as err:
        referrals.save_draft(staff, pupil, {**GOOD, "urgency": "routine"}, referral=referral, expected_version=stale)
    assert err.value.current is referral
    with pytest.raises(Conflict):
        referrals.submit(staff, referral, stale)
    ended(referrals.submit(staff, referral, referral.version))
    with pytest.raises(Conflict):
        referrals.accept(ewo, referral, ewo, stale)
    with pytest.raises(Conflict):
        referrals.decline(ewo, referral, "No", stale)
    db.session.rollback()
    referral = db.session.get(Referral, referral.id)
    assert referral.status == "submitted" and referral.urgency == "urgent"


def test_add_information_to_a_submitted_referral(world, pupil):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = submitted(world, pupil)
    addition = referrals.add_information(staff, referral, "Mother called: younger sibling has started school.")
    assert isinstance(addition, ReferralAddition)
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert [a.text for a in referral.additions] == ["Mother called: younger sibling has started school."]
    assert referral.additions[0].author_id == staff.id
    assert referral.status == "submitted"
    assert db.session.scalar(select(func.count()).select_from(ChronologyEntry)) == 0
    assert len(notifications(ewo)) == 2  # submitted, then information added


def test_add_information_after_acceptance_lands_in_the_chronology(world, pupil):
    staff = world.user("school_staff")
    case = open_case(world, pupil)
    referrals.add_information(staff, case.referral, "Pupil now on a part-time timetable.")
    [_, added] = entries(case, "referral")
    assert "Pupil now on a part-time timetable." in added.text
    assert added.author_id == staff.id and added.organisation_id == world.school_a.id


def test_add_information_to_a_draft_is_refused(world, pupil):
    referral = draft(world, pupil)
    with pytest.raises(Refused):
        referrals.add_information(world.user("school_staff"), referral, "More")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReferralAddition)) == 0


# ----- case status and closure ---------------------------------------------------------------

def test_open_monitoring_open(world, case):
    ewo = world.user("ewo")
    service.set_status(ewo, case, "monitoring", case.version)
    assert case.status == "monitoring"
    service.set_status(ewo, case, "open", case.version)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "open"
    assert [e.text for e in entries(case, "decision")] == ["Case moved from open to monitoring.",
                                                           "Case moved from monitoring to open."]
    assert audits("case_status_changed") == 2


def test_set_status_cannot_close(world, case):
    with pytest.raises(Refused) as err:
        service.set_status(world.user("ewo"), case, "closed", case.version)
    assert "reason" in err.value.message
    db.session.rollback()
    assert db.session.get(Case, case.id).status == "open"
    assert entries(case, "decision") == []


def test_set_status_with_a_stale_version_is_a_conflict(world, case):
    stale = case.version
    ended(service.set_status(world.user("ewo"), case, "monitoring", stale))
    with pytest.raises(Conflict):
        service.set_status(world.user("ewo"), case, "open", stale)
    db.session.rollback()
    assert db.session.get(Case, case.id).status == "monitoring"


@pytest.mark.parametrize("reason, text", [("", ""), ("nonsense", "x"), ("other", ""), ("other", "   ")])
def test_close_needs_a_reason(world, case, reason, text):
    with pytest.raises(Refused) as err:
        service.close(world.user("ewo"), case, reason, text, case.version)
    assert err.value.problems
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert case.status == "open" and case.closed_at is None and case.attendance_at_close is None


def test_close_records_attendance_and_a_decision(world, pupil, case):
    ewo = world.user("ewo")
    add_week(pupil, date(2026, 11, 9), possible=10, attended=10, unauthorised=0)
    db.session.commit()
    ended(service.close(ewo, case, "other", "Family agreed a managed move", case.version))

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "closed" and case.closed_at is not None
    assert case.closure_reason == "other" and case.closure_text == "Family agreed a managed move"
    assert case.attendance_at_open["percent"] == "80.0"
    assert case.attendance_at_close["possible"] == 20 and case.attendance_at_close["percent"] == "90.0"
    [decision] = entries(case, "decision")
    assert "Family agreed a managed move" in decision.text and "80.0%" in decision.text and "90.0%" in decision.text
    assert audits("case_closed") == 1

    with pytest.raises(Refused):
        service.close(ewo, case, "improved", "", case.version)
    with pytest.raises(Refused):
        service.set_status(ewo, case, "open", case.version)
    with pytest.raises(Refused):
        service.set_stage(ewo, case, stage(6), case.version)
    with pytest.raises(Refused):
        service.add_action(ewo, case, "Visit", TODAY, owner_user=ewo)
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert case.status == "closed" and case.closure_reason == "other" and len(entries(case, "decision")) == 1


# ----- support first -------------------------------------------------------------------------

def test_the_reference_stages(world):
    assert stage(7).level == "formal" and stage(8).level == "enforcement"
    assert all(stage(p).level == "support" for p in range(1, 7))


PLAN = dict(support_name="Weekly mentoring and a breakfast club place", review_on=TODAY + timedelta(weeks=6))


@pytest.mark.parametrize("position", [7, 8])
def test_formal_or_enforcement_stage_needs_a_support_plan_first(world, case, position):
    """Support first, as corrected (issue 12): a support plan naming the support and its review
    date unlocks formal support or enforcement; a bare "support offered" line does not."""
    ewo = world.user("ewo")
    before = case.stage_id
    with pytest.raises(Refused) as err:
        service.set_stage(ewo, case, stage(position), case.version)
    assert "Support plan" in err.value.message and "Support not appropriate" in err.value.message
    assert err.value.problems == {"stage_id": "Record a support plan, or why support is not appropriate, first"}
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert case.stage_id == before and entries(case, "stage_change") == []

    # a note, a meeting, "support offered" (one character or a whole paragraph) or a struck-through
    # plan is no evidence
    service.add_entry(ewo, case, "meeting", past(3), "Meeting with parent")
    service.add_entry(ewo, case, "support_offered", past(3), "x")
    service.add_entry(ewo, case, "support_offered", past(3), "Offered a mentor and a breakfast club place")
    struck = service.add_entry(ewo, case, "support_plan", past(2), "Bus pass (entered on the wrong case)", **PLAN)
    service.strike_entry(ewo, struck, "Wrong case")
    with pytest.raises(Refused):
        service.set_stage(ewo, case, stage(position), case.version)
    db.session.rollback()

    # nor is a plan on another case
    other = open_case(world, make_pupil(world.school_a, "Blair"))
    service.add_entry(ewo, other, "support_plan", past(2), "Early help assessment for mother", **PLAN)
    with pytest.raises(Refused):
        service.set_stage(ewo, case, stage(position), case.version)
    db.session.rollback()

    service.add_entry(ewo, case, "support_plan", past(1), "Agreed with mother at the home visit", **PLAN)
    service.set_stage(ewo, case, stage(position), case.version, reason="Support not engaged with",
                      share_with_police=True)  # chosen (issue 14): the police wording leaves the reason out
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.stage.position == position
    [change] = entries(case, "stage_change")
    assert stage(position).name in change.text and "Support not engaged with" in change.text
    # the change records which evidence let it go ahead
    assert "Support first: support plan of 23 Nov 2026 (Weekly mentoring and a breakfast club place; " \
           "review 4 Jan 2027)" in change.text
    assert change.police_text == f"Stage changed from LA support: education welfare officer to {stage(position).name}."
    assert audits("case_stage_changed") == 1


def test_enforcement_when_support_is_not_appropriate_needs_a_reason_and_a_real_rationale(world, case):
    ewo = world.user("ewo")
    with pytest.raises(Refused) as err:
        service.add_entry(ewo, case, "support_not_appropriate", past(1), "Holiday.",
                          not_appropriate_reason="term_time_holiday")
    assert set(err.value.problems) == {"text"}
    with pytest.raises(Refused) as err:
        service.add_entry(ewo, case, "support_not_appropriate", past(1),
                          "Ten school days in Spain in term time; no barrier that support could remove.",
                          not_appropriate_reason="because")
    assert set(err.value.problems) == {"not_appropriate_reason"}
    db.session.rollback()
    with pytest.raises(Refused):
        service.set_stage(ewo, case, stage(8), case.version)
    db.session.rollback()
    entry = service.add_entry(ewo, case, "support_not_appropriate", past(1),
                              "Ten school days in Spain in term time; no barrier that support could remove.",
                              not_appropriate_reason="term_time_holiday")
    assert entry.not_appropriate_reason == "term_time_holiday" and entry.police_text is None
    service.set_stage(ewo, case, stage(8), case.version)
    [change] = entries(case, "stage_change")
    assert "Support first: support not appropriate, recorded 23 Nov 2026 (Unauthorised term-time holiday)" \
        in change.text


@pytest.mark.parametrize(("fields", "problem"), [
    (dict(support_name="", review_on=TODAY + timedelta(weeks=6)), "support_name"),
    (dict(support_name="mentor", review_on=TODAY + timedelta(weeks=6)), "support_name"),     # 6 characters
    (dict(support_name="          a ", review_on=TODAY + timedelta(weeks=6)), "support_name"),  # blanks
    (dict(support_name="Weekly mentoring", review_on=None), "review_on"),
    (dict(support_name="Weekly mentoring", review_on=TODAY - timedelta(days=3)), "review_on"),  # before the plan
    (dict(support_name="Weekly mentoring", review_on=TODAY + timedelta(days=400)), "review_on"),
])
def test_a_support_plan_names_the_support_and_a_review_date(world, case, fields, problem):
    with pytest.raises(Refused) as err:
        service.add_entry(world.user("ewo"), case, "support_plan", past(1), "Agreed at the meeting", **fields)
    assert set(err.value.problems) == {problem}
    db.session.rollback()
    assert entries(db.session.get(Case, case.id), "support_plan") == []


def test_support_stages_are_always_allowed(world, case):
    ewo = world.user("ewo")
    for position in (6, 1, 2, 3, 4, 5):
        service.set_stage(ewo, case, stage(position), case.version)
        assert case.stage.position == position
    assert len(entries(case, "stage_change")) == 6


def test_set_stage_with_a_stale_version_is_a_conflict(world, case):
    stale = case.version
    service.set_stage(world.user("ewo"), case, stage(6), stale)
    with pytest.raises(Conflict):
        service.set_stage(world.user("ewo"), case, stage(4), stale)


# ----- sharing -------------------------------------------------------------------------------

def test_share_with_early_help(world, case):
    ewo, eh = world.user("ewo"), world.user("early_help")
    colleague = make_user("early_help", world.early_help_org)
    gone = make_user("early_help", world.early_help_org, active=False)
    db.session.commit()

    item = service.share(ewo, case, world.early_help_org, "Family agreed to an early help assessment")

    db.session.expire_all()
    item = db.session.get(CaseShare, item.id)
    assert item.case_id == case.id and item.organisation_id == world.early_help_org.id
    assert item.withdrawn_at is None and item.shared_by_id == ewo.id
    assert item.reason == "Family agreed to an early help assessment"
    [entry] = entries(case, "sharing")
    assert "Early Help" in entry.text and "early help assessment" in entry.text
    assert [n.link for n in notifications(eh)] == [f"/cases/{case.id}"]
    assert len(notifications(colleague)) == 1 and len(emails(colleague)) == 1
    assert notifications(gone) == []
    assert notifications(world.user("social_care")) == [] and notifications(world.user("police")) == []
    assert audits("case_shared") == 1


def test_sharing_twice_with_one_organisation_is_refused(world, case):
    ewo = world.user("ewo")
    ended(service.share(ewo, case, world.early_help_org, "Early help assessment"))
    with pytest.raises(Refused):
        service.share(ewo, case, world.early_help_org, "Again")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CaseShare)) == 1
    # another agency is fine
    service.share(ewo, case, world.social_care_org, "Child in need plan")
    assert db.session.scalar(select(func.count()).select_from(CaseShare)) == 2


def test_withdraw_needs_a_reason(world, case):
    ewo = world.user("ewo")
    item = ended(service.share(ewo, case, world.early_help_org, "Early help assessment"))
    for reason in ("", "   "):
        with pytest.raises(Refused):
            service.withdraw_share(ewo, item, reason, item.version)
    db.session.rollback()
    assert db.session.get(CaseShare, item.id).withdrawn_at is None

    ended(service.withdraw_share(ewo, item, "Family withdrew from early help", item.version))
    db.session.expire_all()
    item = db.session.get(CaseShare, item.id)
    assert item.withdrawn_at is not None and item.withdrawn_by_id == ewo.id
    assert item.withdraw_reason == "Family withdrew from early help"
    assert len(entries(case, "sharing")) == 2
    assert audits("case_share_withdrawn") == 1
    with pytest.raises(Refused):
        service.withdraw_share(ewo, item, "Again", item.version)
    db.session.rollback()
    # once withdrawn, the case can be shared again
    service.share(ewo, case, world.early_help_org, "Family re-engaged")
    assert db.session.scalar(select(func.count()).select_from(CaseShare)) == 2


def test_two_people_withdraw_one_share_at_once(world, case):
    """One withdrawal is recorded; the other person is told someone else changed the share."""
    ewo = world.user("ewo")
    item = service.share(ewo, case, world.early_help_org, "Early help assessment")
    case_id, share_id, ewo_id, admin_id = case.id, item.id, ewo.id, world.user("la_admin").id
    db.session.commit()

    other = Session(db.engine, expire_on_commit=False)
    try:
        # the second person's request loads the share (through its case) and themselves...
        other_share = other.get(CaseShare, share_id)
        other_share.case  # noqa: B018  (loaded, as the view's access check would)
        other_share.organisation  # noqa: B018
        other_actor = other.get(User, admin_id)
        assert other_share.version == 1 and other_share.active
        other.commit()  # ...and ends its read

        first = db.session.get(CaseShare, share_id)
        ended(service.withdraw_share(db.session.get(User, ewo_id), first, "Family withdrew from early help",
                                     first.version))

        # the second person submits on the version they loaded: nothing of theirs is kept
        with session_in_use(other):
            with pytest.raises(Conflict) as err:
                service.withdraw_share(other_actor, other_share, "Early help offer ended", 1)
        assert err.value.current.withdraw_reason == "Family withdrew from early help"
    finally:
        other.close()

    db.session.expire_all()
    item = db.session.get(CaseShare, share_id)
    assert item.withdrawn_by_id == ewo_id and item.withdraw_reason == "Family withdrew from early help"
    assert item.version == 2
    withdrawn = [e.text for e in entries(db.session.get(Case, case_id), "sharing") if "withdrawn" in e.text]
    assert withdrawn == ["Sharing with Early Help withdrawn. Reason: Family withdrew from early help"]
    assert audits("case_share_withdrawn") == 1


def test_a_withdrawal_on_a_stale_page_is_a_conflict(world, case):
    """The page showed the share before someone else withdrew it: a Conflict, not a second record."""
    ewo = world.user("ewo")
    item = ended(service.share(ewo, case, world.early_help_org, "Early help assessment"))
    shown = item.version
    ended(service.withdraw_share(ewo, item, "Family withdrew from early help", shown))
    with pytest.raises(Conflict):
        service.withdraw_share(world.user("la_admin"), item, "Early help offer ended", shown)
    db.session.rollback()
    assert len([e for e in entries(case, "sharing") if "withdrawn" in e.text]) == 1
    assert audits("case_share_withdrawn") == 1


def test_sharing_with_the_pupils_own_school_is_refused(world, case):
    with pytest.raises(Refused):
        service.share(world.user("ewo"), case, world.school_a, "They should know")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CaseShare)) == 0


@pytest.mark.parametrize("reason", ["", "   "])
def test_sharing_without_a_reason_is_refused(world, case, reason):
    with pytest.raises(Refused) as err:
        service.share(world.user("ewo"), case, world.early_help_org, reason)
    assert list(err.value.problems)[0] == "reason"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CaseShare)) == 0
    assert notifications(world.user("early_help")) == []


def test_sharing_with_the_attendance_service_is_refused(world, case):
    with pytest.raises(Refused):
        service.share(world.user("ewo"), case, world.service, "Why not")


# ----- chronology ----------------------------------------------------------------------------

def test_add_entry_refuses_the_future(world, case):
    with pytest.raises(Refused) as err:
        service.add_entry(world.user("ewo"), case, "home_visit", utcnow() + timedelta(hours=1), "Visit")
    assert list(err.value.problems)[0] == "occurred_at"


@pytest.mark.parametrize("kind", ["decision", "triage", "stage_change", "sharing", "correction", "action", "bogus"])
def test_add_entry_refuses_kinds_the_portal_writes(world, case, kind):
    with pytest.raises(Refused):
        service.add_entry(world.user("ewo"), case, kind, past(), "Looks official")
    db.session.rollback()
    assert len(entries(case)) == 2  # referral and triage only


def test_add_entry(world, case):
    ewo = world.user("ewo")
    when = past(5)
    entry = service.add_entry(ewo, case, "home_visit", when, "No answer at the door; card left")
    db.session.expire_all()
    entry = db.session.get(ChronologyEntry, entry.id)
    assert entry.kind == "home_visit" and entry.author_id == ewo.id and entry.organisation_id == world.service.id
    assert entry.text == "No answer at the door; card left" and not entry.police_shareable and not entry.health
    assert audits("chronology_entry_added") == 1


def test_police_entries_are_police_shareable(world, case):
    entry = service.add_entry(world.user("police"), case, "note", past(), "Stopped in the town centre at 11:00",
                              police_shareable=False)
    assert entry.police_shareable is True
    entry = service.add_entry(world.user("ewo"), case, "note", past(), "Shareable", police_shareable=True)
    assert entry.police_shareable is True


@pytest.mark.parametrize("author", ["ewo", "early_help", "school_staff",
                                    "police"])
def test_health_entries_are_never_police_shareable(world, case, author):
    entry = service.add_entry(world.user(author), case, "note", past(), "CAMHS appointment booked",
                              police_shareable=True, health=True)
    db.session.expire_all()
    entry = db.session.get(ChronologyEntry, entry.id)
    assert entry.health is True
    assert entry.police_shareable is False


def test_correct_entry_adds_a_linked_correction(world, case):
    ewo = world.user("ewo")
    original = service.add_entry(ewo, case, "phone_call", past(4), "Spoke to father", police_shareable=True)
    correction = service.correct_entry(ewo, original, "It was the mother, not the father")
    db.session.expire_all()
    original = db.session.get(ChronologyEntry, original.id)
    correction = db.session.get(ChronologyEntry, correction.id)
    assert correction.kind == "correction" and correction.corrects_id == original.id
    assert correction.case_id == case.id and correction.text == "It was the mother, not the father"
    assert correction.police_shareable is True
    assert original.text == "Spoke to father" and original.struck_at is None  # never edited in place
    assert audits("chronology_entry_corrected") == 1


def test_a_correction_of_a_health_note_stays_a_health_note(world, case):
    ewo = world.user("ewo")
    original = service.add_entry(ewo, case, "note", past(), "GP letter", health=True)
    correction = service.correct_entry(ewo, original, "School nurse letter")
    assert correction.health is True and correction.police_shareable is False


def test_strike_entry_needs_a_reason_and_happens_once(world, case):
    ewo = world.user("ewo")
    entry = ended(service.add_entry(ewo, case, "note", past(), "Entered on the wrong pupil"))
    with pytest.raises(Refused):
        service.strike_entry(ewo, entry, "  ")
    db.session.rollback()
    assert db.session.get(ChronologyEntry, entry.id).struck_at is None

    service.strike_entry(ewo, entry, "Wrong pupil")
    db.session.expire_all()
    entry = db.session.get(ChronologyEntry, entry.id)
    assert entry.struck_at is not None and entry.struck_by_id == ewo.id and entry.strike_reason == "Wrong pupil"
    assert entry.text == "Entered on the wrong pupil"
    with pytest.raises(Refused):
        service.strike_entry(ewo, entry, "Again")
    assert audits("chronology_entry_struck") == 1


# ----- agreed actions ------------------------------------------------------------------------

def test_an_action_needs_exactly_one_owner(world, case):
    ewo = world.user("ewo")
    with pytest.raises(Refused):
        service.add_action(ewo, case, "Home visit", TODAY + timedelta(days=7))
    with pytest.raises(Refused):
        service.add_action(ewo, case, "Home visit", TODAY + timedelta(days=7), owner_user=ewo,
                           owner_org=world.early_help_org)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Action)) == 0


def test_add_action_for_a_person(world, shared_case):
    case = shared_case
    ewo, eh = world.user("ewo"), world.user("early_help")
    action = service.add_action(ewo, case, "Early help assessment", date(2026, 12, 4), owner_user=eh)
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert action.owner_user_id == eh.id and action.owner_org_id is None
    assert action.status == "open" and action.created_by_id == ewo.id and action.due_date == date(2026, 12, 4)
    [entry] = entries(case, "action")
    assert "Early help assessment" in entry.text and eh.name in entry.text and "4 Dec 2026" in entry.text
    assert [n.link for n in notifications(eh)] == [f"/cases/{case.id}#actions"]
    assert len(emails(eh)) == 1
    assert notifications(world.user("social_care")) == []
    assert audits("action_added") == 1


def test_add_action_for_an_agency_tells_all_its_users(world, shared_case):
    case = shared_case
    ewo = world.user("ewo")
    colleague = make_user("social_care", world.social_care_org)
    gone = make_user("social_care", world.social_care_org, active=False)
    db.session.commit()
    action = service.add_action(ewo, case, "Child in need review", date(2026, 12, 11),
                                owner_org=world.social_care_org)
    assert action.owner_org_id == world.social_care_org.id and action.owner_user_id is None
    assert len(notifications(world.user("social_care"))) == 1 and len(notifications(colleague)) == 1
    assert notifications(gone) == []
    assert notifications(world.user("early_help")) == []
    [entry] = entries(case, "action")
    assert "Social Care" in entry.text


def test_complete_action(world, shared_case):
    case = shared_case
    ewo, eh = world.user("ewo"), world.user("early_help")
    action = ended(service.add_action(ewo, case, "Early help assessment", date(2026, 12, 4), owner_user=eh))
    with pytest.raises(Refused):
        service.complete_action(eh, action, "  ", action.version)
    db.session.rollback()

    service.complete_action(eh, action, "Assessment done; family support worker allocated", action.version)
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert action.status == "done" and action.outcome == "Assessment done; family support worker allocated"
    assert action.completed_by_id == eh.id and action.completed_at is not None
    done = entries(case, "action")[-1]
    assert "completed" in done.text and "family support worker allocated" in done.text
    assert audits("action_completed") == 1
    with pytest.raises(Conflict):  # already done
        service.complete_action(ewo, action, "Again", action.version)


def test_complete_action_with_a_stale_version_is_a_conflict(world, case):
    ewo = world.user("ewo")
    action = ended(service.add_action(ewo, case, "Home visit", date(2026, 12, 4), owner_user=ewo))
    stale = action.version
    ended(service.reassign_action(ewo, action, stale, owner_user=world.user("ewo_b")))
    with pytest.raises(Conflict):
        service.complete_action(ewo, action, "Visited", stale)
    db.session.rollback()
    assert db.session.get(Action, action.id).status == "open"


def test_two_people_complete_one_action_at_once(world, shared_case):
    case = shared_case
    ewo, eh = world.user("ewo"), world.user("early_help")
    action = service.add_action(ewo, case, "Early help assessment", date(2026, 12, 4), owner_user=eh)
    case_id, action_id, ewo_id, eh_id = case.id, action.id, ewo.id, eh.id
    db.session.commit()  # no open transaction in the first session (SQLite writers begin IMMEDIATE)

    other = Session(db.engine, expire_on_commit=False)
    try:
        # the second person's request loads the case, the action and themselves...
        other_case = other.get(Case, case_id)
        other_action = other.get(Action, action_id)
        other_actor = other.get(User, eh_id)
        assert other_case is not None and other_action.version == 1 and other_action.status == "open"
        other.commit()  # ...and ends its read (objects stay loaded, as they would in a form)

        # the first person's request loads the same version and completes it
        first_action = db.session.get(Action, action_id)
        assert first_action.version == other_action.version
        ended(service.complete_action(db.session.get(User, ewo_id), first_action, "Winner: assessment booked",
                                      first_action.version))

        # the second person submits on the version they loaded
        with session_in_use(other):
            with pytest.raises(Conflict) as err:
                service.complete_action(other_actor, other_action, "Loser: family declined", 1)
        assert err.value.current.outcome == "Winner: assessment booked"
    finally:
        other.close()

    db.session.expire_all()
    action = db.session.get(Action, action_id)
    assert action.status == "done" and action.outcome == "Winner: assessment booked"
    assert action.completed_by_id == ewo_id and action.version == 2
    completed = [e.text for e in entries(db.session.get(Case, case_id), "action") if "completed" in e.text]
    assert len(completed) == 1 and "Winner" in completed[0]
    assert audits("action_completed") == 1


def test_two_people_complete_one_action_loaded_on_its_own(world, shared_case):
    case = shared_case
    ewo, eh = world.user("ewo"), world.user("early_help")
    action = service.add_action(ewo, case, "Early help assessment", date(2026, 12, 4), owner_user=eh)
    action_id, ewo_id, eh_id = action.id, ewo.id, eh.id
    db.session.commit()

    other = Session(db.engine, expire_on_commit=False)
    try:
        other_action = other.get(Action, action_id)  # the action only, not its case
        other_actor = other.get(User, eh_id)
        other.commit()
        first_action = db.session.get(Action, action_id)
        ended(service.complete_action(db.session.get(User, ewo_id), first_action, "Winner", first_action.version))
        with session_in_use(other):
            with pytest.raises(Conflict):
                service.complete_action(other_actor, other_action, "Loser", 1)
    finally:
        other.close()
    db.session.expire_all()
    assert db.session.get(Action, action_id).outcome == "Winner"


def _load_case_elsewhere(case_id: int, actor_id: int):
    other = Session(db.engine, expire_on_commit=False)
    other_case = other.get(Case, case_id)
    other_actor = other.get(User, actor_id)
    other.commit()
    return other, other_case, other_actor


def test_two_status_changes_at_once(world, case):
    ewo = world.user("ewo")
    case_id, ewo_id, admin_id = case.id, ewo.id, world.user("la_admin").id
    db.session.commit()

    other, other_case, other_actor = _load_case_elsewhere(case_id, admin_id)
    try:
        first = db.session.get(Case, case_id)
        assert first.version == other_case.version == 1
        ended(service.set_status(db.session.get(User, ewo_id), first, "monitoring", first.version))
        with session_in_use(other):
            with pytest.raises(Conflict) as err:
                service.set_status(other_actor, other_case, "monitoring", 1)
        assert err.value.current.status == "monitoring" and err.value.current.version == 2
    finally:
        other.close()

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.status == "monitoring" and case.version == 2
    assert [e.author_id for e in entries(case, "decision")] == [ewo_id]
    assert audits("case_status_changed") == 1


def test_a_stale_status_change_does_not_reopen_a_closed_case(world, case):
    case_id, ewo_id, admin_id = case.id, world.user("ewo").id, world.user("la_admin").id
    db.session.commit()

    other, other_case, other_actor = _load_case_elsewhere(case_id, admin_id)
    try:
        first = db.session.get(Case, case_id)
        ended(service.close(db.session.get(User, ewo_id), first, "improved", "", first.version))
        with session_in_use(other):
            with pytest.raises(Conflict):
                service.set_status(other_actor, other_case, "monitoring", 1)
    finally:
        other.close()

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.status == "closed" and case.closure_reason == "improved"
    assert [e.text for e in entries(case, "decision") if "monitoring" in e.text] == []


def test_closing_a_case_someone_else_just_changed_is_a_conflict(world, case):
    case_id, ewo_id, admin_id = case.id, world.user("ewo").id, world.user("la_admin").id
    db.session.commit()

    other, other_case, other_actor = _load_case_elsewhere(case_id, admin_id)
    try:
        other_case.pupil  # noqa: B018  (loaded, as the view's access check would)
        other.commit()
        first = db.session.get(Case, case_id)
        ended(service.set_status(db.session.get(User, ewo_id), first, "monitoring", first.version))
        with session_in_use(other):
            with pytest.raises(Conflict):
                service.close(other_actor, other_case, "improved", "", 1)
    finally:
        other.close()

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.status == "monitoring" and case.closed_at is None


def test_reassign_action(world, shared_case):
    case = shared_case
    ewo, eh, sc = world.user("ewo"), world.user("early_help"), world.user("social_care")
    action = ended(service.add_action(ewo, case, "Family support plan", date(2026, 12, 4), owner_user=eh))
    ended(service.reassign_action(ewo, action, action.version, owner_user=sc, due=date(2026, 12, 18)))
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert action.owner_user_id == sc.id and action.owner_org_id is None and action.due_date == date(2026, 12, 18)
    assert [n.text for n in notifications(sc)] == [f"An action was assigned to you: {child_label(case.pupil)}"]
    assert len(notifications(eh)) == 1  # only the first assignment
    reassigned = entries(case, "action")[-1]
    assert "re-assigned" in reassigned.text and eh.name in reassigned.text and sc.name in reassigned.text
    assert audits("action_reassigned") == 1

    with pytest.raises(Refused, match="Share the case"):  # the police cannot see this case
        service.reassign_action(ewo, action, action.version, owner_org=world.police_org)
    db.session.rollback()
    db.session.add(CaseShare(case_id=case.id, organisation_id=world.police_org.id, reason="joint working",
                             shared_by_id=ewo.id))
    db.session.commit()
    action = db.session.get(Action, action.id)
    ended(service.reassign_action(ewo, action, action.version, owner_org=world.police_org))
    db.session.expire_all()
    action = db.session.get(Action, action.id)
    assert action.owner_org_id == world.police_org.id and action.owner_user_id is None
    assert [n.text.partition(":")[0] for n in notifications(world.user("police"))] == [
        "An action was assigned to your agency"]

    with pytest.raises(Refused):
        service.reassign_action(ewo, action, action.version)
    db.session.rollback()
    service.complete_action(ewo, action, "Done", action.version)
    with pytest.raises(Refused):
        service.reassign_action(ewo, action, action.version, owner_user=eh)
