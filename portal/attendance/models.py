"""Register codes, session marks, per-pupil weekly summaries, terms and import jobs."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.states import State, state_type
from portal.timeutil import utcnow


class RegisterCode(Model):
    __tablename__ = "register_codes"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    meaning: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))


class AttendanceMark(Model):
    """One session's mark. Kept narrow (no surrogate key): there are millions."""
    __tablename__ = "attendance_marks"

    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    session: Mapped[str] = mapped_column(String(2), primary_key=True)  # AM / PM
    code: Mapped[str] = mapped_column(ForeignKey("register_codes.code"))

    __table_args__ = {"sqlite_with_rowid": False}


class PupilWeek(Model):
    """A pupil's attendance in one week (Monday-start), kept by the import so pages never
    scan raw marks. `attended` = present + approved activity; `possible` excludes the
    not-possible codes; `open_sessions` counts sessions the school was open (not '#')."""
    __tablename__ = "pupil_weeks"

    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    possible: Mapped[int] = mapped_column(SmallInteger, default=0)
    attended: Mapped[int] = mapped_column(SmallInteger, default=0)
    approved: Mapped[int] = mapped_column(SmallInteger, default=0)
    authorised: Mapped[int] = mapped_column(SmallInteger, default=0)
    unauthorised: Mapped[int] = mapped_column(SmallInteger, default=0)
    late: Mapped[int] = mapped_column(SmallInteger, default=0)  # L or U
    open_sessions: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_date: Mapped[date] = mapped_column(Date)

    __table_args__ = {"sqlite_with_rowid": False}


class MarkChange(Model):
    """An amended mark (a later import replaced it): the original and the amended entry, the
    reason, when, and the name and position of who made it (kept with the register)."""
    __tablename__ = "mark_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    session: Mapped[str] = mapped_column(String(2))
    old_code: Mapped[str] = mapped_column(String(2))
    new_code: Mapped[str] = mapped_column(String(2))
    import_job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The regulations: the reason, and the name and position of who amended it, as they were then.
    reason: Mapped[str | None] = mapped_column(String(300))
    changed_by_name: Mapped[str | None] = mapped_column(String(120))
    changed_by_position: Mapped[str | None] = mapped_column(String(200))


class Term(Model):
    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9))  # 2026/27
    name: Mapped[str] = mapped_column(String(20))  # Autumn, Spring, Summer
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    half_term_start: Mapped[date | None] = mapped_column(Date)
    half_term_end: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class BankHoliday(Model):
    """England's bank holidays (seeded; `flask --app portal calendar bank-holidays` adds years)."""
    __tablename__ = "bank_holidays"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class ClosureKind(State):
    inset = "inset"        # staff training day
    closure = "closure"    # any other planned or emergency closure of the whole school


