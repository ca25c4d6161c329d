"""Case use cases: status, stage (support first), review, lead, sharing, chronology, agreed
actions and closure. Each flushes its change with its audit entry into the caller's transaction
(the request commits: `portal.transaction`); what else changed on the case lands in its
chronology in the same transaction."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload

from portal import access, audit
from portal.cases.models import (
    CLOSURE_REASONS,
    MANUAL_KINDS,
    NOT_APPROPRIATE_REASONS,
    RATIONALE_MIN,
    SUPPORT_EVIDENCE_KINDS,
    SUPPORT_NAME_MIN,
    Action,
    ActionStatus,
    Case,
    CaseShare,
    CaseStatus,
    ChronologyEntry,
    Stage,
)
from portal.cases.referrals import snapshot
from portal.concurrency import check_version as _check_version
from portal.concurrency import conflict_on_stale
from portal.concurrency import flush_or_conflict as _flush
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import Organisation, OrgKind, User
from portal.statements import built_once, rows_of
from portal.timeutil import LONDON, as_utc, today, utcnow

SHAREABLE_KINDS = (OrgKind.social_care, OrgKind.early_help, OrgKind.police, OrgKind.health, OrgKind.school)


def _entry(case: Case, actor: User, kind: str, text: str, *, police_text: str | None,
           occurred_at: datetime | None = None, **kw) -> ChronologyEntry:
    """A chronology entry in two wordings: `text` for the case's professionals and `police_text`
    for the police view (None: the police do not see it). Every entry the portal writes says
    what the police read: never attendance figures, a UPN, a date of birth, health or panel
    detail, nor words a person typed without choosing to share them with the police."""
    entry = ChronologyEntry(case_id=case.id, kind=kind, occurred_at=occurred_at or utcnow(), author_id=actor.id,
                            organisation_id=actor.organisation_id, text=text, police_text=police_text, **kw)
    db.session.add(entry)
    return entry


def entry_from_elsewhere(case: Case, actor: User, kind: str, text: str, *, police_text: str | None,
                         occurred_at: datetime) -> ChronologyEntry:
    """Another part of the portal (a sweep encounter, its follow-up, a panel decision) lands on
    the case's chronology in the caller's transaction. `police_text` as for `_entry`."""
    return _entry(case, actor, kind, text, police_text=police_text, occurred_at=occurred_at)


def open_case_for(pupil_id: int) -> Case | None:
    """The pupil's open (or monitoring) case, if there is one."""
    return db.session.scalar(select(Case).where(Case.pupil_id == pupil_id, Case.status != CaseStatus.closed)
                             .order_by(Case.id.desc()).limit(1))


def _link(case: Case) -> str:
    return f"/cases/{case.id}"


# ----- status, stage, review, lead ----------------------------------------------------------

@conflict_on_stale
def set_status(actor: User, case: Case, status: str, expected_version: int | None, *,
               share_with_police: bool = False) -> None:
    _check_version(case, expected_version)
    allowed = {(CaseStatus.open, CaseStatus.monitoring), (CaseStatus.monitoring, CaseStatus.open)}
    new = CaseStatus.get(status)
    if new is None or (case.status, new) not in allowed:
        raise Refused(f"A case cannot go from {case.status} to {status}."
                      + (" Close it with a reason instead." if new == CaseStatus.closed else ""))
    before = case.status
    case.status = new
    text = f"Case moved from {before} to {new}."
    _entry(case, actor, "decision", text, police_text=text if share_with_police else None)
    audit.record(actor, "case_status_changed", case, changes={"status": {"from": before, "to": new}})
    _flush(case)


def support_evidence(case: Case) -> list[ChronologyEntry]:
    """The entries that let formal support or enforcement go ahead (support first): support
    plans (naming the support and its review date) and "support not appropriate" rationales,
    not struck through, newest first. A bare "support offered" line is not evidence."""
    return list(db.session.scalars(_support_evidence(), {"case_id": case.id}))


@built_once
def _support_evidence():
    return select(ChronologyEntry).where(
        ChronologyEntry.case_id == bindparam("case_id"), ChronologyEntry.kind.in_(SUPPORT_EVIDENCE_KINDS),
        ChronologyEntry.struck_at.is_(None)).order_by(ChronologyEntry.occurred_at.desc(), ChronologyEntry.id.desc())


