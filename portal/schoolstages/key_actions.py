"""The weekly key-actions list (a trust's practice): per school and week (its Monday), the
pupils needing action (reached a stage without its call or meeting this term), each allocated
to a colleague with the action and a due date and marked done when done; last week's incomplete
actions are carried over into the new week; the leadership link records their weekly review.
Changes audited in the caller's transaction; nothing here commits."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.attendance import calc
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.schoolstages.models import STAGE_ACTIONS, KeyAction, KeyActionReview, KeyActionStatus
from portal.schoolstages.service import stages_of
from portal.timeutil import today, utcnow

ACTION_MAX = 500


def this_week(as_of: date | None = None) -> date:
    """The Monday of the week."""
    return calc.week_start(as_of or today())


def items_for(school_id: int, week: date) -> list[KeyAction]:
    """The week's list: open first, those carried over first, then by name (the pupil, the owner
    and any item carried over loaded)."""
    from portal.pupils.models import Pupil

    return list(db.session.scalars(
        select(KeyAction).join(Pupil, Pupil.id == KeyAction.pupil_id)
        .where(KeyAction.school_id == school_id, KeyAction.week_start == week)
        .options(selectinload(KeyAction.pupil), selectinload(KeyAction.owner),
                 selectinload(KeyAction.completed_by), selectinload(KeyAction.carried_from))
        .order_by(KeyAction.status.desc(), KeyAction.carried_from_id.is_(None), Pupil.legal_surname,
                  Pupil.legal_forename, KeyAction.id)))  # open first, carried over first


def review_of(school_id: int, week: date) -> KeyActionReview | None:
    return db.session.scalar(select(KeyActionReview).options(selectinload(KeyActionReview.reviewed_by)).where(
        KeyActionReview.school_id == school_id, KeyActionReview.week_start == week))


def prepare(actor: User, school: Organisation, week: date | None = None, as_of: date | None = None) -> list[KeyAction]:
    """Prepare (or bring up to date) the school's list for a week: last week's incomplete
    actions first, carried over with their owner, action and due date; then every pupil who
    needs action now and is not on the list yet. Returns the items added."""
    week = week or this_week(as_of)
    if week.weekday() != 0:
        raise Refused("A week's list starts on a Monday.")
    if week > this_week():
        raise Refused("A list can be prepared for this week or an earlier one, not a future week.")
    listed = set(db.session.scalars(select(KeyAction.pupil_id).where(KeyAction.school_id == school.id,
                                                                      KeyAction.week_start == week)))
    added: list[KeyAction] = []
    previous = db.session.scalars(select(KeyAction).where(
        KeyAction.school_id == school.id, KeyAction.week_start == week - timedelta(days=7),
        KeyAction.status == KeyActionStatus.open).order_by(KeyAction.id)).all()
    for old in previous:
        if old.pupil_id in listed:
            continue
        item = KeyAction(school_id=school.id, week_start=week, pupil_id=old.pupil_id, stage=old.stage,
                         action=old.action, owner_id=old.owner_id, due_date=old.due_date, carried_from_id=old.id)
        added.append(item)
        listed.add(old.pupil_id)
    carried = len(added)
    for pupil_id, stage in sorted(stages_of(school.id, as_of=as_of).items()):
        if stage.due and pupil_id not in listed and stage.stage is not None:
            added.append(KeyAction(school_id=school.id, week_start=week, pupil_id=pupil_id, stage=stage.stage,
                                   action=STAGE_ACTIONS[stage.stage]))
            listed.add(pupil_id)
    db.session.add_all(added)
    db.session.flush()
    audit.record(actor, "key_actions_prepared", school,
                 summary=f"Week of {week:%-d %b %Y}: {carried} carried over, {len(added) - carried} new")
    return added


def _check_allocation(school: Organisation, data: dict[str, Any], week: date) -> None:
    problems: dict[str, str] = {}
    owner_id = data.get("owner_id")
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or owner.organisation_id != school.id or not owner.active:
        problems["owner_id"] = "Select a member of the school's staff"
    action = (data.get("action") or "").strip()
    if not action:
        problems["action"] = "Enter the action"
    elif len(action) > ACTION_MAX:
        problems["action"] = f"The action must be {ACTION_MAX} characters or fewer"
    due = data.get("due_date")
    if due is None:
        problems["due_date"] = "Enter the date the action is due"
    elif due < week:
        problems["due_date"] = "The due date cannot be before the week of the list"
    if problems:
        raise Refused(problems=problems)


FIELDS = ("owner_id", "action", "due_date")


def allocate(actor: User, school: Organisation, item: KeyAction, data: dict[str, Any],
             expected_version: int | None) -> KeyAction:
    """Allocate an item to a colleague, with the action and the date it is due (or change that)."""
    check_version(item, expected_version)
    if not item.is_open:
        raise Refused("The action is done: it cannot be changed.")
    _check_allocation(school, data, item.week_start)
    before = audit.snapshot(item, FIELDS)
    item.owner_id, item.action, item.due_date = data["owner_id"], data["action"].strip(), data["due_date"]
    flush_or_conflict(item)
    audit.record(actor, "key_action_allocated", item, changes=audit.diff(before, audit.snapshot(item, FIELDS)))
    return item


def complete(actor: User, item: KeyAction, expected_version: int | None) -> KeyAction:
    check_version(item, expected_version)
    if not item.is_open:
        raise Refused("The action is already done.")
    item.status = KeyActionStatus.done
    item.completed_at = utcnow()
    item.completed_by_id = actor.id
    flush_or_conflict(item)
    audit.record(actor, "key_action_done", item, summary=f"Pupil #{item.pupil_id}, week of {item.week_start:%-d %b %Y}")
    return item


def record_review(actor: User, school: Organisation, week: date, note: str = "") -> KeyActionReview:
    """The leadership link records that they reviewed the week's list (once a week)."""
    if review_of(school.id, week) is not None:
        raise Refused("This week's list has already been reviewed.")
    if week > this_week():
        raise Refused("A week's list can be reviewed in that week or after.")
    if len(note) > ACTION_MAX:
        raise Refused(problems={"note": f"The note must be {ACTION_MAX} characters or fewer"})
    review = KeyActionReview(school_id=school.id, week_start=week, reviewed_by_id=actor.id, reviewed_at=utcnow(),
                             note=note.strip())
    db.session.add(review)
    db.session.flush()
    audit.record(actor, "key_actions_reviewed", school, summary=f"Week of {week:%-d %b %Y}")
    return review
