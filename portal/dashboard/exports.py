"""The attendance picture's tables as CSV: every table of the LA and school dashboards, for a
scope and a period, with the figures exactly as the pages show them (the `*_text` properties
and change methods of `figures`; no sum or rate is worked out here). Cells are made
formula-safe by `portal.csvutil` when written."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from portal.attendance import calc
from portal.attendance.flags import KINDS as FLAG_KINDS
from portal.dashboard import figures


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list]


def _points(value) -> str:
    return "" if value is None else str(value)


def _rates(m: figures.Measures) -> list:
    return [m.pupils, m.attendance_text, m.absence_text, m.authorised_text, m.unauthorised_text, m.pa, m.pa_text,
            m.sa, m.sa_text]


_RATE_HEADER = ["pupils", "attendance", "overall_absence", "authorised_absence", "unauthorised_absence",
                "persistent_absence_pupils", "persistent_absence_rate", "severe_absence_pupils", "severe_absence_rate"]


# headline row -> (figures measure, published national measure)
NATIONAL_OF = {"Overall absence": ("absence", "overall_absence"),
               "Authorised absence": ("authorised", "authorised_absence"),
               "Unauthorised absence": ("unauthorised", "unauthorised_absence"),
               "Persistent absence (missing 10% or more)": ("pa", "persistent_absence"),
               "Severe absence (missing 50% or more)": ("sa", "severe_absence")}


def headline(scope: figures.Scope, period: figures.Period | None, as_of: date, phase: str | None = "all",
             school_phase: str = "") -> Table:
    """The headline measures, last year's and the change; for the absence rates the national
    figure for the phase (`all` for the LA, the school's own phase) and the gap to it, or what
    is missing."""
    from portal.dashboard import governors

    m = figures.headline(scope, period)
    before = figures.comparison(scope, period)
    b = before or figures.Measures()

    def text(prop: str):
        return getattr(b, prop) if before else ""

    amb = calc.ambition()
    rows = [
        ["Pupils with possible sessions", "", m.pupils, text("pupils"), ""],
        ["Overall attendance", m.attendance_text, "", text("attendance_text"), _points(m.attendance_change(before))],
        ["Overall absence", m.absence_text, "", text("absence_text"), _points(m.rate_change(before, "absence"))],
        ["Authorised absence", m.authorised_text, "", text("authorised_text"),
         _points(m.rate_change(before, "authorised"))],
        ["Unauthorised absence", m.unauthorised_text, "", text("unauthorised_text"),
         _points(m.rate_change(before, "unauthorised"))],
        ["Persistent absence (missing 10% or more)", m.pa_text, m.pa, text("pa_text"),
         _points(m.rate_change(before, "pa"))],
        ["Severe absence (missing 50% or more)", m.sa_text, m.sa, text("sa_text"),
         _points(m.rate_change(before, "sa"))],
        [f"At or above the ambition ({amb}%)", m.at_ambition_text, m.at_ambition, text("at_ambition_text"),
         _points(m.rate_change(before, "at_ambition"))],
        ["Crossed the penalty-notice threshold", "", m.crossed, text("crossed"), ""],
    ]
    for row in rows:
        if row[0] not in NATIONAL_OF or period is None:
            row += ["", "", ""]
            continue
        measure, published = NATIONAL_OF[row[0]]
        match = governors.national(published, period, phase)
        if match is None:
            row += ["", "", governors.no_national(period, phase, school_phase)]
        else:
            row += [match.value_text, _points(m.gap_to(measure, match.value)), f"{match.label}: {match.source}"]
    return Table(["measure", "rate", "pupils", "same_period_last_year", "change_points", "national",
                  "gap_to_national_points", "national_source"], rows)


def phase_label(phase) -> str:
    """A school's phase in words (the phase is an enum member, or its value)."""
    return dict(figures.PHASES).get(getattr(phase, "value", phase) or "", "")


def _splits(splits: list[figures.Split], first: str) -> Table:
    return Table([first, *_RATE_HEADER, "change_points"],
                 [[s.label, *_rates(s.measures), _points(s.change)] for s in splits])


def schools(scope, period, as_of) -> Table:
    rows = []
    for s in figures.by_school(scope, period) if period else []:
        school = s.extra["school"]
        rows.append([s.label, school.urn or "", phase_label(s.extra["phase"]), s.extra["ewo"] or "",
                     *_rates(s.measures), s.measures.crossed, _points(s.change)])
    return Table(["school", "urn", "phase", "named_ewo", *_RATE_HEADER, "crossed_threshold", "change_points"], rows)


def phases(scope, period, as_of) -> Table:
    return _splits(figures.by_phase(scope, period) if period else [], "phase")


def year_groups(scope, period, as_of) -> Table:
    return _splits(figures.by_year_group(scope, period) if period else [], "year_group")


def cohorts(scope, period, as_of) -> Table:
    rows = []
    for c in figures.cohorts(scope, period) if period else []:
        without = c.without or figures.Measures()
        rows.append([c.label, c.measures.pupils, c.measures.attendance_text, c.measures.pa_text, without.pupils,
                     without.attendance_text, without.pa_text, _points(c.gap)])
    return Table(["cohort", "pupils", "attendance", "persistent_absence_rate", "pupils_without",
                  "attendance_without", "persistent_absence_rate_without", "gap_points"], rows)


def trend(scope, period, as_of) -> Table:
    t = figures.trend(scope, as_of)
    this_label = t.this_label if t else "this year"
    last_label = (t.last_label if t else None) or "last year"
    header = ["school_week", "week_beginning", f"attendance_{this_label}", "week_beginning_last_year",
              f"attendance_{last_label}"]
    if t is None:
        return Table(header, [])
    rows = []
    for n in range(max(len(t.this_year), len(t.last_year))):
        this = t.this_year[n] if n < len(t.this_year) else None
        last = t.last_year[n] if n < len(t.last_year) else None
        rows.append([n + 1, this.week_start.isoformat() if this else "", this.text if this else "",
                     last.week_start.isoformat() if last else "", last.text if last else ""])
    return Table(header, rows)


def reasons(scope, period, as_of) -> Table:
    return Table(["reason", "codes", "sessions", "share_of_absence", "percent_of_possible_sessions"],
                 [[r.label, " ".join(r.codes), r.sessions, r.share_text, r.rate_text]
                  for r in (figures.reasons(scope, period) if period else [])])


def flags(scope, period, as_of) -> Table:
    counts = figures.flag_counts(scope)
    return Table(["flag", "pupils_this_academic_year"],
                 [[kind.label, counts.get(key, 0)] for key, kind in FLAG_KINDS.items()])


TABLES: dict[str, Callable[[figures.Scope, figures.Period | None, date], Table]] = {
    "headline": headline, "schools": schools, "phases": phases, "year-groups": year_groups, "cohorts": cohorts,
    "trend": trend, "reasons": reasons, "flags": flags,
}
