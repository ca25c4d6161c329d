"""National and local reference figures: what the dashboards compare against.

A figure is one measure (overall, authorised, unauthorised, persistent or severe absence, a
percentage) for one period (an academic year or one of its terms), phase and cohort, national
or local, with its source and publication date (`ReferenceFigure`). LA admins keep them
(`add`, `update`, `remove`, and `reference_csv.load`); each change is checked (a `Refused`
names the field) and audited in the caller's transaction.

The dashboards ask `lookup(measure, period=..., academic_year=..., phase=..., cohort=...)`: the
national figure for exactly that period, phase and cohort, from the latest academic year up to
the one asked for. A phase, cohort or period with no figure gives None, never another phase's
or cohort's figure (the page then says there is none). The national figures are read once per
request (memoised in `g`), so a page's lookups cost one query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import g, has_app_context
from sqlalchemy import select

from portal import audit, timeutil
from portal.attendance.models import (
    REFERENCE_KEY,
    ReferenceCohort,
    ReferenceFigure,
    ReferenceKind,
    ReferenceMeasure,
    ReferencePeriod,
    ReferencePhase,
)
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.states import State

FIELDS = (*REFERENCE_KEY, "value", "source", "published_on")
# A school's phase as the organisations name it -> the reference figures' phase
PHASE_ALIASES = {"alternative_provision": ReferencePhase.ap}
_YEAR = re.compile(r"(\d{4})/(\d{2})")


@dataclass(frozen=True)
class Match:
    """The reference figure found for a comparison, with where it comes from."""
    measure: ReferenceMeasure
    value: Decimal
    academic_year: str
    period: ReferencePeriod
    phase: ReferencePhase
    cohort: ReferenceCohort
    source: str
    published_on: date

    @property
    def label(self) -> str:
        """"National, autumn term 2024/25" or "National, academic year 2024/25"."""
        return f"National, {self.period.label.lower()} {self.academic_year}"

    @property
    def value_text(self) -> str:
        return percent_text(self.value)


def percent_text(value: Decimal) -> str:
    """6.90 -> "6.9%", 6.25 -> "6.25%": as published, to one decimal place unless it has two."""
    value = Decimal(value)
    return f"{value:.1f}%" if value == value.quantize(Decimal("0.1")) else f"{value:.2f}%"


def _as(state: type[State], value) -> State | None:
    if isinstance(value, str) and state is ReferencePhase and value in PHASE_ALIASES:
        return PHASE_ALIASES[value]
    return state.get(value)


def _national() -> dict[tuple, list[ReferenceFigure]]:
    """Every national figure by (measure, period, phase, cohort), newest academic year first:
    one query per request."""
    cached = g.get("_reference_national") if has_app_context() else None
    if cached is None:
        cached = {}
        rows = db.session.scalars(select(ReferenceFigure).where(ReferenceFigure.kind == ReferenceKind.national)
                                  .order_by(ReferenceFigure.academic_year.desc()))
        for row in rows:
            cached.setdefault((row.measure, row.period, row.phase, row.cohort), []).append(row)
        if has_app_context():
            g._reference_national = cached
    return cached


def forget() -> None:
    """Drop the memoised figures (after a change)."""
    if has_app_context():
        g.pop("_reference_national", None)


def lookup(measure, *, period, academic_year: str, phase="all", cohort="all") -> Match | None:
    """The national figure of `measure` for exactly this period ("year", "autumn", "spring",
    "summer"), phase and cohort, from the latest academic year up to `academic_year`; None when
    there is none (or a phase, cohort or period the figures do not know)."""
    measure_, period_ = ReferenceMeasure.get(measure), ReferencePeriod.get(period)
    phase_, cohort_ = _as(ReferencePhase, phase), ReferenceCohort.get(cohort)
    if measure_ is None:
        raise ValueError(f"unknown measure {measure!r}")
    if period_ is None or phase_ is None or cohort_ is None:
        return None
    for row in _national().get((measure_, period_, phase_, cohort_), ()):
        if row.academic_year <= academic_year:
            return Match(measure=row.measure, value=row.value, academic_year=row.academic_year, period=row.period,
                         phase=row.phase, cohort=row.cohort, source=row.source, published_on=row.published_on)
    return None


# ----- checking and changing figures ----------------------------------------------------------

def year_problem(year: str) -> str | None:
    match = _YEAR.fullmatch(year or "")
    if match is None or (int(match[1]) + 1) % 100 != int(match[2]):
        return "Enter the academic year like 2024/25"
    return None


def parse_value(raw) -> Decimal | str:
    """A percentage from 0 to 100 with at most 2 decimal places, or what is wrong with it."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw or "").strip().removesuffix("%").strip()
        if not text:
            return "Enter the figure, a percentage like 6.9"
        try:
            value = Decimal(text)
        except InvalidOperation:
            return "The figure must be a number, like 6.9"
    if not value.is_finite() or not 0 <= value <= 100:
        return "The figure must be a percentage from 0 to 100"
    if value != value.quantize(Decimal("0.01")):
        return "The figure can have at most 2 decimal places"
    return value.quantize(Decimal("0.01"))


_CHOICES: dict[str, type[State]] = {"kind": ReferenceKind, "period": ReferencePeriod, "phase": ReferencePhase,
                                    "cohort": ReferenceCohort, "measure": ReferenceMeasure}


