"""Notices to improve (NTI) and schools' requests for one.

An NTI states the pupil's unauthorised absence in the qualifying period (the rolling 10 school
weeks up to its issue, from the marks), the support offered (chronology entries cited) or why
support was not appropriate, what counts as sufficient improvement, and an improvement period
of 3 to 6 school weeks counted on the school's calendar (a half-term is no school week). It
covers each liable parent. When the period ends the officer records the outcome.

Every change is audited and lands in the case's chronology, never in the police view."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal import audit
from portal.attendance import calc
from portal.attendance import calendar as school_calendar
from portal.attendance.codes import UNAUTHORISED
from portal.attendance.models import AttendanceMark, RegisterCode
from portal.cases import service as cases
from portal.cases.models import RATIONALE_MIN, Case, ChronologyEntry
from portal.concurrency import check_version, conflict_on_stale, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.formal.models import (
    DEFAULT_IMPROVEMENT,
    NoticeToImprove,
    NtiParent,
    NtiRequest,
    NtiStatus,
    RequestStatus,
)
from portal.orgs.models import User
from portal.pupils.models import Contact, Pupil
from portal.timeutil import LONDON, as_utc, today, utcnow

MIN_WEEKS, MAX_WEEKS = 3, 6
EVIDENCE_MIN = 20  # characters of a school's evidence


def long_date(day: date | None) -> str:
    return day.strftime("%-d %B %Y") if day else ""


# ----- the record --------------------------------------------------------------------------

def unauthorised_sessions(pupil: Pupil, start: date, end: date) -> int:
    """Unauthorised sessions (G, N, O, U: the register codes' category) on the school's school
    days from start to end, both included; a stray mark on a holiday does not count."""
    cal = school_calendar.for_school(pupil.school_id)
    days = db.session.execute(
        select(AttendanceMark.date, func.count()).join(RegisterCode, RegisterCode.code == AttendanceMark.code)
        .where(AttendanceMark.pupil_id == pupil.id, AttendanceMark.date.between(start, end),
               RegisterCode.category == UNAUTHORISED).group_by(AttendanceMark.date)).all()
    return sum(n for day, n in days if cal.is_open(calc.as_date(day)))


def qualifying_period(pupil: Pupil, as_of: date) -> tuple[date, date]:
    """The rolling window of 10 school weeks up to `as_of` (the penalty threshold's window)."""
    cal = school_calendar.for_school(pupil.school_id)
    window = cal.window(as_of, calc.PENALTY_WINDOW_WEEKS)
    return window if window else (as_of - timedelta(weeks=calc.PENALTY_WINDOW_WEEKS), as_of)


def improvement_period(cal: school_calendar.Calendar, issued_on: date, weeks: int) -> tuple[date, date]:
    """The period starts on the first school day after the notice is issued and runs for
    `weeks` school weeks: the week it starts in is the first, a week with no school day (a
    half-term, a holiday) is not counted, and it ends on the last school day of the last one."""
    start = cal.next_school_day(issued_on)
    monday, counted, last = school_calendar.week_start(start), 0, start
    for _guard in range(200):
        days = [d for d in (monday + timedelta(days=i) for i in range(5)) if d >= start and cal.is_open(d)]
        if days:
            counted += 1
            last = days[-1]
            if counted == weeks:
                return start, last
        monday += timedelta(weeks=1)
    return start, last


def liable_parents(pupil: Pupil) -> list[Contact]:
    """The pupil's contacts with parental responsibility."""
    return [c for c in pupil.contacts if c.parental_responsibility]


def _parents(pupil: Pupil, ids: list[int]) -> list[Contact]:
    chosen = [c for c in liable_parents(pupil) if c.id in set(ids)]
    if not chosen:
        raise Refused("Choose each liable parent the notice covers.",
                      {"parent_ids": "Select at least one parent with parental responsibility"})
    return chosen


def _day_of(entry: ChronologyEntry) -> date:
    return as_utc(entry.occurred_at).astimezone(LONDON).date()


def _cited(case: Case, ids: list[int]) -> list[ChronologyEntry]:
    evidence = {e.id: e for e in cases.support_evidence(case)}
    return [evidence[i] for i in ids if i in evidence]


# ----- raising and ending ------------------------------------------------------------------

def check_support(cited: list, rationale: str) -> None:
    if not cited and len(" ".join(rationale.split())) < RATIONALE_MIN:
        raise Refused("Support first: cite the support offered from the chronology, or explain why support "
                      f"was not appropriate (at least {RATIONALE_MIN} characters).",
                      {"support_ids": "Cite the support offered, or explain why support was not appropriate"})


def raise_nti(actor: User, case: Case, *, issued_on: date | None, weeks: int | None, parent_ids: list[int],
              support_ids: list[int], rationale: str = "", improvement: str = "",
              request: NtiRequest | None = None) -> NoticeToImprove:
    if case.is_closed:
        raise Refused("The case is closed.")
    problems: dict[str, str] = {}
    if issued_on is None:
        problems["issued_on"] = "Enter the date the notice is issued"
    elif issued_on > today():
        problems["issued_on"] = "The date the notice is issued must be today or in the past"
    if weeks is None or not MIN_WEEKS <= weeks <= MAX_WEEKS:
        problems["weeks"] = f"The improvement period is {MIN_WEEKS} to {MAX_WEEKS} school weeks"
    if not liable_parents(case.pupil):
        problems["parent_ids"] = ("No contact of the pupil has parental responsibility: add the liable parents "
                                  "to the pupil's record first")
    elif not {c.id for c in liable_parents(case.pupil)} & set(parent_ids):
        problems["parent_ids"] = "Select at least one parent with parental responsibility"
    cited = _cited(case, support_ids)
    rationale = rationale.strip()
    try:
        check_support(cited, rationale)
    except Refused as exc:
        problems.update(exc.problems)
    later = [e for e in cited if issued_on is not None and _day_of(e) > issued_on]
    if later:  # a notice recorded after the fact cites the support offered before it, not since
        problems["support_ids"] = (f"A notice issued on {long_date(issued_on)} cannot cite support recorded after "
                                   "it: " + "; ".join(cases.evidence_summary(e) for e in later))
    if request is not None and not request.is_open:
        problems["request"] = "The school's request was already decided"
    if problems:
        raise Refused("The notice to improve was not raised: " + "; ".join(problems.values()) + ".", problems)
    assert issued_on is not None and weeks is not None
    parents = _parents(case.pupil, parent_ids)
    pupil = case.pupil
    q_start, q_end = qualifying_period(pupil, issued_on)
    p_start, p_end = improvement_period(school_calendar.for_school(pupil.school_id), issued_on, weeks)
    nti = NoticeToImprove(
        case_id=case.id, pupil_id=pupil.id, issued_on=issued_on, qualifying_start=q_start, qualifying_end=q_end,
        unauthorised_sessions=unauthorised_sessions(pupil, q_start, q_end),
        support_cited=[{"id": e.id, "text": cases.evidence_summary(e)} for e in cited],
        not_appropriate_rationale=rationale, improvement=" ".join(improvement.split()) or DEFAULT_IMPROVEMENT,
        period_weeks=weeks, period_start=p_start, period_end=p_end, raised_by_id=actor.id,
        request_id=request.id if request else None)
    db.session.add(nti)
    db.session.flush()
    for parent in parents:
        db.session.add(NtiParent(nti_id=nti.id, contact_id=parent.id, parent_name=parent.name))
    if request is not None:
        request.status = RequestStatus.accepted
        request.decided_by_id, request.decided_at = actor.id, utcnow()
        audit.record(actor, "nti_request_accepted", request, changes={"status": {"from": "open", "to": "accepted"}})
    names = " and ".join(p.name for p in parents)
    cases.entry_from_elsewhere(
        case, actor, "decision",
        f"Notice to improve issued on {long_date(issued_on)} to {names}: {nti.unauthorised_sessions} unauthorised "
        f"sessions from {long_date(q_start)} to {long_date(q_end)}. Improvement period of {weeks} school weeks, "
        f"{long_date(p_start)} to {long_date(p_end)}. Sufficient improvement: {nti.improvement}",
        police_text=None, occurred_at=utcnow())
    audit.record(actor, "nti_raised", nti, summary=f"case #{case.id}; {len(parents)} parent(s); {weeks} weeks")
    db.session.flush()
    return nti


def period_record(nti: NoticeToImprove) -> int:
    """Unauthorised sessions over the improvement period (so far, while it runs)."""
    return unauthorised_sessions(nti.pupil, nti.period_start, min(nti.period_end, today()))


def period_ended(nti: NoticeToImprove) -> bool:
    return today() > nti.period_end


@conflict_on_stale
def record_outcome(actor: User, nti: NoticeToImprove, improved: bool | None, note: str,
                   expected_version: int | None) -> None:
    check_version(nti, expected_version)
    if not nti.in_period:
        raise Refused("The outcome of this notice to improve is already recorded.")
    if not period_ended(nti):
        raise Refused(f"The improvement period ends on {long_date(nti.period_end)}: record the outcome after it.",
                      {"improved": "Wait until the improvement period has ended"})
    if improved is None:
        raise Refused("Say whether attendance improved enough.", {"improved": "Select whether it improved"})
    sessions = period_record(nti)
    nti.status = NtiStatus.improved if improved else NtiStatus.not_improved
    nti.outcome_by_id, nti.outcome_at = actor.id, utcnow()
    nti.outcome_note = note.strip()
    nti.period_unauthorised = sessions
    outcome = ("improved: no further action" if improved else "not improved: a penalty notice will be considered")
    cases.entry_from_elsewhere(
        nti.case, actor, "decision",
        f"Notice to improve of {long_date(nti.issued_on)} ended {outcome}. {sessions} unauthorised sessions in the "
        f"improvement period (asked: {nti.improvement})." + (f" {nti.outcome_note}" if nti.outcome_note else ""),
        police_text=None, occurred_at=utcnow())
    audit.record(actor, "nti_outcome_recorded", nti, changes={"status": {"from": NtiStatus.in_period,
                                                                        "to": nti.status}})
    flush_or_conflict(nti)


# ----- schools' requests -------------------------------------------------------------------

def request_nti(actor: User, case: Case, evidence: str) -> NtiRequest:
    if case.is_closed:
        raise Refused("The case is closed.")
    evidence = evidence.strip()
    if len(" ".join(evidence.split())) < EVIDENCE_MIN:
        raise Refused("Give your evidence.", {"evidence": "Describe the absence and the support the school has "
                                                          f"offered (at least {EVIDENCE_MIN} characters)"})
    if len(evidence) > 5000:
        raise Refused("Give your evidence in 5,000 characters or fewer.",
                      {"evidence": "Give your evidence in 5,000 characters or fewer"})
    pending = db.session.scalar(select(NtiRequest.id).where(NtiRequest.case_id == case.id,
                                                            NtiRequest.status == RequestStatus.open))
    if pending is not None:
        raise Refused("The school already has a request for this pupil waiting for the LA.",
                      {"evidence": "A request for this pupil is already waiting for the LA"})
    item = NtiRequest(case_id=case.id, school_id=case.pupil.school_id, requested_by_id=actor.id, evidence=evidence)
    db.session.add(item)
    db.session.flush()
    cases.entry_from_elsewhere(case, actor, "decision", f"The school asked the LA for a notice to improve: {evidence}",
                               police_text=None, occurred_at=utcnow())
    audit.record(actor, "nti_requested", item, summary=f"case #{case.id}")
    db.session.flush()
    return item


@conflict_on_stale
def decline_request(actor: User, item: NtiRequest, reason: str, expected_version: int | None) -> None:
    check_version(item, expected_version)
    if not item.is_open:
        raise Refused("This request was already decided.")
    if not reason.strip():
        raise Refused("Say why the request is declined.", {"reason": "Enter the reason the request is declined"})
    item.status = RequestStatus.declined
    item.decided_by_id, item.decided_at = actor.id, utcnow()
    item.decline_reason = reason.strip()
    cases.entry_from_elsewhere(item.case, actor, "decision",
                               f"The school's request for a notice to improve was declined: {item.decline_reason}",
                               police_text=None, occurred_at=utcnow())
    audit.record(actor, "nti_request_declined", item, changes={"status": {"from": "open", "to": "declined"}},
                 summary=item.decline_reason[:200])
    flush_or_conflict(item)


def ntis_of_case(case: Case) -> list[NoticeToImprove]:
    return list(db.session.scalars(select(NoticeToImprove).where(NoticeToImprove.case_id == case.id)
                                   .order_by(NoticeToImprove.issued_on.desc(), NoticeToImprove.id.desc())))
