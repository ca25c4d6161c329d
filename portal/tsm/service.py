"""TSM use cases: book, record what was agreed, notes, mark held, complete an action; and the
coverage of a term. Each change writes its audit entry (and notifications) in the caller's
transaction (`portal.transaction`); nothing here commits."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, select

from portal import access, audit
from portal.attendance.models import Term
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import Organisation, OrgKind, User
from portal.states import State
from portal.timeutil import LONDON, as_utc, today, utcnow
from portal.tsm.models import NextStep, SupportMeeting, TsmActionStatus, TsmItem, TsmPartner, TsmStatus

NOTE_MAX = 5000
# Organisation kinds that may be invited as partners (not schools, not the LA's own service).
PARTNER_KINDS = (OrgKind.social_care, OrgKind.early_help, OrgKind.police, OrgKind.health, OrgKind.other)


class Coverage(State):
    """A school's TSM this term (not stored: read from the meetings)."""
    held = "held"
    booked = "booked"
    missing = "missing"


def meeting_day(meeting: SupportMeeting) -> date:
    return as_utc(meeting.held_at).astimezone(LONDON).date()


def day_label(value: date) -> str:
    return value.strftime("%-d %b %Y")


def when_label(meeting: SupportMeeting) -> str:
    return as_utc(meeting.held_at).astimezone(LONDON).strftime("%-d %B %Y, %H:%M")


def short_when(meeting: SupportMeeting) -> str:
    return as_utc(meeting.held_at).astimezone(LONDON).strftime("%-d %b %Y, %H:%M")


def link(meeting: SupportMeeting) -> str:
    return f"/support-meetings/{meeting.id}"


def term_of(day: date) -> Term | None:
    """The term a day falls in (None in a holiday)."""
    return db.session.scalar(select(Term).where(Term.start_date <= day, Term.end_date >= day)
                             .order_by(Term.start_date.desc()).limit(1))


# ----- booking --------------------------------------------------------------------------------

def book(actor: User, school: Organisation, held_at: datetime, *, ewo: User, school_lead: User | None = None,
         partners: list[Organisation] = (), place: str = "") -> SupportMeeting:  # type: ignore[assignment]
    """Book the school's TSM for the term its date falls in (one per school per term)."""
    problems: dict[str, str] = {}
    if not school.is_school or not school.active:
        problems["school_id"] = "Select an open school"
    day = as_utc(held_at).astimezone(LONDON).date()
    term = term_of(day)
    if term is None:
        problems["day"] = "The date is not in a school term: choose a day in term time"
    elif not problems and db.session.scalar(select(SupportMeeting.id).where(
            SupportMeeting.school_id == school.id, SupportMeeting.term_id == term.id)) is not None:
        problems["day"] = f"{school.name} already has a TSM in the {term.name.lower()} term {term.academic_year}"
    if not access.is_active_ewo(ewo):
        problems["ewo_id"] = "Select the education welfare officer"
    if school_lead is not None and (school_lead.organisation_id != school.id or not school_lead.active):
        problems["school_lead_id"] = "Select a member of the school's staff"
    if any(p.kind not in PARTNER_KINDS for p in partners):
        problems["partners"] = "Invite partner agencies only"
    if problems:
        raise Refused(problems=problems)
    assert term is not None
    meeting = SupportMeeting(school_id=school.id, term_id=term.id, held_at=as_utc(held_at).astimezone(timezone.utc),
                             place=place,
                             ewo_id=ewo.id, school_lead_id=school_lead.id if school_lead else None,
                             booked_by_id=actor.id, status=TsmStatus.booked)
    db.session.add(meeting)
    db.session.flush()
    for org in {p.id: p for p in partners}.values():
        db.session.add(TsmPartner(meeting_id=meeting.id, organisation_id=org.id))
    db.session.flush()
    audit.record(actor, "tsm_booked", meeting,
                 summary=f"{school.name}, {day_label(day)}; partners: {len(partners)}")
    text = f"A Targeting Support Meeting for {school.name} is booked for {day_label(day)}"
    notify.notify_users([ewo, school_lead], text, link(meeting))
    for org in partners:
        notify.notify_org(org.id, text, link(meeting))
    return meeting


# ----- recording ------------------------------------------------------------------------------

ITEM_FIELDS = ("pupil_id", "cohort", "discussed", "next_step", "owner_user_id", "owner_org_id", "due_date", "note")