class SchoolClosure(Model):
    """A day one school was closed although the LA's terms say open (INSET, polling day, a
    closure): not a school day for that school's pupils."""
    __tablename__ = "school_closures"
    __table_args__ = (UniqueConstraint("school_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[ClosureKind] = mapped_column(state_type(ClosureKind, "kind"), default=ClosureKind.inset)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


FLAG_KINDS = ("unauthorised_10_weeks", "unauthorised_10_days", "absent_20_days", "illness_15_days",
              "falling_attendance")  # the meanings are in portal.attendance.flags


class ThresholdCrossing(Model):
    """One crossing of the penalty-notice threshold: a rolling window of 10 school weeks in
    which a pupil reached 10 unauthorised sessions after the window a school week earlier had
    not (portal.attendance.flags defines the episode). Kept as history: a later window that
    drops below the threshold does not remove it."""
    __tablename__ = "threshold_crossings"
    __table_args__ = (UniqueConstraint("pupil_id", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    window_start: Mapped[date] = mapped_column(Date)   # Monday of the window's first school week
    window_end: Mapped[date] = mapped_column(Date)     # last school day of its last week (so far)
    unauthorised: Mapped[int] = mapped_column(SmallInteger)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PupilFlag(Model):
    """A statutory or practice flag that applies to a pupil this academic year, with the dates
    it refers to and its figure (sessions, days or tenths of a percentage point: see
    portal.attendance.flags). Rebuilt for a pupil whenever their marks change and daily for
    everyone, so lists filter on it in SQL."""
    __tablename__ = "pupil_flags"
    __table_args__ = (
        UniqueConstraint("pupil_id", "flag", "from_date"),
        CheckConstraint("flag IN (" + ", ".join(f"'{k}'" for k in FLAG_KINDS) + ")", name="flag"),
        Index("ix_pupil_flags_flag_pupil_id", "flag", "pupil_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    flag: Mapped[str] = mapped_column(String(24))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    figure: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(200), default="")
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportStatus(State):
    """queued -> running -> done | failed"""
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ImportJob(Model):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # marks / pupils
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Where the file came from: the uploader's client address, or "command line (user@host)";
    # the import's audit entries carry it, also when a worker runs the job.
    uploaded_from: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ImportStatus] = mapped_column(state_type(ImportStatus), default=ImportStatus.queued)
    phase: Mapped[str] = mapped_column(String(40), default="Waiting to start")
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)  # percent
    rows: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any] | None] = mapped_column(JSON)  # the first 100: [row, field, message]
    # what was accepted but should be checked (a UPN with an unknown LA number): [row, field, message]
    warnings: Mapped[list[Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(500), default="")
    # Why the file's changes to existing marks were made (an amendment needs one)
    reason: Mapped[str | None] = mapped_column(String(300))
    # A marks import merges its staged file in chunks of pupils, one commit each
    # (`imports.py`): how many chunks there are and how many are merged. NULL until the merge
    # starts; a job left running with chunks_merged set is rolled forward from its staging.
    chunks_total: Mapped[int | None] = mapped_column(Integer)
    chunks_merged: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who runs it ("host:pid") and when it last showed progress: a job whose worker went away
    # is marked failed by `recovery` (issue 16).
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    school = relationship("Organisation")
    uploaded_by = relationship("User")

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.done, ImportStatus.failed)


class LocalSettings(Model):
    """The LA's local defaults (one row, id 1; absent: the national defaults). Only what is
    local: the PA and SA edges are DfE definitions and stay in code (calc.py)."""
    __tablename__ = "local_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ambition_percent: Mapped[int] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (CheckConstraint("ambition_percent BETWEEN 91 AND 100", name="ck_local_settings_ambition"),
                      CheckConstraint("id = 1", name="ck_local_settings_one_row"))
    __mapper_args__ = {"version_id_col": version}


# ----- the attendance picture's aggregates (aggregates.py builds them; dashboard/figures.py reads them)

class ReportPeriod(Model):
    """A period the dashboards offer: an academic year, a term, a half-term (from the LA's
    terms), or a rolling period as of the last refresh (`as_of`). Weeks from `first_week`
    (a Monday) to `last_day` count, as the pupil page counts a term's weeks."""
    __tablename__ = "report_periods"
    __table_args__ = (CheckConstraint("kind IN ('year', 'term', 'half_term', 'rolling')", name="kind"),)

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    academic_year: Mapped[str] = mapped_column(String(9))
    term: Mapped[str | None] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(80))
    first_week: Mapped[date] = mapped_column(Date)
    first_day: Mapped[date] = mapped_column(Date)  # the day it starts (a term's first day), for people
    last_day: Mapped[date] = mapped_column(Date)
    as_of: Mapped[date | None] = mapped_column(Date)


class PupilPeriod(Model):
    """A pupil's totals over a report period (sums of their weekly summaries)."""
    __tablename__ = "pupil_periods"

    period_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), primary_key=True, index=True)
    possible: Mapped[int] = mapped_column(Integer)
    attended: Mapped[int] = mapped_column(Integer)
    authorised: Mapped[int] = mapped_column(Integer)
    unauthorised: Mapped[int] = mapped_column(Integer)


