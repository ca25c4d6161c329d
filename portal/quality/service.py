"""Dip-sampling use cases: the audit form's versions, drawing a sample, auditing a sampled case,
the lead professional's acknowledgement, and the themes across a sample. Each change writes its
audit entry in the caller's transaction (`portal.transaction`); nothing here commits."""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from portal import access, audit
from portal.cases.models import ACTIVE_CASE_STATES, Case, CaseStatus, Stage
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import User
from portal.quality.models import (
    AuditCriterion,
    AuditFormVersion,
    AuditGrade,
    AuditStatus,
    CaseAudit,
    DipSample,
    FormStatus,
    Grade,
    Population,
)
from portal.timeutil import LONDON, utcnow

MAX_SEED = 999_999_999_999
MAX_SAMPLE = 500
TEXT_MAX = 5000
TITLE_MAX = 200


# ----- the audit form --------------------------------------------------------------------------

def current_form() -> AuditFormVersion | None:
    """The published version with the highest number: the one a new audit starts with."""
    return db.session.scalar(select(AuditFormVersion).where(AuditFormVersion.status == FormStatus.published)
                             .options(selectinload(AuditFormVersion.criteria))
                             .order_by(AuditFormVersion.number.desc()).limit(1))


def draft_form() -> AuditFormVersion | None:
    return db.session.scalar(select(AuditFormVersion).where(AuditFormVersion.status == FormStatus.draft)
                             .options(selectinload(AuditFormVersion.criteria)).limit(1))


def start_form_draft(actor: User) -> AuditFormVersion:
    """A new draft version, a copy of the current one's criteria (one draft at a time)."""
    if draft_form() is not None:
        raise Refused("A new version of the audit form is already being drafted")
    current = current_form()
    number = (db.session.scalar(select(func.max(AuditFormVersion.number))) or 0) + 1
    draft = AuditFormVersion(number=number, status=FormStatus.draft)
    db.session.add(draft)
    db.session.flush()
    for criterion in current.criteria if current is not None else []:
        db.session.add(AuditCriterion(form_id=draft.id, position=criterion.position, title=criterion.title,
                                      guidance=criterion.guidance))
    audit.record(actor, "audit_form_drafted", draft, summary=f"Audit form version {number}")
    db.session.flush()
    return draft


def _criterion_problems(title: str, position: int | None) -> dict[str, str]:
    problems = {}
    if not title.strip():
        problems["title"] = "Enter the criterion"
    elif len(title) > TITLE_MAX:
        problems["title"] = f"The criterion must be {TITLE_MAX} characters or fewer"
    if position is None or not 1 <= position <= 99:
        problems["position"] = "Enter the position as a number from 1 to 99"
    return problems


def add_criterion(actor: User, form: AuditFormVersion, title: str, guidance: str, position: int | None
                  ) -> AuditCriterion:
    if not form.is_draft:
        raise Refused("A published version of the audit form cannot be changed: start a new version")
    problems = _criterion_problems(title, position)
    if problems:
        raise Refused(problems=problems)
    criterion = AuditCriterion(form_id=form.id, position=position or 1, title=title.strip(),
                               guidance=guidance.strip())
    db.session.add(criterion)
    db.session.flush()
    audit.record(actor, "audit_criterion_added", criterion, summary=f"Version {form.number}: {criterion.title}")
    return criterion


def update_criterion(actor: User, criterion: AuditCriterion, title: str, guidance: str, position: int | None,
                     expected_version: int | None) -> AuditCriterion:
    if not criterion.form.is_draft:
        raise Refused("A published version of the audit form cannot be changed: start a new version")
    check_version(criterion, expected_version)
    problems = _criterion_problems(title, position)
    if problems:
        raise Refused(problems=problems)
    fields = ("title", "guidance", "position")
    before = audit.snapshot(criterion, fields)
    criterion.title, criterion.guidance, criterion.position = title.strip(), guidance.strip(), position or 1
    changes = audit.diff(before, audit.snapshot(criterion, fields))
    if changes:
        audit.record(actor, "audit_criterion_changed", criterion, changes=changes,
                     summary=f"Version {criterion.form.number}")
    flush_or_conflict(criterion)
    return criterion


