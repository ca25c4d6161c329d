"""Formal steps: create (support first), change details, move status, extend an order, and agree
a contract's actions. Each call flushes its change with its audit entry and a chronology entry
(never for the police: `police_text=None`) into the caller's transaction."""
from __future__ import annotations

from datetime import date
from typing import Any

from portal import audit
from portal.cases import service as cases
from portal.cases.models import Action, Case
from portal.concurrency import check_version, conflict_on_stale, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.formal_steps import rules
from portal.formal_steps.models import SECTIONS, FormalStep, StepKind, StepStatus
from portal.orgs.models import Organisation, User
from portal.timeutil import utcnow

# the fields each kind's form edits
FIELDS: dict[str, tuple[str, ...]] = {
    "contract": ("parent_commitments", "service_commitments", "starts_on", "ends_on", "next_review"),
    StepKind.education_supervision_order: ("applied_on", "hearing_on", "starts_on", "ends_on", "supervisor_id",
                                           "next_review", "outcome"),
    StepKind.prosecution: ("section", "hearing_on", "fine_pounds", "outcome", "parenting_order",
                           "parenting_order_on"),
}
MAX_FINE = {"444(1)": 1000, "444(1A)": 2500}


def fields_of(kind: StepKind) -> tuple[str, ...]:
    if kind in (StepKind.attendance_contract, StepKind.parenting_contract):
        return FIELDS["contract"]
    return FIELDS[kind]