def describe(values) -> str:
    """A figure's key in words: "National overall absence, autumn term 2024/25, all schools, all pupils"."""
    def get(name: str) -> str:
        return str(values[name] if isinstance(values, dict) else getattr(values, name))

    kind, period, phase = ReferenceKind(get("kind")), ReferencePeriod(get("period")), ReferencePhase(get("phase"))
    cohort, measure = ReferenceCohort(get("cohort")), ReferenceMeasure(get("measure"))
    return (f"{kind.label} {measure.label.lower()}, {period.label.lower()} {get('academic_year')}, "
            f"{phase.label.lower()}, {cohort.label[0].lower()}{cohort.label[1:]}")


def check(values: dict, figure_id: int | None = None, *, held: dict | None = None) -> tuple[dict, dict[str, str]]:
    """The values made good ({field: value}) and what is wrong ({field: message}). A key held
    already (by another figure) is a problem on `measure`; `held` ({key: id}) saves a query a
    row when many are checked."""
    good: dict = {}
    problems: dict[str, str] = {}
    for name, state in _CHOICES.items():
        raw = values.get(name)
        member = state.get(raw.strip() if isinstance(raw, str) else raw)
        if member is None:
            allowed = ", ".join(m.value for m in state)
            problems[name] = f"Select the {name}" if not raw else f"The {name} must be one of {allowed}"
        else:
            good[name] = member
    year = (values.get("academic_year") or "").strip()
    problem = year_problem(year)
    if problem:
        problems["academic_year"] = problem
    good["academic_year"] = year
    value = parse_value(values.get("value"))
    if isinstance(value, str):
        problems["value"] = value
    else:
        good["value"] = value
    source = (values.get("source") or "").strip()
    if not source:
        problems["source"] = "Enter the source, like the publication's name"
    elif len(source) > 300:
        problems["source"] = "The source must be 300 characters or fewer"
    good["source"] = source
    published = values.get("published_on")
    if not isinstance(published, date):
        problems.setdefault("published_on", "Enter the date the figure was published")
    elif published > timeutil.today():
        problems["published_on"] = "The publication date must be today or in the past"
    else:
        good["published_on"] = published
    if not problems:
        key = tuple(good[k] for k in REFERENCE_KEY)
        if held is not None:
            other = held.get(key)
        else:
            other = db.session.scalar(select(ReferenceFigure.id).where(
                *(getattr(ReferenceFigure, k) == good[k] for k in REFERENCE_KEY)))
        if other is not None and other != figure_id:
            problems["measure"] = f"There is already a figure for this: {describe(good)}. Change that one instead"
    return good, problems


def _snapshot(figure: ReferenceFigure) -> dict:
    shot = audit.snapshot(figure, FIELDS)
    shot["value"] = None if figure.value is None else f"{Decimal(figure.value):.2f}"
    return shot


def add(actor, values: dict, *, actor_label: str | None = None) -> ReferenceFigure:
    good, problems = check(values)
    if problems:
        raise Refused("The figure was not saved.", problems)
    figure = ReferenceFigure(**good)
    db.session.add(figure)
    db.session.flush()
    audit.record(actor, "reference_figure_added", figure, summary=describe(figure), actor_label=actor_label,
                 changes={k: {"from": None, "to": v} for k, v in _snapshot(figure).items()})
    forget()
    return figure


def update(actor, figure: ReferenceFigure, expected_version: int | None, values: dict,
           *, actor_label: str | None = None) -> ReferenceFigure:
    check_version(figure, expected_version)
    good, problems = check(values, figure.id)
    if problems:
        raise Refused("The figure was not saved.", problems)
    before = _snapshot(figure)
    for field, value in good.items():
        setattr(figure, field, value)
    changes = audit.diff(before, _snapshot(figure))
    if changes:
        audit.record(actor, "reference_figure_updated", figure, summary=describe(figure), changes=changes,
                     actor_label=actor_label)
        flush_or_conflict(figure)
    forget()
    return figure


def remove(actor, figure: ReferenceFigure) -> None:
    audit.record(actor, "reference_figure_removed", figure, summary=describe(figure),
                 changes={k: {"from": v, "to": None} for k, v in _snapshot(figure).items()})
    db.session.delete(figure)
    db.session.flush()
    forget()


def figures(*, academic_year: str | None = None, period=None, measure=None) -> list[ReferenceFigure]:
    """The figures held, filtered, newest year first, then in the order of the vocabularies."""
    stmt = select(ReferenceFigure)
    if academic_year:
        stmt = stmt.where(ReferenceFigure.academic_year == academic_year)
    if period is not None:
        stmt = stmt.where(ReferenceFigure.period == period)
    if measure is not None:
        stmt = stmt.where(ReferenceFigure.measure == measure)
    rows = list(db.session.scalars(stmt))
    order = {state: {m: i for i, m in enumerate(state)} for state in _CHOICES.values()}

    def key(f: ReferenceFigure):
        return (f.kind != ReferenceKind.national, _neg_year(f.academic_year), order[ReferencePeriod][f.period],
                order[ReferencePhase][f.phase], order[ReferenceCohort][f.cohort], order[ReferenceMeasure][f.measure])

    return sorted(rows, key=key)


def _neg_year(year: str) -> int:
    return -int(year[:4]) if year[:4].isdigit() else 0


def years_held() -> list[str]:
    return sorted(set(db.session.scalars(select(ReferenceFigure.academic_year).distinct())), reverse=True)
