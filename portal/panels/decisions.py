"""The panel's decision on a case: the decision, its agreed actions and the next review land
on the case — chronology, actions, review date, audit, notifications — in ONE transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import audit
from portal.cases.models import ACTIVE_CASE_STATES, Case
from portal.cases.service import add_action, check_owner, entry_from_elsewhere, support_evidence
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import User
from portal.panels.models import DECISION_LABELS, FORMAL_DECISIONS, AgendaItem, MeetingStatus, PanelDecision
from portal.panels.rules import day_label, has_started, meeting_date, require_manager, start_label
from portal.timeutil import utcnow


def check_decision(item: AgendaItem, decision: str, rationale: str, next_review: date | None,
                    actions: list[dict]) -> None:
    meeting, case = item.meeting, item.case
    if item.removed_at is not None:
        raise Refused("The case was removed from the agenda: no decision can be recorded on it.")
    if meeting.status == MeetingStatus.scheduled:
        raise Refused("Publish the agenda before recording decisions.")
    if not has_started(meeting):
        raise Refused(f"Decisions can be recorded once the meeting has started ({start_label(meeting)}).")
    if item.decision is not None:
        raise Refused("A decision is already recorded for this case at this meeting.")
    if case.status not in ACTIVE_CASE_STATES:
        raise Refused("The case is closed.")
    day = meeting_date(meeting)
    problems = []
    if decision not in DECISION_LABELS:
        problems.append(("decision", "Select the decision"))
    elif decision in FORMAL_DECISIONS and not support_evidence(case):
        problems.append(("decision", "Formal support and enforcement need support first: a support plan "
                                     "(naming the support and its review date) or a recorded reason why "
                                     "support is not appropriate, in the case chronology"))
    if not (rationale or "").strip():
        problems.append(("rationale", "Record the rationale for the decision"))
    if next_review is None and decision != "close":
        problems.append(("next_review", "Enter the date of the next review"))
    elif next_review is not None and next_review <= day:
        problems.append(("next_review", "The next review must be after the meeting"))
    for n, action in enumerate(actions):
        owner_user, owner_org, due = action.get("owner_user"), action.get("owner_org"), action.get("due")
        if not (action.get("description") or "").strip():
            problems.append((f"actions-{n}-description", "Describe the action"))
        if (owner_user is None) == (owner_org is None):
            problems.append((f"actions-{n}-owner", "Give the action one owner: a person or an agency"))
        else:
            try:
                check_owner(case, owner_user, owner_org)
            except Refused as refused:
                problems.extend((f"actions-{n}-owner", message) for message in refused.problems.values())
        if not isinstance(due, date):
            problems.append((f"actions-{n}-due", "Enter the date the action is due"))
        elif due < day:
            problems.append((f"actions-{n}-due", "The action cannot be due before the meeting"))
    if problems:
        raise Refused(problems=problems)


def record_decision(actor: User, item: AgendaItem, decision: str, rationale: str, next_review: date | None,
                    actions: list[dict] | tuple = ()) -> PanelDecision:
    """Record the panel's decision on one agenda item, with its agreed actions
    ({description, owner_user | owner_org, due}) and the next review (required unless the
    decision is to close). All of it lands on the case — chronology, actions, next review,
    audit, notifications — in ONE transaction: if any part fails, nothing is kept."""
    meeting, case = item.meeting, item.case
    require_manager(actor, meeting)
    actions = list(actions)
    check_decision(item, decision, rationale, next_review, actions)
    item_id, case_id = item.id, case.id
    try:
        now = utcnow()
        rationale = rationale.strip()
        record = PanelDecision(agenda_item_id=item.id, case_id=case.id, decision=decision, rationale=rationale,
                               next_review=next_review, decided_by_id=actor.id, decided_at=now)
        db.session.add(record)
        db.session.flush()
        label = DECISION_LABELS[decision]
        review = f" Next review {day_label(next_review)}." if next_review else ""
        entry_from_elsewhere(case, actor, "decision", f"Attendance panel of {day_label(meeting_date(meeting))} "
                             f"decided: {label}. Rationale: {rationale}{review}",
                             police_text=None, occurred_at=now)  # panel detail: never in the police view
        audit.record(actor, "panel_decision_recorded", record,
                     changes={"decision": {"from": None, "to": decision},
                              "next_review": {"from": None, "to": next_review and next_review.isoformat()}},
                     summary=f"case #{case.id}, meeting #{meeting.id}")
        before = case.next_review
        if next_review is not None and next_review != before:
            case.next_review = next_review
            audit.record(actor, "case_review_set", case,
                         changes={"next_review": {"from": before and before.isoformat(),
                                                  "to": next_review.isoformat()}},
                         summary=f"panel decision #{record.id}")
        for spec in actions:
            add_action(actor, case, spec["description"].strip(), spec["due"], owner_user=spec.get("owner_user"),
                       owner_org=spec.get("owner_org"), panel_decision_id=record.id, occurred_at=now)
        if case.lead_id != actor.id:
            notify.notify_users([case.lead], "The attendance panel recorded a decision on your case",
                                f"/cases/{case.id}", about=case.pupil)
        db.session.flush()
        return record
    except StaleDataError:
        db.session.rollback()
        current = db.session.get(Case, case_id)
        db.session.refresh(current)
        raise Conflict(current) from None
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(select(PanelDecision).where(PanelDecision.agenda_item_id == item_id))
        if existing is not None:  # someone recorded the decision first
            raise Conflict(existing) from None
        raise
    except BaseException:
        db.session.rollback()
        raise