def _day(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else "–"


def check(kind: StepKind, data: dict[str, Any]) -> dict[str, str]:
    """The problems of a step's details, as {field: message}."""
    problems: dict[str, str] = {}

    def get(key: str) -> Any:
        return data.get(key)

    if kind in (StepKind.attendance_contract, StepKind.parenting_contract):
        if not (get("parent_commitments") or "").strip():
            problems["parent_commitments"] = "Enter what the parent (and pupil) agree to do"
        if not (get("service_commitments") or "").strip():
            problems["service_commitments"] = "Enter what the school and the LA agree to do"
        if get("starts_on") and get("ends_on") and get("ends_on") <= get("starts_on"):
            problems["ends_on"] = "The end date must be after the start date"
        if get("starts_on") and get("next_review") and get("next_review") <= get("starts_on"):
            problems["next_review"] = "The review date must be after the start date"
    elif kind == StepKind.education_supervision_order:
        if get("applied_on") is None:
            problems["applied_on"] = "Enter the date the LA applied to the court"
        if get("hearing_on") and get("applied_on") and get("hearing_on") < get("applied_on"):
            problems["hearing_on"] = "The hearing date must be on or after the application date"
        if get("starts_on") and get("ends_on"):
            if get("ends_on") <= get("starts_on"):
                problems["ends_on"] = "The order's end date must be after its start date"
            elif get("ends_on") > rules.order_end(get("starts_on")) and not data.get("_extended"):
                problems["ends_on"] = (f"An order lasts one year: the end date must be on or before "
                                       f"{_day(rules.order_end(get('starts_on')))}; record an extension to "
                                       "go beyond it")
    elif kind == StepKind.prosecution:
        section = get("section")
        if section not in dict(SECTIONS):
            problems["section"] = "Select the section of the Education Act 1996"
        fine = get("fine_pounds")
        if fine is not None and section in MAX_FINE and not 0 < fine <= MAX_FINE[section]:
            problems["fine_pounds"] = f"Under s{section} the fine is from £1 to £{MAX_FINE[section]:,}"
        if get("parenting_order") and get("parenting_order_on") is None:
            problems["parenting_order_on"] = "Enter the date the parenting order was made"
    return problems


def _apply(step: FormalStep, data: dict[str, Any]) -> None:
    for field in fields_of(step.kind):
        if field in data:
            setattr(step, field, data[field])
    if step.is_order and step.starts_on and step.ends_on is None:
        step.ends_on = rules.order_end(step.starts_on)  # one year by default
    if step.is_prosecution and not step.parenting_order:
        step.parenting_order_on = None


def _entry(actor: User, step: FormalStep, text: str) -> None:
    # formal steps are never in the police view
    cases.entry_from_elsewhere(step.case, actor, "decision", text, police_text=None, occurred_at=utcnow())


def create_step(actor: User, case: Case, kind: StepKind | str, data: dict[str, Any]) -> FormalStep:
    """Support first: refused unless the chronology shows a support plan or a recorded reason why
    support is not appropriate; the step records which entry it rests on."""
    kind_ = StepKind.get(kind)
    if kind_ is None:
        raise Refused("Choose the kind of step.", {"kind": "Select the kind of step"})
    if case.is_closed:
        raise Refused("The case is closed.")
    evidence = cases.support_evidence(case)
    if not evidence:
        raise Refused(f"‘{kind_.label}’ is formal support or enforcement: " + cases.SUPPORT_FIRST_MESSAGE
                      + " Then add the step.", {"kind": "Record a support plan, or why support is not appropriate, "
                                                        "first"})
    problems = check(kind_, data)
    if problems:
        raise Refused("The step was not added: " + "; ".join(problems.values()) + ".", problems)
    summary = cases.evidence_summary(evidence[0])
    step = FormalStep(case_id=case.id, kind=kind_, status=rules.FIRST_STATUS[kind_],
                      evidence_entry_id=evidence[0].id, evidence_summary=summary, created_by_id=actor.id,
                      reviews=[], extensions=[], further_hearings=[])
    step.case = case
    _apply(step, data)
    db.session.add(step)
    db.session.flush()
    _entry(actor, step, f"{kind_.label} recorded: {step.status.label}. Support first: {summary}.")
    audit.record(actor, "formal_step_added", step, object_type="FormalStep",
                 summary=f"{kind_.value} on case #{case.id}")
    db.session.flush()
    return step


def _open(step: FormalStep) -> None:
    if step.case.is_closed:
        raise Refused("The case is closed: its steps are kept as they were.")


def _audit_value(value):
    return value.isoformat() if isinstance(value, date) else value


@conflict_on_stale
def update_step(actor: User, step: FormalStep, data: dict[str, Any], expected_version: int | None,
                further_hearing: date | None = None) -> None:
    check_version(step, expected_version)
    _open(step)
    merged = {f: getattr(step, f) for f in fields_of(step.kind)} | data
    merged["_extended"] = bool(step.extensions)
    problems = check(step.kind, merged)
    if step.is_prosecution and further_hearing and step.hearing_on and further_hearing <= step.hearing_on:
        problems["further_hearing"] = "A further hearing comes after the first hearing"
    if problems:
        raise Refused("The step was not changed: " + "; ".join(problems.values()) + ".", problems)
    before = {f: _audit_value(getattr(step, f)) for f in fields_of(step.kind)}
    old_review = step.next_review
    _apply(step, data)
    if old_review and step.next_review != old_review:
        step.reviews = [*step.reviews, old_review.isoformat()]
    if further_hearing:
        step.further_hearings = sorted({*step.further_hearings, further_hearing.isoformat()})
    after = {f: _audit_value(getattr(step, f)) for f in fields_of(step.kind)}
    changes = {f: {"from": before[f], "to": after[f]} for f in before if before[f] != after[f]}
    if further_hearing:
        changes["further_hearings"] = {"from": None, "to": further_hearing.isoformat()}
    if changes:
        labels = ", ".join(f.replace("_", " ") for f in changes)
        _entry(actor, step, f"{step.label} details changed ({labels}).")
        audit.record(actor, "formal_step_changed", step, object_type="FormalStep", changes=changes)
    flush_or_conflict(step)


@conflict_on_stale
def change_status(actor: User, step: FormalStep, status: StepStatus | str, expected_version: int | None, *,
                  on: date | None = None, note: str = "") -> None:
    """Move a step to one of its next statuses (`rules.TRANSITIONS`). A review of a contract is
    recorded with its date; an order granted starts on `on` (and ends a year later, by default);
    a prosecution file prepared on `on`."""
    check_version(step, expected_version)
    _open(step)
    new = StepStatus.get(status)
    if new is None or new not in rules.next_statuses(step.kind, step.status):
        allowed = ", ".join(s.label.lower() for s in rules.next_statuses(step.kind, step.status)) or "nothing"
        raise Refused(f"A {step.label.lower()} that is {step.status.label.lower()} can move to: {allowed}.",
                      {"status": "Select one of the next statuses"})
    if new in (StepStatus.reviewed, StepStatus.granted, StepStatus.file_prepared) and on is None:
        raise Refused("Enter the date.", {"on": "Enter the date"})
    before = step.status
    step.status = new
    if new == StepStatus.reviewed:
        step.reviews = [*step.reviews, on.isoformat()]  # type: ignore[union-attr]
        if step.next_review and step.next_review <= on:  # type: ignore[operator]
            step.next_review = None
    elif new == StepStatus.granted:
        step.starts_on = on
        step.ends_on = rules.order_end(on)  # type: ignore[arg-type]
    elif new == StepStatus.file_prepared:
        step.file_prepared_on = on
    if note.strip() and (step.is_order or step.is_prosecution) and new in (
            StepStatus.granted, StepStatus.refused, StepStatus.convicted, StepStatus.not_convicted,
            StepStatus.withdrawn):
        step.outcome = note.strip()
    when = f" on {_day(on)}" if on else ""
    _entry(actor, step, f"{step.label}: {before.label.lower()} → {new.label.lower()}{when}."
           + (f" {note.strip()}" if note.strip() else ""))
    audit.record(actor, "formal_step_status_changed", step, object_type="FormalStep",
                 changes={"status": {"from": before, "to": new}})
    flush_or_conflict(step)


@conflict_on_stale
def extend_order(actor: User, step: FormalStep, new_end: date | None, granted_on: date | None,
                 expected_version: int | None) -> None:
    """An education supervision order extended: each extension up to three years from the
    order's current end, as many times as the court grants."""
    check_version(step, expected_version)
    _open(step)
    if not step.is_order or step.status not in (StepStatus.in_force, StepStatus.extended):
        raise Refused("Only an education supervision order in force can be extended.")
    problem = rules.extension_problem(step.ends_on, new_end)
    if problem:
        raise Refused(problem + ".", {"new_end": problem})
    if granted_on is None:
        raise Refused("Enter the date the court granted the extension.", {"granted_on": "Enter the date"})
    before_end, before_status = step.ends_on, step.status
    step.extensions = [*step.extensions, {"from": before_end.isoformat(),  # type: ignore[union-attr]
                                          "to": new_end.isoformat(),  # type: ignore[union-attr]
                                          "granted_on": granted_on.isoformat()}]
    step.ends_on = new_end
    step.status = StepStatus.extended
    _entry(actor, step, f"Education supervision order extended from {_day(before_end)} to {_day(new_end)} "
                        f"(granted {_day(granted_on)}).")
    audit.record(actor, "formal_step_extended", step, object_type="FormalStep",
                 changes={"ends_on": {"from": _audit_value(before_end), "to": _audit_value(new_end)},
                          "status": {"from": before_status, "to": StepStatus.extended}})
    flush_or_conflict(step)


def add_agreed_action(actor: User, step: FormalStep, description: str, due: date, *,
                      owner_user: User | None = None, owner_org: Organisation | None = None) -> Action:
    """An action a contract agrees: an ordinary action of the case, linked to the contract."""
    if not step.is_contract:
        raise Refused("Agreed actions belong to a contract.")
    if step.status in rules.FINISHED:
        raise Refused("The contract has ended.")
    action = cases.add_action(actor, step.case, description, due, owner_user=owner_user, owner_org=owner_org)
    action.formal_step_id = step.id
    audit.record(actor, "formal_step_action_linked", step, object_type="FormalStep",
                 summary=f"action #{action.id}")
    db.session.flush()
    return action
