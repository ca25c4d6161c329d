"""The retention schedule and its run.

What is due, per category (each with its cut-off, a London date; "N years before today"):

- closed cases: closed before the cut-off day. A case goes whole: its chronology, actions,
  shares, children, documents (and their files, once the run is committed), letters, notices
  to improve and their requests, penalty notices, formal steps, the panel agenda items and
  decisions about it, and the referral that opened it. Every row that refers to one of these,
  through a foreign key, goes with it (found from the schema, so a table added later is not
  forgotten and never blocks the run with a foreign-key error).
- register marks: dated before the cut-off, which is the Monday of the week N years ago, so a
  week's marks and the pupil's weekly summary of that week (`pupil_weeks`) go together; the
  amendments of those marks (`mark_changes`) go too. School-level counts (`school_week_codes`,
  no pupil in them) stay, for statistics.
- audit entries: written before the cut-off day. The trail has no hash chain (each entry stands
  alone; the ORM and a trigger forbid changing one): the run deletes with plain SQL, and its
  own audit entry is written after the deletion.
- sweep encounters with no pupil match: seen before the cut-off day (with anything referring
  to them).

A run is one transaction: the deletion, the `retention_runs` row and the audit entry commit
together or not at all.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import Table, delete, func, select
from sqlalchemy import update as sql_update

from portal import access, audit, transaction
from portal.attendance.models import AttendanceMark, MarkChange, PupilWeek
from portal.audit import AuditEvent
from portal.cases import documents
from portal.cases.models import Case, CaseDocument, CaseStatus
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import User
from portal.retention.models import SCHEDULE, RetentionRun, RetentionSettings
from portal.sweeps.models import Encounter
from portal.timeutil import LONDON, today, utcnow

FIELDS = tuple(name for name, *_ in SCHEDULE)
DEFAULTS = {name: default for name, _label, default, _low, _high in SCHEDULE}
BOUNDS = {name: (low, high) for name, _label, _default, low, high in SCHEDULE}
LABELS = {name: label for name, label, *_ in SCHEDULE}
CHUNK = 500  # ids per IN (...) list

# category -> (the schedule field that sets it, what it is in words)
CATEGORIES: dict[str, tuple[str, str]] = {
    "cases": ("case_years", "Closed cases (with their chronology, actions, documents, letters, notices, "
                            "steps and panel decisions)"),
    "marks": ("marks_years", "Register marks (with their weekly summaries and amendments)"),
    "audit": ("audit_years", "Audit entries"),
    "encounters": ("encounter_years", "Sweep encounters with no pupil match"),
}


# ----- the schedule -------------------------------------------------------------------------

def current() -> RetentionSettings | None:
    """The saved schedule, or None while the defaults apply."""
    return db.session.get(RetentionSettings, 1)


def years() -> dict[str, int]:
    row = current()
    return {name: getattr(row, name) for name in FIELDS} if row else dict(DEFAULTS)


def problems_in(values: dict[str, Any]) -> dict[str, str]:
    problems = {}
    for name in FIELDS:
        low, high = BOUNDS[name]
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems[name] = bound_message(name)
    return problems


def bound_message(name: str) -> str:
    low, high = BOUNDS[name]
    if name == "marks_years":
        return (f"Enter a whole number of years from {low} to {high}: "
                f"the regulations keep registers at least {low} years")
    return f"Enter a whole number of years from {low} to {high}"


def update(actor: User, values: dict[str, Any], expected_version: int | None) -> RetentionSettings:
    """Save the schedule (validated, version-checked, audited)."""
    problems = problems_in(values)
    if problems:
        raise Refused("The retention schedule was not saved.", problems)
    row = current()
    if row is None:
        row = RetentionSettings(id=1, **DEFAULTS)
        db.session.add(row)
        db.session.flush()
    else:
        check_version(row, expected_version)
    before = audit.snapshot(row, FIELDS)
    for name in FIELDS:
        setattr(row, name, values[name])
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    changes = audit.diff(before, audit.snapshot(row, FIELDS))
    if changes:
        audit.record(actor, "retention_settings_updated", row, changes=changes, summary="retention schedule")
    flush_or_conflict(row)
    return row


# ----- what is due --------------------------------------------------------------------------

def years_before(day: date, n: int) -> date:
    try:
        return day.replace(year=day.year - n)
    except ValueError:  # 29 February
        return day.replace(year=day.year - n, day=28)


def cutoffs(on: date | None = None) -> dict[str, date]:
    """Per category, the first day that is kept: what is dated before it is due."""
    on = on or today()
    kept = years()
    marks_day = years_before(on, kept["marks_years"])
    return {
        "cases": years_before(on, kept["case_years"]),
        "marks": marks_day - timedelta(days=marks_day.weekday()),  # the Monday: weeks go whole
        "audit": years_before(on, kept["audit_years"]),
        "encounters": years_before(on, kept["encounter_years"]),
    }


def start_of(day: date) -> datetime:
    """Midnight in London at the start of `day`, in UTC (how times are stored)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(timezone.utc)