SUPPORT_FIRST_MESSAGE = (
    "the chronology must show support first: a ‘Support plan’ entry naming the support and its review "
    "date, or a ‘Support not appropriate’ entry saying why (for example an unauthorised term-time holiday).")


def evidence_summary(entry: ChronologyEntry) -> str:
    """One line saying which support-first evidence an entry is (for the stage change's record)."""
    day = as_utc(entry.occurred_at).astimezone(LONDON).strftime("%-d %b %Y")
    if entry.kind == "support_plan":
        review = entry.review_on.strftime("%-d %b %Y") if entry.review_on else "–"
        return f"support plan of {day} ({entry.support_name}; review {review})"
    reason = dict(NOT_APPROPRIATE_REASONS).get(entry.not_appropriate_reason or "", "–")
    return f"support not appropriate, recorded {day} ({reason})"


@conflict_on_stale
def set_stage(actor: User, case: Case, stage: Stage, expected_version: int | None, reason: str = "", *,
              share_with_police: bool = False) -> None:
    """Support first: a formal-support or enforcement stage needs a support plan or a recorded
    rationale that support is not appropriate; the stage change records which. The police see
    the change only when the lead chooses it (`share_with_police`)."""
    _check_version(case, expected_version)
    if case.is_closed:
        raise Refused("The case is closed.")
    evidence = support_evidence(case) if stage.needs_support_evidence else []
    if stage.needs_support_evidence and not evidence:
        raise Refused(
            f"‘{stage.name}’ is {'formal support' if stage.level == 'formal' else 'enforcement'}: "
            + SUPPORT_FIRST_MESSAGE + " Then change the stage.",
            {"stage_id": "Record a support plan, or why support is not appropriate, first"})
    before = case.stage.name if case.stage else None
    case.stage = stage
    changed = f"Stage changed from {before or 'none'} to {stage.name}."
    basis = f" Support first: {evidence_summary(evidence[0])}." if evidence else ""
    # The reason is the lead's own words, not chosen for the police: their wording leaves it out.
    _entry(case, actor, "stage_change", changed + basis + (f" Reason: {reason}" if reason else ""),
           police_text=changed if share_with_police else None)
    audit.record(actor, "case_stage_changed", case, changes={"stage": {"from": before, "to": stage.name}})
    _flush(case)


@conflict_on_stale
def set_review(actor: User, case: Case, review: date, expected_version: int | None) -> None:
    _check_version(case, expected_version)
    before = case.next_review
    case.next_review = review
    audit.record(actor, "case_review_set", case, changes={"next_review": {"from": before and before.isoformat(),
                                                                          "to": review.isoformat()}})
    _flush(case)


@conflict_on_stale
def set_lead(actor: User, case: Case, lead: User, expected_version: int | None, *,
             share_with_police: bool = False) -> None:
    """The case's lead professional changes; the police see the change only when chosen."""
    _check_version(case, expected_version)
    if case.is_closed:
        raise Refused("The case is closed.")
    if not access.may_lead_cases(lead):
        raise Refused("The lead professional must be an active practitioner: an education welfare officer, "
                      "an early help key worker, a school nurse or a social worker.",
                      {"lead_id": "Select a practitioner"})
    if lead.id == case.lead_id:
        raise Refused(f"{lead.name} already leads the case.", {"lead_id": "Select another practitioner"})
    before = case.lead
    case.lead_id = lead.id
    text = f"Lead professional changed from {before.name} to {lead.name}."
    _entry(case, actor, "decision", text, police_text=text if share_with_police else None)
    audit.record(actor, "case_lead_changed", case, changes={"lead_id": {"from": before.id, "to": lead.id}})
    notify.notify_users([lead], "You are now the lead professional for a case", _link(case), about=case.pupil)
    _flush(case)


