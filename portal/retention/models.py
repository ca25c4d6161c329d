"""The LA's retention schedule (one row) and the record of every retention run."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.timeutil import utcnow

# (field, label, default, minimum, maximum): years each kind of record is kept.
SCHEDULE: tuple[tuple[str, str, int, int, int], ...] = (
    ("case_years", "Closed cases and their documents", 6, 1, 25),
    ("marks_years", "Register marks", 6, 6, 25),  # the regulations: at least 6 years
    ("audit_years", "Audit entries", 7, 6, 25),
    ("encounter_years", "Sweep encounters with no pupil match", 1, 1, 6),
)


class RetentionSettings(Model):
    """The retention schedule (one row, id 1; absent: the defaults of SCHEDULE)."""
    __tablename__ = "retention_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_years: Mapped[int] = mapped_column(SmallInteger)
    marks_years: Mapped[int] = mapped_column(SmallInteger)
    audit_years: Mapped[int] = mapped_column(SmallInteger)
    encounter_years: Mapped[int] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        *(CheckConstraint(f"{name} BETWEEN {low} AND {high}", name=name)
          for name, _label, _default, low, high in SCHEDULE),
    )
    __mapper_args__ = {"version_id_col": version}


class RetentionRun(Model):
    """One run of the retention job: a dry run (what was due) or an applied one (what went)."""
    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(300), default="system")
    applied: Mapped[bool] = mapped_column(default=False)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)    # category -> rows due (dry) or deleted
    cutoffs: Mapped[dict[str, Any]] = mapped_column(JSON)   # category -> the cut-off date (ISO)
