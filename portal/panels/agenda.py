"""The agenda: which cases are due, adding and removing them (with a reason each time), their
order and time slots, and the expected times. Every change touches the meeting, so its
version guards the whole agenda."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, false, func, or_, select

from portal import access, audit
from portal.cases.models import ACTIVE_CASE_STATES, Case, Stage
from portal.concurrency import check_version
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.panels.models import DEFAULT_SLOT_MINUTES, AgendaItem, MeetingStatus, PanelDecision, PanelMeeting
from portal.panels.rules import (
    NOT_LISTABLE,
    PANEL_STAGE_POSITION,
    SLOT_RANGE,
    active_items,
    day_label,
    meeting_date,
    meeting_write,
    require_manager,
    require_not_held,
    touch,
)
from portal.timeutil import LONDON, as_utc, utcnow


def _renumber(meeting: PanelMeeting) -> None:
    for n, item in enumerate(active_items(meeting), start=1):
        if item.position != n:
            item.position = n


def _next_position(meeting: PanelMeeting) -> int:
    return len(active_items(meeting)) + 1


def _check_slot(minutes: int) -> None:
    low, high = SLOT_RANGE
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        raise Refused(f"A time slot is {low} to {high} minutes.", {"slot_minutes": f"Enter {low} to {high} minutes"})


def due_cases(meeting: PanelMeeting) -> list[tuple[Case, str]]:
    """Open or monitored cases that are due at this meeting, with the reason: referred to the
    panel (at the panel stage and not yet decided at any panel) or a review on or before the
    meeting day. Cases already on this agenda (even if removed: the chair decided) or waiting
    on another meeting not yet held are left out."""
    day = meeting_date(meeting)
    panel_stage = db.session.scalar(select(Stage).where(Stage.position == PANEL_STAGE_POSITION))
    on_this = select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id)
    waiting = (select(AgendaItem.case_id).join(PanelMeeting, PanelMeeting.id == AgendaItem.meeting_id)
               .where(AgendaItem.meeting_id != meeting.id, AgendaItem.removed_at.is_(None),
                      PanelMeeting.status != MeetingStatus.held,
                      ~exists(select(PanelDecision.id).where(PanelDecision.agenda_item_id == AgendaItem.id))))
    decided = select(PanelDecision.case_id)
    referred = (and_(Case.stage_id == panel_stage.id, Case.id.not_in(decided)) if panel_stage is not None
                else false())
    cases = db.session.scalars(select(Case).where(
        Case.status.in_(ACTIVE_CASE_STATES), Case.id.not_in(on_this), Case.id.not_in(waiting),
        or_(Case.next_review <= day, referred)).order_by(Case.id)).all()
    decided_ids = set(db.session.scalars(select(PanelDecision.case_id).where(
        PanelDecision.case_id.in_([c.id for c in cases]))))
    due = []
    for case in cases:
        reasons = []
        if panel_stage is not None and case.stage_id == panel_stage.id and case.id not in decided_ids:
            reasons.append("Referred to the panel by the lead professional")
        if case.next_review is not None and case.next_review <= day:
            reasons.append(f"Review due {day_label(case.next_review)}")
        due.append((case, "; ".join(reasons)))
    due.sort(key=lambda pair: (pair[0].next_review or day, pair[0].id))
    return due


def why_none_due(meeting: PanelMeeting) -> str:
    """Why "Add the cases due" added nothing: the due cases already on this agenda, or on
    another meeting's (not yet held), or that no case is due by the meeting's day."""
    day = meeting_date(meeting)
    panel_stage = db.session.scalar(select(Stage).where(Stage.position == PANEL_STAGE_POSITION))
    referred = (and_(Case.stage_id == panel_stage.id, Case.id.not_in(select(PanelDecision.case_id)))
                if panel_stage is not None else false())
    due = select(Case.id).where(Case.status.in_(ACTIVE_CASE_STATES), or_(Case.next_review <= day, referred))
    rows = db.session.execute(
        select(PanelMeeting.id, PanelMeeting.held_at, func.count(AgendaItem.id))
        .join(AgendaItem, AgendaItem.meeting_id == PanelMeeting.id)
        .where(AgendaItem.case_id.in_(due), AgendaItem.removed_at.is_(None),
               or_(PanelMeeting.id == meeting.id,
                   and_(PanelMeeting.status != MeetingStatus.held,
                        ~exists(select(PanelDecision.id).where(PanelDecision.agenda_item_id == AgendaItem.id)))))
        .group_by(PanelMeeting.id, PanelMeeting.held_at).order_by(PanelMeeting.held_at)).all()
    if not rows:
        return f"No cases were added: no open case is referred to the panel or due for review by {day_label(day)}."
    parts = []
    for meeting_id, held_at, count in rows:
        cases = f"{count} due case{'s are' if count != 1 else ' is'}"
        where = ("this agenda" if meeting_id == meeting.id
                 else f"the {as_utc(held_at).astimezone(LONDON).strftime('%-d %b')} agenda")
        parts.append(f"{cases} already on {where}")
    return "No cases were added: " + "; ".join(parts) + "."


@meeting_write
def build_agenda(actor: User, meeting: PanelMeeting, expected_version: int | None = None) -> list[AgendaItem]:
    """Add every due case (see `due_cases`) at the end of the agenda, each with its reason."""
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    require_not_held(meeting)
    position = _next_position(meeting)
    added = []
    for case, reason in due_cases(meeting):
        item = AgendaItem(meeting_id=meeting.id, case_id=case.id, position=position, reason_added=reason,
                          added_by_id=actor.id, slot_minutes=DEFAULT_SLOT_MINUTES)
        db.session.add(item)
        db.session.flush()
        audit.record(actor, "agenda_item_added", item, changes={"case_id": {"from": None, "to": case.id}},
                     summary=f"meeting #{meeting.id}: {reason}")
        added.append(item)
        position += 1
    if added:
        touch(meeting)
    db.session.flush()
    return added


@meeting_write
def add_item(actor: User, meeting: PanelMeeting, case: Case, reason: str, expected_version: int | None = None,
             slot_minutes: int = DEFAULT_SLOT_MINUTES) -> AgendaItem:
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    require_not_held(meeting)
    if not access.may_list_on_agenda(actor, meeting, case):
        raise Refused(NOT_LISTABLE, {"case_id": NOT_LISTABLE})
    if not reason.strip():
        raise Refused("Say why the case is added to the agenda.", {"reason": "Enter the reason for adding the case"})
    if case.status not in ACTIVE_CASE_STATES:
        raise Refused("The case is closed.")
    if any(i.case_id == case.id for i in active_items(meeting)):
        raise Refused("The case is already on the agenda.", {"case_id": "Already on the agenda"})
    _check_slot(slot_minutes)
    item = AgendaItem(meeting_id=meeting.id, case_id=case.id, position=_next_position(meeting),
                      reason_added=reason.strip(), added_by_id=actor.id, slot_minutes=slot_minutes)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "agenda_item_added", item, changes={"case_id": {"from": None, "to": case.id}},
                 summary=f"meeting #{meeting.id}: {reason.strip()}"[:500])
    touch(meeting)
    db.session.flush()
    return item


@meeting_write
def remove_item(actor: User, item: AgendaItem, reason: str, expected_version: int | None = None) -> None:
    meeting = item.meeting
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    require_not_held(meeting)
    if item.removed_at is not None:
        raise Refused("The case was already removed from the agenda.")
    if item.decision is not None:
        raise Refused("The panel has decided on this case: it stays on the agenda.")
    if not reason.strip():
        raise Refused("Say why the case is removed from the agenda.",
                      {"reason": "Enter the reason for removing the case"})
    item.removed_at = utcnow()
    item.removed_by_id = actor.id
    item.removed_reason = reason.strip()
    _renumber(meeting)
    audit.record(actor, "agenda_item_removed", item, changes={"removed": {"from": False, "to": True}},
                 summary=f"meeting #{meeting.id}: {reason.strip()}"[:500])
    touch(meeting)
    db.session.flush()


@meeting_write
def move_item(actor: User, item: AgendaItem, direction: str, expected_version: int | None = None) -> None:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    meeting = item.meeting
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    require_not_held(meeting)
    if item.removed_at is not None:
        raise Refused("The case is no longer on the agenda.")
    if direction not in ("up", "down"):
        raise Refused("Move a case up or down.")
    items = active_items(meeting)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        raise Refused(f"The case is already {'first' if direction == 'up' else 'last'}.")
    items[index], items[other] = items[other], items[index]
    for n, each in enumerate(items, start=1):
        if each.position != n:
            each.position = n
    audit.record(actor, "agenda_item_moved", item, changes={"position": {"from": index + 1, "to": other + 1}},
                 summary=f"meeting #{meeting.id}")
    touch(meeting)
    db.session.flush()


@meeting_write
def set_slot(actor: User, item: AgendaItem, minutes: int, expected_version: int | None = None) -> None:
    meeting = item.meeting
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    require_not_held(meeting)
    _check_slot(minutes)
    if item.slot_minutes == minutes:
        return
    audit.record(actor, "agenda_item_slot_changed", item,
                 changes={"slot_minutes": {"from": item.slot_minutes, "to": minutes}})
    item.slot_minutes = minutes
    touch(meeting)
    db.session.flush()


def expected_times(meeting: PanelMeeting) -> list[tuple[AgendaItem, datetime, datetime]]:
    """(item, expected start, expected end) in agenda order: the meeting's start plus the
    slots before it. Times are UTC; show them with the `london` filter."""
    start = as_utc(meeting.held_at)
    times = []
    for item in active_items(meeting):
        end = start + timedelta(minutes=item.slot_minutes)
        times.append((item, start, end))
        start = end
    return times


SEARCH_RESULTS = 20


def search_cases(actor: User, meeting: PanelMeeting, q: str) -> tuple[list[Case], set[int]]:
    """Open or monitored cases the actor may list on the agenda (`access.agenda_cases_for`)
    whose pupil's name or UPN holds every word of `q`, or whose case number is one of them
    ("12", "#12", "case 12"); the first SEARCH_RESULTS, and which of them are on the agenda already."""
    from sqlalchemy.orm import selectinload

    from portal.params import MAX_ID
    from portal.pupils.models import Pupil

    tokens = [t.lstrip("#") for t in q.lower().split() if t.lstrip("#")][:5]
    if tokens and tokens[0] == "case" and len(tokens) > 1:
        tokens = tokens[1:]
    if not tokens:
        return [], set()
    stmt = (access.agenda_cases_for(actor, meeting).join(Pupil, Pupil.id == Case.pupil_id)
            .where(Case.status.in_(ACTIVE_CASE_STATES))
            .options(selectinload(Case.pupil).selectinload(Pupil.school), selectinload(Case.stage)))
    for token in tokens:
        match = Pupil.search_text.contains(token, autoescape=True)
        if token.isdigit() and len(token) <= len(str(MAX_ID)) and 1 <= int(token) <= MAX_ID:
            match = or_(match, Case.id == int(token))
        stmt = stmt.where(match)
    cases = list(db.session.scalars(stmt.order_by(Pupil.legal_surname, Pupil.legal_forename, Case.id)
                                    .limit(SEARCH_RESULTS)))
    listed = {i.case_id for i in active_items(meeting)}
    return cases, {c.id for c in cases if c.id in listed}