@dataclass
class Category:
    key: str
    label: str
    years: int
    cutoff: date
    count: int = 0
    oldest: date | None = None
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows that go


@dataclass
class Plan:
    """What a run deletes: per category, the count and oldest date; the rows by table."""
    categories: list[Category]
    case_rows: dict[str, set[int]]
    encounter_rows: dict[str, set[int]]

    @property
    def anything(self) -> bool:
        return any(c.count for c in self.categories)

    def counts(self) -> dict[str, Any]:
        """Per category the count, with the rows by table and the oldest date (what the run's
        record and its audit entry keep)."""
        return {c.key: c.count for c in self.categories} | {
            "rows": {c.key: c.rows for c in self.categories},
            "oldest": {c.key: c.oldest.isoformat() if c.oldest else None for c in self.categories}}

    def cutoff_dates(self) -> dict[str, str]:
        return {c.key: c.cutoff.isoformat() for c in self.categories}


def _day(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value).astimezone(LONDON).date()
    return value


def plan(on: date | None = None) -> Plan:
    """What is due today (nothing is changed)."""
    cut, kept = cutoffs(on), years()
    cats = {key: Category(key, label, kept[setting], cut[key]) for key, (setting, label) in CATEGORIES.items()}

    closed = (Case.status == CaseStatus.closed, Case.closed_at < start_of(cut["cases"]))
    case_ids = set(db.session.scalars(select(Case.id).where(*closed)))
    cats["cases"].count = len(case_ids)
    cats["cases"].oldest = _day(db.session.scalar(select(func.min(Case.closed_at)).where(*closed)))
    referral_ids = {r for r in db.session.scalars(select(Case.referral_id).where(*closed)) if r is not None}
    case_rows = _rows_referring({"cases": case_ids, "referrals": referral_ids})
    cats["cases"].rows = {name: len(ids) for name, ids in sorted(case_rows.items()) if ids}

    monday = cut["marks"]
    cats["marks"].count = db.session.scalar(select(func.count()).select_from(AttendanceMark)
                                            .where(AttendanceMark.date < monday)) or 0
    cats["marks"].oldest = db.session.scalar(select(func.min(AttendanceMark.date)).where(AttendanceMark.date < monday))
    cats["marks"].rows = {
        "attendance_marks": cats["marks"].count,
        "pupil_weeks": db.session.scalar(select(func.count()).select_from(PupilWeek)
                                         .where(PupilWeek.week_start < monday)) or 0,
        "mark_changes": db.session.scalar(select(func.count()).select_from(MarkChange)
                                          .where(MarkChange.date < monday)) or 0,
    }

    old_audit = AuditEvent.at < start_of(cut["audit"])
    cats["audit"].count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(old_audit)) or 0
    cats["audit"].oldest = _day(db.session.scalar(select(func.min(AuditEvent.at)).where(old_audit)))
    cats["audit"].rows = {"audit_events": cats["audit"].count}

    unmatched = (Encounter.pupil_id.is_(None), Encounter.seen_at < start_of(cut["encounters"]))
    encounter_ids = set(db.session.scalars(select(Encounter.id).where(*unmatched)))
    cats["encounters"].count = len(encounter_ids)
    cats["encounters"].oldest = _day(db.session.scalar(select(func.min(Encounter.seen_at)).where(*unmatched)))
    encounter_rows = _rows_referring({"encounters": encounter_ids})
    cats["encounters"].rows = {name: len(ids) for name, ids in sorted(encounter_rows.items()) if ids}

    return Plan(list(cats.values()), case_rows, encounter_rows)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _rows_referring(start: dict[str, set[int]]) -> dict[str, set[int]]:
    """The rows `start` names and every row that refers to one of them, through any foreign key
    of the schema, transitively (table -> ids)."""
    found: dict[str, set[int]] = defaultdict(set)
    todo = [(name, set(ids)) for name, ids in start.items() if ids]
    while todo:
        name, ids = todo.pop()
        ids -= found[name]
        if not ids:
            continue
        found[name] |= ids
        for child in db.metadata.sorted_tables:
            for fk in child.foreign_keys:
                if fk.column.table.name != name:
                    continue
                if "id" not in child.c:  # pragma: no cover - every table that refers to these has an id
                    raise RuntimeError(f"retention cannot follow {child.name}.{fk.parent.name}: no id column")
                more: set[int] = set()
                for chunk in _chunks(ids):
                    more.update(db.session.scalars(select(child.c.id).where(fk.parent.in_(chunk))))
                if more:
                    todo.append((child.name, more))
    return found