@conflict_on_stale
def close(actor: User, case: Case, reason: str, text: str, expected_version: int | None, *,
          share_with_police: bool = False) -> None:
    _check_version(case, expected_version)
    if case.is_closed:
        raise Refused("The case is already closed.")
    if reason not in dict(CLOSURE_REASONS):
        raise Refused("Select a reason for closing the case.", {"reason": "Select a reason"})
    if reason == STEP_UP_REASON:
        raise Refused("A case stepped up to children's social care stays open with a social worker as lead.",
                      {"lead_id": "Select the social worker who now leads the case"})
    if reason == "other" and not text.strip():
        raise Refused("Say why the case is being closed.", {"text": "Describe the reason"})
    at_close = snapshot(case.pupil)  # read before any change, so nothing is flushed early
    before = case.status
    case.status = CaseStatus.closed
    case.closed_at = utcnow()
    case.closure_reason = reason
    case.closure_text = text
    case.attendance_at_close = at_close
    opened = (case.attendance_at_open or {}).get("percent")
    closed = case.attendance_at_close.get("percent")
    label = dict(CLOSURE_REASONS)[reason]
    # The police read the reason only (no attendance figures, not the lead's own words), and only
    # when the person closing the case chose to tell them.
    _entry(case, actor, "decision", f"Case closed: {label}" + (f" – {text}" if text else "")
           + f". Attendance at open {opened if opened is not None else '–'}%, "
           f"at close {closed if closed is not None else '–'}%.",
           police_text=f"Case closed: {label}." if share_with_police else None)
    audit.record(actor, "case_closed", case, changes={"status": {"from": before, "to": CaseStatus.closed},
                                                       "closure_reason": {"from": None, "to": reason}})
    _flush(case)


STEP_UP_REASON = "social_care_lead"


@conflict_on_stale
def step_up(actor: User, case: Case, lead: User | None, text: str, expected_version: int | None) -> None:
    """Stepped up to children's social care: the case stays open (it is not closed) with a
    social worker as its lead professional, shared with their organisation, recorded in the
    chronology (not for the police) and audited."""
    _check_version(case, expected_version)
    if case.is_closed:
        raise Refused("The case is closed.")
    if lead is None or not access.may_lead_cases(lead, (access.SOCIAL_CARE,)):
        raise Refused("Choose the social worker who leads the case now.",
                      {"lead_id": "Select the social worker who now leads the case"})
    before_lead, before_status = case.lead, case.status
    case.lead_id = lead.id
    case.status = CaseStatus.open
    org = lead.organisation
    _entry(case, actor, "decision",
           f"Stepped up to children's social care: {lead.name} ({org.name}) is now the lead professional "
           f"(was {before_lead.name}). The case stays open." + (f" {text}" if text else ""), police_text=None)
    changes: dict = {"lead_id": {"from": before_lead.id, "to": lead.id}}
    if before_status != CaseStatus.open:
        changes["status"] = {"from": before_status, "to": CaseStatus.open}
    audit.record(actor, "case_stepped_up", case, changes=changes, summary=f"social care lead: user #{lead.id}")
    shared = any(s.active and s.organisation_id == org.id for s in case.shares)
    if not shared and org.id != case.pupil.school_id:
        share(actor, case, org, "Stepped up to children's social care as lead.")
    notify.notify_users([lead], "You are now the lead professional for a case stepped up to social care", _link(case))
    _flush(case)


# ----- sharing ------------------------------------------------------------------------------