class SchoolWeekCode(Model):
    """How many sessions of a school's pupils (by their current school) carried a code in a week."""
    __tablename__ = "school_week_codes"
    __table_args__ = (Index("ix_school_week_codes_week_start", "week_start"),)

    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer)


class PeriodCell(Model):
    """Pupils' period totals added up by school, year group and combination of cohort flags
    (`cohorts`: bit i set when the pupil has the i-th flag of `pupils.models.FLAG_NAMES`)."""
    __tablename__ = "period_cells"

    period_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    nc_year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    cohorts: Mapped[int] = mapped_column(Integer, primary_key=True)
    pupils: Mapped[int] = mapped_column(Integer)
    possible: Mapped[int] = mapped_column(Integer)
    attended: Mapped[int] = mapped_column(Integer)
    authorised: Mapped[int] = mapped_column(Integer)
    unauthorised: Mapped[int] = mapped_column(Integer)
    pa: Mapped[int] = mapped_column(Integer)
    sa: Mapped[int] = mapped_column(Integer)
    at_ambition: Mapped[int] = mapped_column(Integer)


# ----- national and local reference figures ---------------------------------------------------

class ReferenceKind(State):
    national = "national", "National"
    local = "local", "Local"


class ReferencePeriod(State):
    """A whole academic year or one of its terms (the DfE publishes both)."""
    year = "year", "Academic year"
    autumn = "autumn", "Autumn term"
    spring = "spring", "Spring term"
    summer = "summer", "Summer term"


class ReferencePhase(State):
    all = "all", "All schools"
    primary = "primary", "Primary"
    secondary = "secondary", "Secondary"
    special = "special", "Special"
    ap = "ap", "Alternative provision"


class ReferenceCohort(State):
    """The pupils a figure is about: all of them, or a cohort (named as the pupil's flag is) or
    the pupils outside it, as the DfE publishes its comparisons."""
    all = "all", "All pupils"
    fsm = "fsm", "Eligible for free school meals"
    not_fsm = "not_fsm", "Not eligible for free school meals"
    ehc_plan = "ehc_plan", "EHC plan"
    sen_support = "sen_support", "SEN support"
    no_sen = "no_sen", "No identified SEN"
    looked_after = "looked_after", "Looked after"
    social_worker = "social_worker", "With a social worker"
    eal = "eal", "English as an additional language"
    not_eal = "not_eal", "English as a first language"
    alternative_provision = "alternative_provision", "In alternative provision"


class ReferenceMeasure(State):
    overall_absence = "overall_absence", "Overall absence"
    authorised_absence = "authorised_absence", "Authorised absence"
    unauthorised_absence = "unauthorised_absence", "Unauthorised absence"
    persistent_absence = "persistent_absence", "Persistent absence"
    severe_absence = "severe_absence", "Severe absence"


REFERENCE_KEY = ("kind", "academic_year", "period", "phase", "cohort", "measure")


class ReferenceFigure(Model):
    """A published (national) or local figure to compare against: one measure, as a percentage,
    for one period, phase and cohort, with its source and publication date. A new release adds
    figures for its period; it replaces nothing."""
    __tablename__ = "reference_figures"
    __table_args__ = (
        UniqueConstraint(*REFERENCE_KEY, name="uq_reference_figures_key"),
        CheckConstraint("value >= 0 AND value <= 100", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReferenceKind] = mapped_column(state_type(ReferenceKind, "kind"), default=ReferenceKind.national)
    academic_year: Mapped[str] = mapped_column(String(7))  # 2024/25
    period: Mapped[ReferencePeriod] = mapped_column(state_type(ReferencePeriod, "period"))
    phase: Mapped[ReferencePhase] = mapped_column(state_type(ReferencePhase, "phase"), default=ReferencePhase.all)
    cohort: Mapped[ReferenceCohort] = mapped_column(state_type(ReferenceCohort, "cohort", 24),
                                                    default=ReferenceCohort.all)
    measure: Mapped[ReferenceMeasure] = mapped_column(state_type(ReferenceMeasure, "measure", 24))
    value: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # a percentage
    source: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
