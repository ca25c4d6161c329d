"""The governors' summary (issue 13, "School dashboard"): one printable page, and a PDF, of a
school's attendance for its local governing body. Figures only, never a pupil: the school's
headline against the LA average, the national figure for its phase and the ambition; its
cohorts with their gaps, its year groups, the reasons for absence and the weekly trend in
words. Small groups are not shown: a group of fewer than 5 pupils reads "fewer than 5" and
its rates are withheld (`portal.disclosure`), so no figure identifies a child.

Every figure comes from `figures` (its `*_text` properties and gap methods)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html import escape

from portal import disclosure
from portal.attendance import calc
from portal.dashboard import figures
from portal.orgs.models import Organisation
from portal.timeutil import LONDON, as_utc

WITHHELD = "not shown"
SMALL_NOTE = (f"Groups of {disclosure.FEWER_THAN} pupils are shown as \u201c{disclosure.FEWER_THAN}\u201d "
              "and their rates are not shown, so that no figure identifies a child.")

# a school's phase -> the phase of published national figures (none for all-through schools)
NATIONAL_PHASE = {"primary": "primary", "secondary": "secondary", "special": "special",
                  "alternative_provision": "ap"}
NATIONAL_PHASE_WORDS = {"all": "all schools", "primary": "primary schools", "secondary": "secondary schools",
                        "special": "special schools", "ap": "alternative provision"}

# (label, figures measure, national measure, Measures text property)
HEADLINE = (
    ("Overall absence", "absence", "overall_absence", "absence_text"),
    ("Authorised absence", "authorised", "authorised_absence", "authorised_text"),
    ("Unauthorised absence", "unauthorised", "unauthorised_absence", "unauthorised_text"),
    ("Persistent absence (pupils missing 10% or more)", "pa", "persistent_absence", "pa_text"),
    ("Severe absence (pupils missing 50% or more)", "sa", "severe_absence", "sa_text"),
)


def _points(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return f"{value:+} points" if value else "0.0 points"


def _signed(value: Decimal | None) -> str:
    """Points without the word (in a table whose header says "points")."""
    if value is None:
        return "–"
    return f"{value:+}" if value else "0.0"


def national(measure: str, period: figures.Period, phase: str | None):
    """The published national figure (a `reference.Match`) for the period's own published
    period and this phase, or None when none is held (never another phase's or period's)."""
    from portal.attendance import reference

    if phase is None or period.reference_period is None:
        return None
    return reference.lookup(measure, period=period.reference_period, academic_year=period.academic_year,
                            phase=phase)


@dataclass
class Row:
    label: str
    school: str
    la: str
    national: str          # the national figure, or what is missing ("No national figure for ...")
    national_gap: str      # the school against it, in points
    change: str            # the school against the same period last year


@dataclass
class Group:
    """A cohort or year group, after the small-numbers rule."""
    label: str
    pupils: int | str
    attendance: str
    persistent: str
    without: str = ""
    gap: str = ""


@dataclass
class Summary:
    school: Organisation
    phase: str
    period: figures.Period | None
    produced: datetime
    ambition: int
    attendance: str = "–"
    la_attendance: str = "–"
    ambition_gap: str = "–"
    at_ambition: str = "–"
    change: str = "–"
    pupils: int | str = 0
    rows: list[Row] = field(default_factory=list)
    national_note: str = ""
    national_source: str = ""
    cohorts: list[Group] = field(default_factory=list)
    years: list[Group] = field(default_factory=list)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    trend: list[str] = field(default_factory=list)
    until: date | None = None   # the period's last day counted so far

    @property
    def title(self) -> str:
        return f"Governors\u2019 attendance summary: {self.school.name}"

    @property
    def filename(self) -> str:
        key = self.period.key.replace("/", "-").replace(" ", "-") if self.period else "no-period"
        return f"governors-summary-{self.school.urn or self.school.id}-{key}.pdf"


def _small(n: int) -> bool:
    return n < disclosure.THRESHOLD


def _group(label: str, m: figures.Measures, without: figures.Measures | None = None,
           gap: Decimal | None = None) -> Group:
    pupils = disclosure.count(m.pupils, exact=False)
    shown = not _small(m.pupils)
    group = Group(label, pupils, m.attendance_text if shown else WITHHELD, m.pa_text if shown else WITHHELD)
    if without is not None:  # with a small cohort, the rest's rate would give the cohort's away
        without_shown = shown and not _small(without.pupils)
        group.without = without.attendance_text if without_shown else WITHHELD
        group.gap = _signed(gap) if without_shown else WITHHELD
    return group


def no_national(period: figures.Period, phase: str | None, school_phase: str) -> str:
    when = period.reference_period
    when_words = ("the academic year" if when == "year" else f"the {when} term") if when else period.label
    where = (NATIONAL_PHASE_WORDS.get(phase or "")
             or f"{dict(figures.PHASES).get(school_phase, 'this phase').lower()} schools")
    return f"No national figure for {when_words}, {where}"


def build(school: Organisation, period: figures.Period | None, as_of: date, produced: datetime) -> Summary:
    phase_value = getattr(school.phase, "value", school.phase) or ""
    summary = Summary(school, dict(figures.PHASES).get(phase_value, ""), period, produced, calc.ambition())
    if period is None:
        return summary
    summary.until = until = min(period.end, as_of)
    scope = figures.Scope.school(school.id)
    m = figures.headline(scope, period)
    la = figures.headline(figures.Scope.la(), period)
    before = figures.comparison(scope, period)
    summary.pupils = m.pupils if not _small(m.pupils) else disclosure.FEWER_THAN
    summary.attendance, summary.la_attendance = m.attendance_text, la.attendance_text
    summary.ambition_gap = _points(m.gap_to("attendance", Decimal(summary.ambition)))
    summary.at_ambition = m.at_ambition_text
    summary.change = _points(m.attendance_change(before))
    national_phase = NATIONAL_PHASE.get(phase_value)
    missing = []
    sources = set()
    for label, measure, national_measure, prop in HEADLINE:
        match = national(national_measure, period, national_phase)
        if match is None:
            shown, gap = "–", "–"
            missing.append(label.split(" (")[0].lower())
        else:
            shown, gap = match.value_text, _points(m.gap_to(measure, match.value))
            sources.add(f"{match.label}: {match.source}")
        summary.rows.append(Row(label, getattr(m, prop), getattr(la, prop), shown, gap,
                                _points(m.rate_change(before, measure))))
    if missing:
        summary.national_note = no_national(period, national_phase, phase_value) + (
            "." if len(missing) == len(HEADLINE) else f" ({', '.join(missing)}).")
    summary.national_source = "; ".join(sorted(sources))
    summary.cohorts = [_group(c.label, c.measures, c.without or figures.Measures(), c.gap)
                       for c in figures.cohorts(scope, period)]
    summary.years = [_group(s.label, s.measures) for s in figures.by_year_group(scope, period)]
    summary.reasons = [(r.label, r.share_text) for r in figures.reasons(scope, period)]
    summary.trend = _trend(scope, until)   # the period's own academic year
    return summary


def _long(day: date) -> str:
    return day.strftime("%-d %B %Y")


def _trend(scope: figures.Scope, as_of: date) -> list[str]:
    t = figures.trend(scope, as_of)
    if t is None or not t.this_year:
        return ["No school weeks with marks in this academic year."]
    latest = t.this_year[-1]
    n = len(t.this_year)
    lines = [f"{n} school week{'s' if n != 1 else ''} with marks in {t.this_label}.",
             f"Latest school week (beginning {_long(latest.week_start)}): {latest.text}."]
    if len(t.last_year) >= n:
        same = t.last_year[n - 1]
        lines.append(f"The same school week last year (beginning {_long(same.week_start)}): {same.text}.")
    elif t.last_label:
        lines.append(f"No marks for the same school week of {t.last_label}.")
    if n > 1:
        low = min(t.this_year, key=lambda w: (w.percent or 0.0))
        high = max(t.this_year, key=lambda w: (w.percent or 0.0))
        lines.append(f"Lowest week: beginning {_long(low.week_start)}, {low.text}; highest week: beginning "
                     f"{_long(high.week_start)}, {high.text}.")
    return lines


def render_pdf(summary: Summary) -> bytes:
    """The summary as an A4 PDF (reportlab)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontSize=9, leading=11.5, spaceAfter=2)
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9, spaceAfter=1)
    cell = styles["BodyText"].clone("cell", fontSize=7.5, leading=8.8)
    heading = styles["Heading3"].clone("heading", fontSize=10.5, leading=13, spaceBefore=5, spaceAfter=2)
    title = styles["Title"].clone("title", fontSize=15, leading=18, spaceAfter=4)
    story: list = []

    def para(value: str, style=body):
        story.append(Paragraph(escape(value), style))

    def table(header: list[str], rows: list[list], widths: list[float], add: bool = True):
        cells = [[Paragraph(f"<b>{escape(str(h))}</b>", cell) for h in header]]
        cells += [[Paragraph(escape(str(v)), cell) for v in row] for row in rows]
        t = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        if add:
            story.append(t)
        return t

    story.append(Paragraph(escape(summary.title), title))
    if summary.period is None:
        para("The local authority has not entered any terms yet, so there are no figures.")
    else:
        period = summary.period
        para(f"{period.label} ({_long(period.first_day or period.start)} to {_long(summary.until or period.end)}). "
             f"{summary.phase} school. Pupils with possible sessions: {summary.pupils}.")
        para(f"Attendance {summary.attendance} (local authority {summary.la_attendance}); against the "
             f"{summary.ambition}% ambition: {summary.ambition_gap}; pupils at or above it: {summary.at_ambition}; "
             f"against the same period last year: {summary.change}.")
        story.append(Paragraph("Absence against the local authority and national figures", heading))
        table(["Measure", "School", "Local authority", "National", "School against national",
               "Change on last year"],
              [[r.label, r.school, r.la, r.national, r.national_gap, r.change] for r in summary.rows],
              [56, 20, 24, 20, 27, 27])
        if summary.national_note:
            para(summary.national_note, small)
        if summary.national_source:
            para(f"National figures: {summary.national_source}.", small)
        story.append(Paragraph("Cohorts", heading))
        table(["Cohort", "Pupils", "Attendance", "Persistent absence", "Pupils without: attendance",
               "Gap (points)"],
              [[g.label, g.pupils, g.attendance, g.persistent, g.without, g.gap] for g in summary.cohorts],
              [60, 18, 20, 24, 30, 22])
        years = table(["Year group", "Pupils", "Attendance", "Persistent absence"],
                      [[g.label, g.pupils, g.attendance, g.persistent] for g in summary.years], [18, 14, 22, 22],
                      add=False)
        reasons = table(["Reason for absence", "Share of all absence"], [list(r) for r in summary.reasons],
                        [72, 22], add=False)
        side = Table([[Paragraph("Year groups", heading), "", Paragraph("Reasons for absence", heading)],
                      [years, "", reasons]], colWidths=[76 * mm, 4 * mm, 94 * mm])
        side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(side)
        para(SMALL_NOTE, small)
        story.append(Paragraph("Weekly trend", heading))
        para(" ".join(summary.trend))
    story.append(Spacer(1, 3 * mm))
    para("No pupil is named in this summary.", small)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        produced = as_utc(summary.produced).astimezone(LONDON)
        canvas.drawString(20 * mm, 10 * mm, f"Produced {produced:%-d %b %Y %H:%M}")
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=summary.title, author="Attendance Partnership Portal",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