def _check_item(meeting: SupportMeeting, data: dict[str, Any], cohorts: dict[str, str]) -> None:
    problems: dict[str, str] = {}
    pupil_id, cohort = data.get("pupil_id"), data.get("cohort") or None
    if (pupil_id is None) == (cohort is None):
        problems["pupil_id"] = "Select a pupil or a cohort (one of them)"
    elif pupil_id is not None:
        from portal.pupils.models import Pupil

        pupil = db.session.get(Pupil, pupil_id)
        if pupil is None or pupil.school_id != meeting.school_id:
            problems["pupil_id"] = "Select a pupil of the school"
    elif cohort not in cohorts:
        problems["cohort"] = "Select a cohort"
    step = NextStep.get(data.get("next_step"))
    if step is None:
        problems["next_step"] = "Select the agreed next step"
    elif step == NextStep.ewo_referral and pupil_id is None and "pupil_id" not in problems:
        problems["next_step"] = "A referral to the EWO is for one pupil: select the pupil"
    elif step != NextStep.no_further_action:
        if (data.get("owner_user_id") is None) == (data.get("owner_org_id") is None):
            problems["owner"] = "Select who owns the step: a person or an organisation"
        due = data.get("due_date")
        if due is None:
            problems["due_date"] = "Enter the date the step is due"
        elif due < meeting_day(meeting):
            problems["due_date"] = "The due date cannot be before the meeting"
    if len(data.get("note") or "") > NOTE_MAX:
        problems["note"] = f"The note must be {NOTE_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)


def _apply_item(item: TsmItem, data: dict[str, Any]) -> None:
    step = NextStep(data["next_step"])
    item.pupil_id, item.cohort = data.get("pupil_id"), data.get("cohort") or None
    item.discussed = bool(data.get("discussed"))
    item.next_step = step
    item.note = (data.get("note") or "").strip()
    if step == NextStep.no_further_action:
        item.owner_user_id = item.owner_org_id = None
        item.due_date = None
        item.status = TsmActionStatus.done
    else:
        item.owner_user_id, item.owner_org_id = data.get("owner_user_id"), data.get("owner_org_id")
        item.due_date = data["due_date"]


def _notify_owner(item: TsmItem, meeting: SupportMeeting) -> None:
    if item.next_step == NextStep.no_further_action:
        return
    text = (f"A Targeting Support Meeting ({meeting.school.name}) gave you an action, due "
            f"{day_label(item.due_date)}") if item.due_date else ""
    if item.owner_user_id is not None:
        notify.notify_users([db.session.get(User, item.owner_user_id)], text, "/actions", about=item.pupil)
    elif item.owner_org_id is not None:
        notify.notify_org(item.owner_org_id, text, "/actions", about=item.pupil)


def record_item(actor: User, meeting: SupportMeeting, data: dict[str, Any], cohorts: dict[str, str]) -> TsmItem:
    """Record what was agreed for a pupil or a cohort (`cohorts`: the keys that may be named)."""
    if meeting.held:
        raise Refused("The meeting is marked as held: its record is closed.")
    _check_item(meeting, data, cohorts)
    item = TsmItem(meeting_id=meeting.id, recorded_by_id=actor.id)
    _apply_item(item, data)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "tsm_item_recorded", item,
                 summary=f"TSM #{meeting.id}: {item.next_step.label}" + (f", cohort {item.cohort}" if item.cohort
                                                                          else f", pupil #{item.pupil_id}"))
    _notify_owner(item, meeting)
    return item


def update_item(actor: User, item: TsmItem, data: dict[str, Any], cohorts: dict[str, str],
                expected_version: int | None) -> TsmItem:
    check_version(item, expected_version)
    meeting = item.meeting
    if meeting.held:
        raise Refused("The meeting is marked as held: its record is closed.")
    _check_item(meeting, data, cohorts)
    before = audit.snapshot(item, ITEM_FIELDS)
    owner_before = (item.owner_user_id, item.owner_org_id)
    _apply_item(item, data)
    if item.next_step != NextStep.no_further_action and item.status == TsmActionStatus.done \
            and item.completed_at is None:
        item.status = TsmActionStatus.open
    flush_or_conflict(item)
    audit.record(actor, "tsm_item_changed", item, changes=audit.diff(before, audit.snapshot(item, ITEM_FIELDS)))
    if (item.owner_user_id, item.owner_org_id) != owner_before:
        _notify_owner(item, meeting)
    return item


