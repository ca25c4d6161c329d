"""Referral use cases: draft, submit, add information, triage. Each writes its change with
its audit entry and notifications in the caller's transaction (`portal.transaction`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import exists, or_, select

from portal import access, audit
from portal.cases.models import (
    ACTIVE_CASE_STATES,
    BARRIER_LABELS,
    CONSENT,
    URGENCY,
    Case,
    CaseStatus,
    ChronologyEntry,
    Referral,
    ReferralAddition,
    ReferralStatus,
    Stage,
)
from portal.concurrency import check_version as _check_version
from portal.errors import Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import User
from portal.statements import StatementMemo, Who, built_once, rows_of, values_of
from portal.timeutil import utcnow

CONSENT_LABELS = dict(CONSENT)
URGENCY_LABELS = dict(URGENCY)
FIELDS = ("barriers", "stage_reached", "school_actions", "consent", "lawful_basis", "urgency",
          "safeguarding_concern")


def _link(referral: Referral) -> str:
    return f"/referrals/{referral.id}"


def snapshot(pupil, as_of=None) -> dict:
    """The pupil's attendance now (or as it was on `as_of`), as recorded on a referral or a case."""
    from portal.attendance import calc
    from portal.attendance.summaries import pupil_summary
    from portal.timeutil import today

    as_of = as_of or today()
    s = pupil_summary(pupil, as_of)
    y = s.year_totals
    return {"as_of": as_of.isoformat(), "possible": y.possible, "attended": y.attended,
            "authorised": y.authorised, "unauthorised": y.unauthorised,
            "percent": calc.percent_text(y.attended, y.possible),  # the shown figure, as text
            "band": calc.band(y.attended, y.possible), "unauthorised_10_weeks": s.unauthorised_in_window}


# A referral still being written, awaiting triage or awaiting the school's answer.
OPEN_REFERRAL_STATES = (ReferralStatus.draft, ReferralStatus.submitted, ReferralStatus.more_info)


@built_once
def _referred():
    from sqlalchemy import Integer, bindparam

    pupil_id = bindparam("pupil_id", type_=Integer)
    return select(or_(
        exists().where(Case.pupil_id == pupil_id, Case.status.in_(ACTIVE_CASE_STATES)),
        exists().where(Referral.pupil_id == pupil_id, Referral.status.in_(OPEN_REFERRAL_STATES))))


def is_referred(pupil_id: int) -> bool:
    """Whether `already_referred` finds a case or a referral (the pupil page's "Refer" link), in one query."""
    return bool(values_of(_referred(), {"pupil_id": pupil_id})[0])


def already_referred(pupil_id: int) -> Referral | Case | None:
    """The pupil's active case, else the pupil's open referral: a second referral would put the
    child twice in the EWO's queue."""
    case = db.session.scalar(select(Case).where(Case.pupil_id == pupil_id, Case.status.in_(ACTIVE_CASE_STATES))
                             .order_by(Case.id.desc()).limit(1))
    if case is not None:
        return case
    return db.session.scalar(select(Referral).where(Referral.pupil_id == pupil_id,
                                                    Referral.status.in_(OPEN_REFERRAL_STATES))
                             .order_by(Referral.id.desc()).limit(1))


def refusal_for(existing: Referral | Case) -> str:
    if isinstance(existing, Case):
        return "This pupil already has an open case: add to the case instead of referring again."
    if existing.status == ReferralStatus.draft:
        return "A referral for this pupil is already being drafted: continue that draft instead."
    return (f"A referral for this pupil is already open ({existing.status_label.lower()}): "
            "add information to it instead of referring again.")


def save_draft(actor: User, pupil, data: dict, referral: Referral | None = None,
               expected_version: int | None = None) -> Referral:
    if referral is None:
        if (existing := already_referred(pupil.id)) is not None:
            raise Refused(refusal_for(existing))
        referral = Referral(pupil_id=pupil.id, school_id=pupil.school_id, created_by_id=actor.id,
                            status=ReferralStatus.draft)
        db.session.add(referral)
        verb = "referral_drafted"
    else:
        _check_version(referral, expected_version)
        if not referral.editable:
            raise Refused("A submitted referral cannot be changed: add information to it instead.")
        verb = "referral_updated"
    before = audit.snapshot(referral, FIELDS) if verb == "referral_updated" else {}
    for field in FIELDS:
        setattr(referral, field, data[field])
    db.session.flush()
    audit.record(actor, verb, referral, changes=audit.diff(before, audit.snapshot(referral, FIELDS)))
    db.session.flush()
    return referral


def missing_for_submit(referral: Referral) -> list[tuple[str, str]]:
    """What a referral needs before it can be submitted: (field, message)."""
    return missing_in({field: getattr(referral, field) for field in FIELDS})