# ----- the run ------------------------------------------------------------------------------

def confirming_admin(email: str | None) -> User:
    """The active LA admin an applied run is confirmed by (else refused)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or not user.active or not access.can(user, "manage_retention"):
        raise Refused("Only an active LA admin may confirm a retention run.",
                      {"confirmed_by": "Enter the e-mail address of an active LA admin"})
    return user


def run(actor: User | None, *, apply: bool, notify_admins: bool = False, on: date | None = None) -> RetentionRun:
    """A dry run (records what is due) or an applied one (deletes it), recorded and audited, in
    the caller's transaction. An applied run needs an active LA admin."""
    if apply and (actor is None or not actor.active or not access.can(actor, "manage_retention")):
        raise Refused("Only an active LA admin may confirm a retention run.")
    due = plan(on)
    stored_names: list[str] = []
    if apply:
        stored_names = _delete(due)
    entry = RetentionRun(actor_id=getattr(actor, "id", None), actor_label=audit.label_for(actor)[:300],
                         applied=apply, counts=due.counts(), cutoffs=due.cutoff_dates())
    db.session.add(entry)
    db.session.flush()
    words = ", ".join(f"{c.key} {c.count}" for c in due.categories)
    audit.record(actor, "retention_applied" if apply else "retention_dry_run", entry,
                 changes={"counts": due.counts(), "cutoffs": due.cutoff_dates()},
                 summary=("deleted: " if apply else "due: ") + words)
    if stored_names:
        transaction.after_commit(lambda: documents.delete_stored_files(stored_names))
    if notify_admins and not apply and due.anything:
        admins = db.session.scalars(access.users_who_may("manage_retention"))
        notify.notify_users(list(admins), "Records are due for deletion under the retention schedule", "/retention")
    return entry


def _delete(due: Plan) -> list[str]:
    """Delete what the plan names (plain SQL, in the caller's transaction); the stored names of
    the documents whose files go once it is committed."""
    stored = [name for chunk in _chunks(due.case_rows.get("case_documents", ()))
              for name in db.session.scalars(select(CaseDocument.stored_name).where(CaseDocument.id.in_(chunk)))]
    rows: dict[str, set[int]] = defaultdict(set)
    for part in (due.case_rows, due.encounter_rows):
        for name, ids in part.items():
            rows[name] |= ids
    for table in reversed(db.metadata.sorted_tables):  # who refers first, what they refer to after
        ids = rows.get(table.name, set())
        # a row may refer to another of its own table (a correction to the entry it corrects):
        # those references go first, so the deletion may go chunk by chunk in any order
        own = {fk.parent.name: None for fk in table.foreign_keys if fk.column.table is table}
        for chunk in _chunks(ids) if own else ():
            db.session.execute(sql_update(table).where(table.c.id.in_(chunk)).values(own))
        for chunk in _chunks(ids):
            db.session.execute(delete(table).where(table.c.id.in_(chunk)))
    cut = {c.key: c.cutoff for c in due.categories}
    db.session.execute(delete(_table("mark_changes")).where(_table("mark_changes").c.date < cut["marks"]))
    db.session.execute(delete(_table("pupil_weeks")).where(_table("pupil_weeks").c.week_start < cut["marks"]))
    db.session.execute(delete(_table("attendance_marks")).where(_table("attendance_marks").c.date < cut["marks"]))
    audit_events = _table("audit_events")
    db.session.execute(delete(audit_events).where(audit_events.c.at < start_of(cut["audit"])))
    db.session.expire_all()
    return stored


def recent_runs(limit: int = 10) -> list[RetentionRun]:
    return list(db.session.scalars(select(RetentionRun).order_by(RetentionRun.at.desc(), RetentionRun.id.desc())
                                   .limit(limit)))