def remove_criterion(actor: User, criterion: AuditCriterion) -> None:
    if not criterion.form.is_draft:
        raise Refused("A published version of the audit form cannot be changed: start a new version")
    audit.record(actor, "audit_criterion_removed", criterion,
                 summary=f"Version {criterion.form.number}: {criterion.title}")
    db.session.delete(criterion)
    db.session.flush()


def publish_form(actor: User, form: AuditFormVersion, expected_version: int | None) -> None:
    """The draft becomes the current version: audits started from now use it; those started
    before keep theirs."""
    check_version(form, expected_version)
    if not form.is_draft:
        raise Refused("This version is already published")
    if not form.criteria:
        raise Refused("Add at least one criterion before publishing")
    form.status = FormStatus.published
    form.published_at = utcnow()
    audit.record(actor, "audit_form_published", form, summary=f"Audit form version {form.number}",
                 changes={"criteria": {"from": None, "to": [c.title for c in form.criteria]}})
    flush_or_conflict(form)


# ----- drawing a sample --------------------------------------------------------------------------

StratumKey = tuple[int, int]  # (lead professional's user id, stage id or 0 for no stage)


def stratum_of(case: Case) -> StratumKey:
    return (case.lead_id, case.stage_id or 0)


def allocate(sizes: dict[StratumKey, int], n: int) -> dict[StratumKey, int]:
    """Share `n` across strata in proportion to their sizes, by the largest remainder: each
    stratum gets the whole part of n × size / total, and the places left go to the largest
    remainders, ties to the stratum that sorts first (lead id, stage id)."""
    total = sum(sizes.values())
    keys = sorted(sizes)
    shares = {k: n * sizes[k] // total for k in keys}
    left = n - sum(shares.values())
    by_remainder = sorted(keys, key=lambda k: (-(n * sizes[k] % total), k))
    for k in by_remainder[:left]:
        shares[k] += 1
    return shares


def population(actor: User, kind: Population, closed_from: date | None = None,
               closed_to: date | None = None) -> list[Case]:
    """The cases a sample is drawn from, by id: the actor's open (or monitored) cases, or those
    closed between the two days (London time, both included)."""
    scope = access.sample_population_for(actor)
    if kind == Population.open:
        scope = scope.where(Case.status.in_(ACTIVE_CASE_STATES))
    else:
        start = datetime.combine(closed_from, time(), LONDON) if closed_from else None
        end = datetime.combine(closed_to + timedelta(days=1), time(), LONDON) if closed_to else None
        scope = scope.where(Case.status == CaseStatus.closed, Case.closed_at >= start, Case.closed_at < end)
    return list(db.session.scalars(scope.order_by(Case.id)))


def choose(cases: list[Case], size: int, seed: int) -> tuple[list[Case], list[dict[str, Any]]]:
    """The seeded, stratified draw (pure: the same cases, size and seed give the same answer):
    the allocation per stratum, then `random.Random(seed)` samples each stratum's cases (by id),
    stratum by stratum in order."""
    strata: dict[StratumKey, list[Case]] = {}
    for case in sorted(cases, key=lambda c: c.id):
        strata.setdefault(stratum_of(case), []).append(case)
    shares = allocate({k: len(v) for k, v in strata.items()}, size)
    rng = random.Random(seed)
    chosen: list[Case] = []
    record = []
    for key in sorted(strata):
        picked = rng.sample(strata[key], shares[key])
        chosen.extend(picked)
        record.append({"lead_id": key[0], "stage_id": key[1] or None, "cases": len(strata[key]),
                       "drawn": shares[key]})
    return sorted(chosen, key=lambda c: c.id), record


def draw(actor: User, size: int | None, seed: int | None, kind: Population | str | None,
         closed_from: date | None = None, closed_to: date | None = None) -> DipSample:
    """Draw a sample of `size` cases; without a seed one is chosen (and recorded)."""
    problems: dict[str, str] = {}
    kind = Population.get(kind) if kind is not None else None
    if kind is None:
        problems["population"] = "Select where to draw the sample from"
    elif kind == Population.closed:
        if closed_from is None:
            problems["closed_from"] = "Enter the first day of the period"
        if closed_to is None:
            problems["closed_to"] = "Enter the last day of the period"
        if closed_from and closed_to and closed_to < closed_from:
            problems["closed_to"] = "The last day must be the same as or after the first day"
    if seed is not None and not 0 <= seed <= MAX_SEED:
        problems["seed"] = f"Enter a seed from 0 to {MAX_SEED:,}, or leave it empty"
    if size is None or size < 1:
        problems["size"] = "Enter how many cases to sample: 1 or more"
    elif size > MAX_SAMPLE:
        problems["size"] = f"Enter a sample of {MAX_SAMPLE} cases or fewer"
    if problems:
        raise Refused(problems=problems)
    assert kind is not None and size is not None
    cases = population(actor, kind, closed_from, closed_to)
    if size > len(cases):
        raise Refused(problems={"size": f"There are only {len(cases)} cases to draw from: enter {len(cases)} "
                                        f"or fewer" if cases else "There are no cases to draw from"})
    given = seed is not None
    seed = seed if seed is not None else secrets.randbelow(MAX_SEED + 1)
    chosen, strata = choose(cases, size, seed)
    sample = DipSample(size=size, seed=seed, seed_given=given, population=kind,
                       closed_from=closed_from if kind == Population.closed else None,
                       closed_to=closed_to if kind == Population.closed else None,
                       population_size=len(cases), strata=strata, drawn_by_id=actor.id)
    db.session.add(sample)
    db.session.flush()
    for case in chosen:
        db.session.add(CaseAudit(sample_id=sample.id, case_id=case.id, lead_id=case.lead_id, stage_id=case.stage_id))
    parameters = {"size": size, "seed": seed, "seed_given": given, "population": kind.value,
                  "closed_from": sample.closed_from.isoformat() if sample.closed_from else None,
                  "closed_to": sample.closed_to.isoformat() if sample.closed_to else None}
    audit.record(actor, "dip_sample_drawn", sample, summary=f"{size} of {len(cases)} cases, seed {seed}",
                 changes={"parameters": {"from": None, "to": parameters},
                          "cases": {"from": None, "to": [c.id for c in chosen]}})
    db.session.flush()
    return sample


# ----- auditing a case ---------------------------------------------------------------------------

def form_of(case_audit: CaseAudit) -> AuditFormVersion | None:
    """The form an audit is on: the version it started with, or (not started) the current one."""
    return case_audit.form if case_audit.form_id is not None else current_form()


def save_audit(actor: User, case_audit: CaseAudit, grades: dict[int, tuple[str | None, str]],
               overall: str | None, learning_points: str, expected_version: int | None,
               complete: bool = False) -> CaseAudit:
    """Save the grades ({criterion id: (grade, comment)}), overall grade and learning points as
    a draft, or complete the audit: every criterion graded with a comment, an overall grade and
    the learning points. A completed audit is not changed again."""
    check_version(case_audit, expected_version)
    if case_audit.complete:
        raise Refused("This audit is complete: it can no longer be changed")
    form = form_of(case_audit)
    if form is None:
        raise Refused("There is no published audit form")
    problems: dict[str, str] = {}
    for criterion in form.criteria:
        grade, comment = grades.get(criterion.id, (None, ""))
        if grade and Grade.get(grade) is None:
            problems[f"grade_{criterion.id}"] = "Select a grade"
        elif len(comment or "") > TEXT_MAX:
            problems[f"comment_{criterion.id}"] = f"The comment must be {TEXT_MAX} characters or fewer"
        elif complete and not grade:
            problems[f"grade_{criterion.id}"] = f"Grade “{criterion.title}”"
        elif complete and not (comment or "").strip():
            problems[f"comment_{criterion.id}"] = f"Enter a comment on “{criterion.title}”"
    if overall and Grade.get(overall) is None:
        problems["overall_grade"] = "Select the overall grade"
    elif complete and not overall:
        problems["overall_grade"] = "Select the overall grade"
    if len(learning_points) > TEXT_MAX:
        problems["learning_points"] = f"The learning points must be {TEXT_MAX} characters or fewer"
    elif complete and not learning_points.strip():
        problems["learning_points"] = "Enter the learning points"
    if problems:
        raise Refused("The audit is not complete" if complete else "", problems=problems)
    first = case_audit.form_id is None
    case_audit.form_id = form.id
    kept = {g.criterion_id: g for g in case_audit.grades}
    changes: dict[str, Any] = {}
    for criterion in form.criteria:
        grade, comment = grades.get(criterion.id, (None, ""))
        row = kept.get(criterion.id)
        if row is None:
            row = AuditGrade(criterion_id=criterion.id)
            case_audit.grades.append(row)
        value = Grade.get(grade) if grade else None
        if row.grade != value or row.comment != (comment or "").strip():
            changes[f"criterion {criterion.position}"] = {"from": row.grade.value if row.grade else None,
                                                         "to": value.value if value else None}
        row.grade, row.comment = value, (comment or "").strip()
    before = audit.snapshot(case_audit, ("overall_grade", "learning_points", "status"))
    case_audit.overall_grade = Grade.get(overall) if overall else None
    case_audit.learning_points = learning_points.strip()
    case_audit.auditor_id = actor.id
    if complete:
        case_audit.status = AuditStatus.complete
        case_audit.completed_at = utcnow()
    else:
        case_audit.status = AuditStatus.draft
    changes.update(audit.diff(before, audit.snapshot(case_audit, ("overall_grade", "learning_points", "status"))))
    if first:
        changes["form"] = {"from": None, "to": form.number}
    flag_modified(case_audit, "learning_points")  # the grades are the audit's: its version guards them
    audit.record(actor, "case_audit_completed" if complete else "case_audit_saved", case_audit, changes=changes,
                 summary=f"{case_audit.sample.reference}, {case_audit.reference}")
    flush_or_conflict(case_audit)
    if complete:  # the case's lead professional is told, by case reference (no child named)
        lead = db.session.get(User, db.session.scalar(select(Case.lead_id).where(Case.id == case_audit.case_id)))
        notify.notify_users([lead], f"A quality audit of {case_audit.reference} is ready to read",
                            f"/dip-samples/audits/{case_audit.id}")
        db.session.flush()
    return case_audit


def acknowledge(actor: User, case_audit: CaseAudit, response: str, expected_version: int | None) -> None:
    """The case's lead professional has read the audit (with an optional response)."""
    check_version(case_audit, expected_version)
    if not case_audit.complete:
        raise Refused("The audit is not complete yet")
    if case_audit.acknowledged_at is not None:
        raise Refused("You have already acknowledged this audit")
    if len(response) > TEXT_MAX:
        raise Refused(problems={"response": f"The response must be {TEXT_MAX} characters or fewer"})
    case_audit.acknowledged_at = utcnow()
    case_audit.acknowledged_by_id = actor.id
    case_audit.response = response.strip()
    audit.record(actor, "case_audit_acknowledged", case_audit, summary=f"{case_audit.reference}",
                 changes={"response": {"from": None, "to": bool(case_audit.response)}})
    flush_or_conflict(case_audit)


# ----- themes ------------------------------------------------------------------------------------

@dataclass
class CriterionTheme:
    title: str
    form_number: int
    counts: dict[Grade, int] = field(default_factory=lambda: {g: 0 for g in Grade})

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class LeadTheme:
    name: str
    audited: int = 0
    counts: dict[Grade, int] = field(default_factory=lambda: {g: 0 for g in Grade})


@dataclass
class Themes:
    sampled: int
    completed: int
    acknowledged: int
    criteria: list[CriterionTheme]
    leads: list[LeadTheme]
    overall: dict[Grade, int]
    learning: list[tuple[str, str, str]]  # (case reference, lead's name, the learning points)


def sample_audits(sample: DipSample) -> list[CaseAudit]:
    """The sample's audits with what its pages show (one statement per relation)."""
    return list(db.session.scalars(select(CaseAudit).where(CaseAudit.sample_id == sample.id).options(
        selectinload(CaseAudit.lead), selectinload(CaseAudit.stage), selectinload(CaseAudit.auditor),
        selectinload(CaseAudit.grades).selectinload(AuditGrade.criterion).selectinload(AuditCriterion.form))
        .order_by(CaseAudit.case_id)))


def themes(sample: DipSample, audits: list[CaseAudit] | None = None) -> Themes:
    """Across the completed audits of a sample: each criterion's grades, each lead
    professional's overall grades, the overall grades and the learning points."""
    audits = sample_audits(sample) if audits is None else audits
    done = [a for a in audits if a.complete]
    criteria: dict[int, CriterionTheme] = {}
    order: dict[int, tuple[int, int, int]] = {}
    leads: dict[int, LeadTheme] = {}
    overall = {g: 0 for g in Grade}
    for a in done:
        for g in a.grades:
            theme = criteria.get(g.criterion_id)
            if theme is None:
                theme = criteria[g.criterion_id] = CriterionTheme(g.criterion.title, g.criterion.form.number)
                order[g.criterion_id] = (g.criterion.form.number, g.criterion.position, g.criterion_id)
            if g.grade is not None:
                theme.counts[g.grade] += 1
        lead = leads.setdefault(a.lead_id, LeadTheme(a.lead.name))
        lead.audited += 1
        if a.overall_grade is not None:
            lead.counts[a.overall_grade] += 1
            overall[a.overall_grade] += 1
    return Themes(sampled=len(audits), completed=len(done),
                  acknowledged=sum(1 for a in done if a.acknowledged_at is not None),
                  criteria=[criteria[k] for k in sorted(criteria, key=lambda k: order[k])],
                  leads=sorted(leads.values(), key=lambda t: t.name), overall=overall,
                  learning=[(a.reference, a.lead.name, a.learning_points) for a in done if a.learning_points])


def themes_rows(t: Themes) -> list[list[Any]]:
    """The themes as CSV rows: section, name, then the count of each grade and the total."""
    rows: list[list[Any]] = []
    for c in t.criteria:
        rows.append(["Criterion", f"{c.title} (form version {c.form_number})", *[c.counts[g] for g in Grade], c.total])
    for lead in t.leads:
        rows.append(["Lead professional", lead.name, *[lead.counts[g] for g in Grade], lead.audited])
    rows.append(["Overall", "All completed audits", *[t.overall[g] for g in Grade], t.completed])
    for reference, name, points in t.learning:
        rows.append(["Learning points", f"{reference} ({name})", points, "", "", ""])
    return rows


def stratum_labels(sample: DipSample) -> list[dict[str, Any]]:
    """The sample's strata with the lead's and the stage's names."""
    lead_ids = {s["lead_id"] for s in sample.strata}
    stage_ids = {s["stage_id"] for s in sample.strata if s["stage_id"]}
    names: dict[int, str] = {i: n for i, n in db.session.execute(
        select(User.id, User.name).where(User.id.in_(lead_ids)))} if lead_ids else {}
    stages: dict[int, str] = {i: n for i, n in db.session.execute(
        select(Stage.id, Stage.name).where(Stage.id.in_(stage_ids)))} if stage_ids else {}
    return [{**s, "lead": names.get(s["lead_id"], "–"), "stage": stages.get(s["stage_id"], "No stage")}
            for s in sample.strata]