def save_notes(actor: User, meeting: SupportMeeting, notes: str, school_actions: str,
               expected_version: int | None) -> SupportMeeting:
    check_version(meeting, expected_version)
    if len(notes) > NOTE_MAX or len(school_actions) > NOTE_MAX:
        raise Refused(problems={"notes": f"Notes must be {NOTE_MAX} characters or fewer"})
    before = audit.snapshot(meeting, ("notes", "school_actions"))
    meeting.notes, meeting.school_actions = notes, school_actions
    flush_or_conflict(meeting)
    audit.record(actor, "tsm_notes_saved", meeting,
                 changes=audit.diff(before, audit.snapshot(meeting, ("notes", "school_actions"))))
    return meeting


def mark_held(actor: User, meeting: SupportMeeting, expected_version: int | None) -> SupportMeeting:
    check_version(meeting, expected_version)
    if meeting.held:
        raise Refused("The meeting is already marked as held.")
    if meeting_day(meeting) > today():
        raise Refused(f"The meeting is on {day_label(meeting_day(meeting))}: mark it held on the day or after.")
    meeting.status = TsmStatus.held
    meeting.marked_held_at = utcnow()
    flush_or_conflict(meeting)
    audit.record(actor, "tsm_held", meeting, summary=f"{meeting.school.name}, {day_label(meeting_day(meeting))}")
    return meeting


def complete_action(actor: User, item: TsmItem, expected_version: int | None) -> TsmItem:
    check_version(item, expected_version)
    if not item.is_open:
        raise Refused("The action is already done.")
    item.status = TsmActionStatus.done
    item.completed_at = utcnow()
    item.completed_by_id = actor.id
    flush_or_conflict(item)
    audit.record(actor, "tsm_action_done", item, summary=f"TSM #{item.meeting_id}: {item.next_step.label}")
    return item


# ----- reading --------------------------------------------------------------------------------

def current_term(as_of: date | None = None) -> Term | None:
    """This term: the one today falls in, or the last one that started (in a holiday)."""
    from portal.attendance.summaries import current_term as _current

    return _current(as_of or today())


def last_held_by_school() -> dict[int, date]:
    """Each school's last held TSM (its day, UK time), in one query (the LA dashboard's column)."""
    rows = db.session.execute(select(SupportMeeting.school_id, func.max(SupportMeeting.held_at))
                              .where(SupportMeeting.status == TsmStatus.held)
                              .group_by(SupportMeeting.school_id)).all()
    return {school_id: as_utc(_dt(held)).astimezone(LONDON).date() for school_id, held in rows}


def _dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def meetings_in(term: Term) -> dict[int, SupportMeeting]:
    return {m.school_id: m for m in db.session.scalars(select(SupportMeeting).where(SupportMeeting.term_id == term.id))}


def coverage(term: Term | None) -> dict[int, Coverage]:
    """Every active school's TSM in `term`: held, booked or missing (one query for the schools,
    one for the meetings)."""
    schools = db.session.scalars(select(Organisation.id).where(Organisation.kind == OrgKind.school,
                                                               Organisation.active.is_(True))).all()
    found = meetings_in(term) if term is not None else {}
    out: dict[int, Coverage] = {}
    for school_id in schools:
        meeting = found.get(school_id)
        out[school_id] = Coverage.missing if meeting is None else \
            (Coverage.held if meeting.held else Coverage.booked)
    return out


def previous_meeting(meeting: SupportMeeting) -> SupportMeeting | None:
    """The school's meeting before this one."""
    return db.session.scalar(select(SupportMeeting).where(SupportMeeting.school_id == meeting.school_id,
                                                          SupportMeeting.held_at < meeting.held_at)
                             .order_by(SupportMeeting.held_at.desc()).limit(1))


def referral_summary(item: TsmItem) -> str:
    """What a referral made from a TSM's "referral to the EWO" step starts with."""
    meeting = item.meeting
    lines = [f"Agreed at the Targeting Support Meeting on {day_label(meeting_day(meeting))} "
             f"({meeting.ewo.name}, education welfare officer): referral to the EWO."]
    if item.note:
        lines.append(f"Reason and barriers discussed: {item.note}")
    return "\n".join(lines)