def share(actor: User, case: Case, org: Organisation, reason: str) -> CaseShare:
    if org.kind not in SHAREABLE_KINDS or not org.active:
        raise Refused("Cases can be shared with social care, early help, police, health or another school.")
    if org.id == case.pupil.school_id:
        raise Refused("The pupil's own school already sees the case.")
    if not reason.strip():
        raise Refused("Say why the case is shared (share the minimum needed, and record why).",
                      {"reason": "Enter the reason for sharing"})
    active = db.session.scalar(select(CaseShare).where(CaseShare.case_id == case.id,
                                                       CaseShare.organisation_id == org.id,
                                                       CaseShare.withdrawn_at.is_(None)))
    if active is not None:
        raise Refused(f"The case is already shared with {org.name}.")
    item = CaseShare(case_id=case.id, organisation_id=org.id, reason=reason, shared_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    _entry(case, actor, "sharing", f"Shared with {org.name}. Reason: {reason}", police_text=None)
    audit.record(actor, "case_shared", case, changes={"shared_with": {"from": None, "to": org.name}},
                 summary=reason[:200])
    notify.notify_org(org.id, "A case has been shared with your organisation", _link(case), about=case.pupil)
    db.session.flush()
    return item


@conflict_on_stale
def withdraw_share(actor: User, item: CaseShare, reason: str, expected_version: int | None) -> None:
    """Two people withdrawing the same share at once: one withdraws it, the other gets a Conflict."""
    _check_version(item, expected_version)
    if not item.active:
        raise Refused("This share was already withdrawn.")
    if not reason.strip():
        raise Refused("Say why the share is withdrawn.", {"reason": "Enter the reason"})
    item.withdrawn_at = utcnow()
    item.withdrawn_by_id = actor.id
    item.withdraw_reason = reason
    _entry(item.case, actor, "sharing", f"Sharing with {item.organisation.name} withdrawn. Reason: {reason}",
           police_text=None)
    audit.record(actor, "case_share_withdrawn", item.case,
                 changes={"shared_with": {"from": item.organisation.name, "to": None}}, summary=reason[:200])
    _flush(item)


# ----- chronology ---------------------------------------------------------------------------

def check_support_fields(kind: str, occurred_on: date, text: str, support_name: str | None,
                         review_on: date | None, not_appropriate_reason: str | None) -> dict[str, str]:
    """The fields a support-first entry needs, as {field: problem}."""
    problems: dict[str, str] = {}
    if kind == "support_plan":
        if len((support_name or "").strip()) < SUPPORT_NAME_MIN:
            problems["support_name"] = (f"Name the support put in place (at least {SUPPORT_NAME_MIN} characters), "
                                        "for example ‘Weekly mentoring and a breakfast club place’")
        elif len(support_name or "") > 300:
            problems["support_name"] = "Name the support in 300 characters or fewer"
        if review_on is None:
            problems["review_on"] = "Enter the date the support will be reviewed"
        elif review_on <= occurred_on:
            problems["review_on"] = "The review date must be after the date of the plan"
        elif (review_on - occurred_on).days > 366:
            problems["review_on"] = "Review the support within a year of the plan"
    elif kind == "support_not_appropriate":
        if not_appropriate_reason not in dict(NOT_APPROPRIATE_REASONS):
            problems["not_appropriate_reason"] = "Select why support is not appropriate"
        if len(" ".join(text.split())) < RATIONALE_MIN:
            problems["text"] = (f"Explain why support is not appropriate (at least {RATIONALE_MIN} characters): "
                                "the rationale is the evidence for formal steps")
    return problems


def add_entry(actor: User, case: Case, kind: str, occurred_at: datetime, text: str, *,
              police_shareable: bool = False, health: bool = False, support_name: str | None = None,
              review_on: date | None = None, not_appropriate_reason: str | None = None,
              time_given: bool = True) -> ChronologyEntry:
    """`time_given` False: the person gave only the day (`occurred_at` is its noon, London)."""
    if kind not in MANUAL_KINDS:
        raise Refused("Choose what kind of entry this is.", {"kind": "Select the kind of entry"})
    if occurred_at > utcnow() and (time_given or occurred_at.astimezone(LONDON).date() > today()):
        raise Refused("The entry cannot be in the future.", {"occurred_at": "Enter a time that has passed"})
    problems = check_support_fields(kind, occurred_at.astimezone(LONDON).date(), text, support_name, review_on,
                                    not_appropriate_reason)
    if problems:
        raise Refused("The entry was not added: " + "; ".join(problems.values()) + ".", problems)
    extra: dict = {}
    if kind == "support_plan":
        extra = {"support_name": " ".join((support_name or "").split()), "review_on": review_on}
    elif kind == "support_not_appropriate":
        extra = {"not_appropriate_reason": not_appropriate_reason}
    # The author's own words: what the police record is theirs to see, and others choose to share
    # theirs; a health note never reaches the police view.
    police = (police_shareable or access.police_see_own_entries(actor)) and not health
    entry = _entry(case, actor, kind, text, police_text=text if police else None, occurred_at=occurred_at,
                   health=health, time_given=time_given, **extra)
    db.session.flush()
    audit.record(actor, "chronology_entry_added", case, summary=f"{kind} #{entry.id}")
    db.session.flush()
    return entry


def correct_entry(actor: User, entry: ChronologyEntry, text: str) -> ChronologyEntry:
    # A correction reaches whoever read the entry it corrects, in the corrector's own words.
    correction = ChronologyEntry(case_id=entry.case_id, kind="correction", occurred_at=entry.occurred_at,
                                 time_given=entry.time_given,
                                 author_id=actor.id, organisation_id=actor.organisation_id, text=text,
                                 police_text=text if entry.police_shareable and not entry.health else None,
                                 corrects_id=entry.id, health=entry.health)
    db.session.add(correction)
    db.session.flush()
    audit.record(actor, "chronology_entry_corrected", entry, object_type="ChronologyEntry",
                 summary=f"corrected by #{correction.id}")
    db.session.flush()
    return correction


def strike_entry(actor: User, entry: ChronologyEntry, reason: str) -> None:
    if entry.struck_at is not None:
        raise Refused("This entry is already struck through.")
    if not reason.strip():
        raise Refused("Say why the entry is struck through.", {"reason": "Enter the reason"})
    entry.struck_at = utcnow()
    entry.struck_by_id = actor.id
    entry.strike_reason = reason
    audit.record(actor, "chronology_entry_struck", entry, object_type="ChronologyEntry", summary=reason[:200])
    db.session.flush()


# ----- agreed actions -------------------------------------------------------------------------

def _owner_label(owner_user: User | None, owner_org: Organisation | None) -> str:
    return owner_user.name if owner_user else (owner_org.name if owner_org else "–")


def check_owner(case: Case, owner_user: User | None, owner_org: Organisation | None) -> None:
    """An action's owner must be able to see the case: the pupil's school, the LA attendance
    service, or an agency the case is shared with."""
    allowed = {case.pupil.school_id, case.lead.organisation_id}
    allowed |= {s.organisation_id for s in case.shares if s.withdrawn_at is None}
    if owner_user:
        org_id = owner_user.organisation_id
    else:
        assert owner_org is not None  # the callers refuse an action without exactly one owner
        org_id = owner_org.id
    if org_id not in allowed:
        raise Refused("Share the case with that agency before giving it an action.",
                      {"owner": "Share the case with the owner's agency first"})


def add_action(actor: User, case: Case, description: str, due: date, *, owner_user: User | None = None,
               owner_org: Organisation | None = None, panel_decision_id: int | None = None,
               occurred_at: datetime | None = None, police_shareable: bool = False) -> Action:
    """Agree an action on the case, in the caller's transaction: the action, its chronology
    entry, the audit entry and the owner's notification. An action agreed at a panel
    (`panel_decision_id`) says so to the case's professionals and its owner, not to the police:
    they see the case's actions, not that the panel discussed it. The police see the action only
    when its author chooses it (`police_shareable`)."""
    if (owner_user is None) == (owner_org is None):
        raise Refused("Give the action one owner: a person or an agency.", {"owner": "Select an owner"})
    if case.is_closed:
        raise Refused("The case is closed.")
    check_owner(case, owner_user, owner_org)
    action = Action(case_id=case.id, description=description, due_date=due, created_by_id=actor.id,
                    owner_user_id=owner_user.id if owner_user else None,
                    owner_org_id=owner_org.id if owner_org else None, panel_decision_id=panel_decision_id,
                    police_shareable=police_shareable)
    db.session.add(action)
    db.session.flush()
    agreed = f"for {_owner_label(owner_user, owner_org)}, due {due.strftime('%-d %b %Y')}: {description}"
    whom = "you" if owner_user else "your agency"
    if panel_decision_id is None:
        text = police_text = f"Action agreed {agreed}"
        summary = description[:200]
        note = f"An action was assigned to {whom}, due {due.strftime('%-d %b')}"
    else:
        text, police_text = f"Action agreed at the attendance panel {agreed}", f"Action agreed {agreed}"
        summary = f"panel decision #{panel_decision_id}: {description}"[:500]
        note = f"The attendance panel gave {whom} an action, due {due.strftime('%-d %b')}"
    _entry(case, actor, "action", text, police_text=police_text if action.police_shareable else None,
           occurred_at=occurred_at)
    audit.record(actor, "action_added", action, summary=summary)
    if owner_user:
        notify.notify_users([owner_user], note, _link(case) + "#actions", about=case.pupil)
    else:
        assert owner_org is not None  # exactly one owner: refused above otherwise
        notify.notify_org(owner_org.id, note, _link(case) + "#actions", about=case.pupil)
    db.session.flush()
    return action


@conflict_on_stale
def complete_action(actor: User, action: Action, outcome: str, expected_version: int | None,
                    status: str = ActionStatus.done) -> None:
    """Complete (or cancel) an action. Two people completing the same action: one wins, the
    other gets a Conflict."""
    _check_version(action, expected_version)
    if not action.is_open:
        raise Conflict(action)
    new = ActionStatus.get(status)
    if new not in (ActionStatus.done, ActionStatus.cancelled):
        raise Refused("An action is completed or cancelled.")
    if not outcome.strip():
        raise Refused("Record the outcome.", {"outcome": "Enter the outcome"})
    case = action.case  # loaded before the change, so nothing is flushed early
    action.status = new
    action.outcome = outcome
    action.completed_at = utcnow()
    action.completed_by_id = actor.id
    verb = "completed" if new == ActionStatus.done else "cancelled"
    text = f"Action {verb} by {actor.name}: {action.description} – Outcome: {outcome}"
    _entry(case, actor, "action", text, police_text=text if action.police_shareable else None)
    audit.record(actor, f"action_{verb}", action, changes={"status": {"from": ActionStatus.open, "to": new}})
    _flush(action)


@conflict_on_stale
def reassign_action(actor: User, action: Action, expected_version: int | None, *, owner_user: User | None = None,
                    owner_org: Organisation | None = None, due: date | None = None) -> None:
    _check_version(action, expected_version)
    if not action.is_open:
        raise Refused("Only an open action can be re-assigned.")
    if (owner_user is None) == (owner_org is None):
        raise Refused("Give the action one owner: a person or an agency.", {"owner": "Select an owner"})
    case = action.case
    check_owner(case, owner_user, owner_org)
    before = action.owner_label
    action.owner_user_id = owner_user.id if owner_user else None
    action.owner_org_id = owner_org.id if owner_org else None
    if due:
        action.due_date = due
    after = _owner_label(owner_user, owner_org)
    text = f"Action re-assigned from {before} to {after}: {action.description}"
    _entry(case, actor, "action", text, police_text=text if action.police_shareable else None)
    audit.record(actor, "action_reassigned", action, changes={"owner": {"from": before, "to": after}})
    if owner_user:
        notify.notify_users([owner_user], "An action was assigned to you", _link(case) + "#actions",
                            about=case.pupil)
    else:
        assert owner_org is not None  # exactly one owner: refused above otherwise
        notify.notify_org(owner_org.id, "An action was assigned to your agency", _link(case) + "#actions",
                          about=case.pupil)
    _flush(action)


def action_owner_choices(case: Case, shares=None):
    """People and agencies an action can be given to: the lead side, the school, and the
    agencies the case is shared with (and their people). `shares`: the case's, when loaded."""
    active = [s for s in (case.shares if shares is None else shares) if s.withdrawn_at is None]
    by_id = {o.id: o for o in (case.pupil.school, case.lead.organisation, *(s.organisation for s in active))}
    orgs = {case.pupil.school_id} | {s.organisation_id for s in active}
    service_org = case.lead.organisation_id
    if service_org is None:  # `== None` is IS NULL (as the statement with plain values said), not `= NULL`
        people = db.session.scalars(select(User).where(User.active.is_(True), or_(
            User.organisation_id.in_(orgs), User.id == case.lead_id, User.organisation_id.is_(None)))
            .options(joinedload(User.organisation)).order_by(User.name)).all()
    else:
        people = db.session.scalars(_action_owners(), {"orgs": sorted(orgs, key=str), "lead_id": case.lead_id,
                                                       "service_org": service_org}).all()
    agencies = sorted(by_id.values(), key=lambda o: o.name)
    return ([(f"user:{u.id}", f"{u.name} ({u.organisation.name})") for u in people]
            + [(f"org:{o.id}", f"{o.name} (anyone there)") for o in agencies])


@built_once
def _action_owners():
    return (select(User).where(User.active.is_(True),
                               or_(User.organisation_id.in_(bindparam("orgs", expanding=True)),
                                   User.id == bindparam("lead_id"), User.organisation_id == bindparam("service_org")))
            .options(joinedload(User.organisation)).order_by(User.name))


@built_once
def _owner_case():
    from sqlalchemy import Integer, bindparam
    from sqlalchemy.orm import aliased

    from portal.pupils.models import Pupil

    school, lead_org = aliased(Organisation), aliased(Organisation)
    case_id = bindparam("case_id", type_=Integer)
    head = (select(Case.lead_id, school.id, school.name, lead_org.id, lead_org.name)
            .join(Pupil, Pupil.id == Case.pupil_id).join(school, school.id == Pupil.school_id)
            .join(User, User.id == Case.lead_id).join(lead_org, lead_org.id == User.organisation_id)
            .where(Case.id == case_id))
    shares = (select(CaseShare.organisation_id, Organisation.name)
              .join(Organisation, Organisation.id == CaseShare.organisation_id)
              .where(CaseShare.case_id == case_id, CaseShare.withdrawn_at.is_(None)).order_by(CaseShare.id))
    return head, shares


@built_once
def _owner_people():
    from sqlalchemy import Integer, bindparam

    return (select(User.id, User.name, Organisation.name)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(User.active.is_(True),
                   or_(User.organisation_id.in_(bindparam("orgs", expanding=True)),
                       User.id == bindparam("lead_id", type_=Integer),
                       User.organisation_id == bindparam("service_org", type_=Integer)))
            .order_by(User.name))


def action_owner_choices_of(case_id: int) -> list[tuple[str, str]]:
    """`action_owner_choices` of a case by its id, read as plain values (no ORM objects): the
    same choices in the same order, for a screen that shows them without the case loaded."""
    head, shares = _owner_case()
    lead_id, school_id, school_name, service_org, service_name = rows_of(head, {"case_id": case_id})[0]
    active = rows_of(shares, {"case_id": case_id})
    by_id = {school_id: school_name, service_org: service_name}
    for org_id, name in active:
        by_id.setdefault(org_id, name)
    orgs = [school_id, *(org_id for org_id, _ in active)]
    people = rows_of(_owner_people(), {"orgs": orgs, "lead_id": lead_id, "service_org": service_org})
    agencies = sorted(by_id.items(), key=lambda o: o[1])
    return ([(f"user:{uid}", f"{name} ({org_name})") for uid, name, org_name in people]
            + [(f"org:{oid}", f"{name} (anyone there)") for oid, name in agencies])


# ----- the case page: which of a case's records exist at all, in one query ------------------------

_RECORDS_PROBE = None


def records_on_case(case: Case) -> frozenset[str]:
    """Which kinds of record the case has at all, whoever may see them, in one query: the case
    page asks for each kind (as far as the viewer may see) only when there is one. Most cases
    have no notice, step, letter or panel decision: six queries become one. Kinds: "ntis",
    "penalties", "nti_requests", "steps", "letters", "panel", "children" (the case covers
    siblings, or did), "covered" (the case's child is, or was, covered by a whole-family case)."""
    global _RECORDS_PROBE
    if _RECORDS_PROBE is None:  # built once: the statement takes its ids as bound parameters
        from sqlalchemy import Integer, bindparam, exists

        from portal.cases.models import CaseChild
        from portal.formal.models import NoticeToImprove, NtiRequest, PenaltyNotice
        from portal.formal_steps.models import FormalStep
        from portal.letters.models import Letter
        from portal.panels.models import PanelDecision

        case_id, pupil_id = bindparam("case_id", type_=Integer), bindparam("pupil_id", type_=Integer)
        _RECORDS_PROBE = select(*(exists().where(col == param).label(name) for name, col, param in (
            ("ntis", NoticeToImprove.case_id, case_id), ("penalties", PenaltyNotice.case_id, case_id),
            ("nti_requests", NtiRequest.case_id, case_id), ("steps", FormalStep.case_id, case_id),
            ("letters", Letter.case_id, case_id), ("panel", PanelDecision.case_id, case_id),
            ("children", CaseChild.case_id, case_id), ("covered", CaseChild.pupil_id, pupil_id))))
    row = db.session.execute(_RECORDS_PROBE, {"case_id": case.id, "pupil_id": case.pupil_id}).one()
    return frozenset(name for name, present in row._mapping.items() if present)


def may_have(records: frozenset[str] | None, kind: str) -> bool:
    """Whether a case may have records of a kind: yes unless `records_on_case` said none (None:
    not asked, so perhaps)."""
    return records is None or kind in records