def missing_in(data: dict) -> list[tuple[str, str]]:
    """What the answers (as `save_draft` takes them) lack before they can be submitted, so that a
    refused submission is answered before anything is saved."""
    problems = []
    barriers = data.get("barriers") or {}
    if not barriers:
        problems.append(("barriers", "Select at least one barrier to attendance"))
    elif "other" in barriers and not (barriers["other"] or "").strip():
        problems.append(("barriers", "Describe the other barrier"))
    if not (data.get("school_actions") or "").strip():
        problems.append(("school_actions", "Say what the school has already done (calls, letters, meetings)"))
    if data.get("consent") not in CONSENT_LABELS:
        problems.append(("consent", "Select whether parental consent was given, refused or not sought"))
    elif data.get("consent") != "given" and not (data.get("lawful_basis") or "").strip():
        problems.append(("lawful_basis", "Consent was not given: say what lawful basis you rely on to share"))
    if data.get("urgency") not in URGENCY_LABELS:
        problems.append(("urgency", "Select whether the referral is routine or urgent"))
    if data.get("safeguarding_concern") is None:
        problems.append(("safeguarding_concern",
                         "Select yes if there is a safeguarding concern, or no if there is not"))
    return problems


def submit(actor: User, referral: Referral, expected_version: int | None) -> Referral:
    _check_version(referral, expected_version)
    if not referral.editable:
        raise Refused(f"This referral is already {referral.status_label.lower()}.")
    problems = missing_for_submit(referral)
    if problems:
        raise Refused(problems=problems)
    before = referral.status
    resubmitted = before == ReferralStatus.more_info
    referral.status = ReferralStatus.submitted
    referral.snapshot = snapshot(referral.pupil)
    referral.submitted_at = utcnow()
    audit.record(actor, "referral_resubmitted" if resubmitted else "referral_submitted", referral,
                 changes={"status": {"from": before, "to": ReferralStatus.submitted}})
    notify.notify_users([referral.school.named_ewo], "A referral needs triage", _link(referral),
                        about=referral.pupil)
    db.session.flush()
    return referral


def add_information(actor: User, referral: Referral, text: str) -> ReferralAddition:
    if referral.status == ReferralStatus.draft:
        raise Refused("Change the draft instead of adding to it.")
    if not text.strip():
        raise Refused("Enter the information to add.", {"text": "Enter the information to add"})
    addition = ReferralAddition(referral=referral, author_id=actor.id, text=text)
    db.session.add(addition)
    db.session.flush()
    answered = referral.status == ReferralStatus.more_info
    if answered:  # the school answered the EWO's question: the referral goes back to the triage queue
        referral.status = ReferralStatus.submitted
        referral.submitted_at = utcnow()
        audit.record(actor, "referral_information_added", referral,
                     changes={"status": {"from": ReferralStatus.more_info, "to": ReferralStatus.submitted}})
    else:
        audit.record(actor, "referral_information_added", referral)
    if referral.case is not None:
        db.session.add(ChronologyEntry(case_id=referral.case.id, kind="referral", occurred_at=utcnow(),
                                       author_id=actor.id, organisation_id=actor.organisation_id,
                                       text=f"The school added information to the referral: {text}"))
    if referral.school.named_ewo is not None:
        notify.notify_users([referral.school.named_ewo],
                            "The school added the information you asked for: the referral needs triage"
                            if answered else "The school added information to a referral", _link(referral),
                            about=referral.pupil)
    db.session.flush()
    return addition


def _triaged(actor: User, referral: Referral, status: ReferralStatus, message: str) -> None:
    if status in (ReferralStatus.more_info, ReferralStatus.declined) and not message.strip():
        raise Refused("Tell the school what is needed, or why the referral is declined.",
                      {"message": "Enter a message to the school"})
    if referral.status != ReferralStatus.submitted:
        raise Refused(f"Only a referral awaiting triage can be triaged; this one is {referral.status_label.lower()}.")
    referral.status = status
    referral.triaged_by_id = actor.id
    referral.triaged_at = utcnow()
    referral.triage_message = message


def accept(actor: User, referral: Referral, lead: User, expected_version: int | None, *,
           share_with_police: bool = False) -> Case:
    """Accept the referral and open its case. The police see that the case was opened only when
    the EWO chooses it (`share_with_police`)."""
    _check_version(referral, expected_version)
    if not access.may_lead_cases(lead):
        raise Refused("The lead professional must be an active practitioner of the partnership.",
                      {"lead_id": "Select an education welfare officer, an early help key worker, a school nurse "
                                  "or a social worker"})
    _triaged(actor, referral, ReferralStatus.accepted, "")
    first_stage = db.session.scalar(select(Stage).where(Stage.level == "support").order_by(Stage.position.desc())
                                    .where(Stage.position <= 5))
    case = Case(pupil_id=referral.pupil_id, referral=referral, status=CaseStatus.open, lead_id=lead.id,
                stage=first_stage, attendance_at_open=snapshot(referral.pupil))
    db.session.add(case)
    db.session.flush()
    barriers = "; ".join(BARRIER_LABELS[k] + (f" – {v}" if v else "") for k, v in referral.barriers.items())
    now = utcnow()
    opened = f"Referral accepted; case opened with {lead.name} as lead professional."
    db.session.add_all([
        ChronologyEntry(case_id=case.id, kind="referral", occurred_at=referral.submitted_at or now,
                        author_id=referral.created_by_id, organisation_id=referral.school_id,
                        text=f"Referred by {referral.school.name}. Barriers: {barriers}. "
                             f"Already done by the school: {referral.school_actions}"),  # not for the police
        ChronologyEntry(case_id=case.id, kind="triage", occurred_at=now, author_id=actor.id,
                        organisation_id=actor.organisation_id, text=opened,
                        police_text=opened if share_with_police else None),
    ])
    audit.record(actor, "referral_accepted", referral, changes={"status": {"from": ReferralStatus.submitted,
                                                                              "to": ReferralStatus.accepted}})
    audit.record(actor, "case_opened", case, changes={"lead_id": {"from": None, "to": lead.id}})
    notify.notify_users([referral.created_by], "Your referral was accepted", f"/cases/{case.id}",
                        about=referral.pupil)
    if lead.id != actor.id:
        notify.notify_users([lead], "You are the lead professional for a new case", f"/cases/{case.id}",
                            about=referral.pupil)
    db.session.flush()
    return case


def ask_for_information(actor: User, referral: Referral, message: str, expected_version: int | None) -> None:
    _check_version(referral, expected_version)
    _triaged(actor, referral, ReferralStatus.more_info, message)
    audit.record(actor, "referral_more_information_requested", referral,
                 changes={"status": {"from": ReferralStatus.submitted, "to": ReferralStatus.more_info}})
    notify.notify_users([referral.created_by], "More information is needed on a referral", _link(referral),
                        about=referral.pupil)
    db.session.flush()


def decline(actor: User, referral: Referral, reason: str, expected_version: int | None) -> None:
    _check_version(referral, expected_version)
    _triaged(actor, referral, ReferralStatus.declined, reason)
    audit.record(actor, "referral_declined", referral,
                 changes={"status": {"from": ReferralStatus.submitted, "to": ReferralStatus.declined}})
    notify.notify_users([referral.created_by], "A referral was declined – see the reason", _link(referral),
                        about=referral.pupil)
    db.session.flush()


class RecordReferral(NamedTuple):
    """The pupil page's line for an open referral (plain values)."""
    id: int
    status: ReferralStatus
    submitted_at: datetime | None
    created_at: datetime

    @property
    def status_label(self) -> str:
        return self.status.label


class RecordCase(NamedTuple):
    """The pupil page's line for a case (plain values)."""
    id: int
    status: CaseStatus
    stage_name: str | None
    lead_name: str
    opened_at: datetime
    next_review: date | None
    closed_at: datetime | None
    closure_reason: str | None


@dataclass
class PupilRecord:
    """What the pupil page says of the pupil's referral and cases, as far as the user may see."""
    open_referral: RecordReferral | None
    open_case: RecordCase | None
    past_cases: list[RecordCase]


def _build_record(who: Who):
    """`pupil_record`'s two statements (the pupil a `pupil_id` parameter), built from the user's
    id, role and organisation only, through the user's scopes."""
    from sqlalchemy import Integer, bindparam

    pupil_id = bindparam("pupil_id", type_=Integer)
    referral = (access.referrals_for(who)
                .with_only_columns(Referral.id, Referral.status, Referral.submitted_at, Referral.created_at)
                .where(Referral.pupil_id == pupil_id, Referral.status.in_(OPEN_REFERRAL_STATES))
                .order_by(Referral.id.desc()).limit(1))
    cases = (access.cases_for(who)
             .with_only_columns(Case.id, Case.status, Stage.name, User.name, Case.opened_at, Case.next_review,
                                Case.closed_at, Case.closure_reason, maintain_column_froms=False)
             .select_from(Case)
             .outerjoin(Stage, Stage.id == Case.stage_id).outerjoin(User, User.id == Case.lead_id)
             .where(Case.pupil_id == pupil_id)
             .order_by(Case.opened_at.desc(), Case.id.desc()))
    return referral, cases


_record_statements = StatementMemo(_build_record)


def pupil_record(user: User, pupil_id: int) -> PupilRecord:
    """The pupil's open referral (drafts only for the school), open case and past cases, each
    through the user's scope (`access.referrals_for`, `access.cases_for`), as plain values."""
    referral_stmt, cases_stmt = _record_statements(Who.of(user))
    referral = rows_of(referral_stmt, {"pupil_id": pupil_id})
    cases = [RecordCase(*row) for row in rows_of(cases_stmt, {"pupil_id": pupil_id})]
    active = [c for c in cases if c.status in ACTIVE_CASE_STATES]
    return PupilRecord(RecordReferral(*referral[0]) if referral else None, active[0] if active else None,
                       [c for c in cases if c.status not in ACTIVE_CASE_STATES])
