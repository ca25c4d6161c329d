"""What the LA and school dashboards show around the figures: the headline rows with their
comparisons (the same period last year, national, the ambition, the LA), the national figure
for a phase or cohort (or why there is none), the drill-down and CSV links, and sorting of the
school split. Every measure comes from `figures`; this module only words and links them."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import quote_plus

from flask import request, url_for
from markupsafe import Markup, escape

from portal.attendance import calc, reference
from portal.attendance import flags as flag_rules
from portal.dashboard import figures

# headline measure -> (label, the Measures text property, drill measure, national measure)
HEADLINE: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("attendance", "Attendance", "attendance_text", "all", "overall_absence"),
    ("absence", "Overall absence", "absence_text", "all", "overall_absence"),
    ("authorised", "Authorised absence", "authorised_text", "all", "authorised_absence"),
    ("unauthorised", "Unauthorised absence", "unauthorised_text", "all", "unauthorised_absence"),
    ("pa", "Persistent absence (pupils missing 10% or more)", "pa_text", "pa", "persistent_absence"),
    ("sa", "Severe absence (pupils missing 50% or more)", "sa_text", "sa", "severe_absence"),
    ("at_ambition", "Pupils at or above the ambition", "at_ambition_text", "at_ambition", None),
)
HIGHER_IS_BETTER = {"attendance", "at_ambition"}
PUPIL_COUNTS = {"pa": "pa", "sa": "sa", "at_ambition": "at_ambition"}

# the school's phase -> the phase of published figures ("all_through" has none)
REFERENCE_PHASES = {"primary": "primary", "secondary": "secondary", "special": "special",
                    "alternative_provision": "ap"}


# ----- words --------------------------------------------------------------------------------

def points_text(value: Decimal) -> str:
    return f"{abs(value)} point{'' if abs(value) == 1 else 's'}"


def change_words(value: Decimal | None) -> str:
    """"Up 1.2 points", "Down 0.4 points", "No change" (never colour alone)."""
    if value is None:
        return "–"
    if value > 0:
        return f"Up {points_text(value)}"
    if value < 0:
        return f"Down {points_text(value)}"
    return "No change"


def gap_words(value: Decimal | None, than: str) -> str:
    """"1.2 points higher than national", "0.4 points lower than the LA", "the same as ..."."""
    if value is None:
        return "–"
    if value > 0:
        return f"{points_text(value)} higher than {than}"
    if value < 0:
        return f"{points_text(value)} lower than {than}"
    return f"the same as {than}"


def gap_short(value: Decimal | None) -> str:
    """"0.2 points higher", "0.1 points lower", "No gap"."""
    if value is None:
        return "–"
    if value == 0:
        return "No gap"
    return f"{points_text(value)} {'higher' if value > 0 else 'lower'}"


def last_years_name(period: figures.Period) -> str:
    """How the page names the same period last year: "last year's autumn term"."""
    if period.kind == "term":
        return f"last year's {period.term} term"
    if period.kind == "half_term":
        return "last year's same half-term"
    if period.choice == "last4":
        return "the same 4 school weeks last year"
    if period.choice == "ytd" or period.kind == "rolling":
        return "last year's year to date"
    return "last academic year"


def no_comparison(period: figures.Period) -> str:
    if period.comparison is None:
        return f"No comparison: {last_years_name(period)} is not held"
    return f"No comparison: no marks are held for {last_years_name(period)}"


def published_text(value: Decimal) -> str:
    """A published percentage as published: 10.00 -> "10.0%", 6.25 -> "6.25%"."""
    return reference.percent_text(value)


# ----- national figures -----------------------------------------------------------------------

@dataclass(frozen=True)
class National:
    """A national figure to compare against, or the words saying there is none."""
    value: Decimal | None
    label: str            # "National, autumn term 2024/25", or "No national figure for ..."
    source: str = ""

    @property
    def held(self) -> bool:
        return self.value is not None

    @property
    def value_text(self) -> str:
        return "–" if self.value is None else published_text(self.value)


def national(measure: str | None, period: figures.Period, phase: str = "all", cohort: str = "all",
             *, attendance: bool = False, missing_for: str = "") -> National:
    """The national figure of a measure for the period's published period, phase and cohort;
    `attendance=True` turns overall absence into attendance. Never another phase's, cohort's
    or period's figure: None with the words "No national figure for ..." instead."""
    return national_for(measure, period.reference_period, period.academic_year, phase, cohort,
                        attendance=attendance, missing_for=missing_for or period.label)


def national_for(measure: str | None, reference_period: str | None, academic_year: str, phase: str = "all",
                 cohort: str = "all", *, attendance: bool = False, missing_for: str = "") -> National:
    if measure is None:
        return National(None, "No national figure is published for this measure")
    ref_phase = phase if phase == "all" else REFERENCE_PHASES.get(phase)
    missing = National(None, f"No national figure for {missing_for}")
    if reference_period is None or ref_phase is None:
        return missing
    match = reference.lookup(measure, period=reference_period, academic_year=academic_year, phase=ref_phase,
                             cohort=cohort)
    if match is None:
        return missing
    value = figures.attendance_from_absence(match.value) if attendance else match.value
    return National(value, match.label, match.source)


# ----- links ----------------------------------------------------------------------------------

URL_SAFE = "!$'()*,/:;?@"  # what url_for (werkzeug: urlencode) leaves unquoted in a query string


@functools.lru_cache(maxsize=1024, typed=True)
def _quoted(value) -> str:
    """A query-string key or value as url_for quotes it (urllib's urlencode, werkzeug's safe set)."""
    return quote_plus(value if isinstance(value, str) else str(value), safe=URL_SAFE)

class Links:
    """The links a dashboard offers: drill-downs only for those who may see the pupils."""

    def __init__(self, period: figures.Period | None, drill: bool, school_id: int | None = None):
        self.period = period
        self.drill_allowed = drill and period is not None
        self.school_id = school_id
        self._drill_base: str | None = None

    def drill(self, measure: str = "all", **params) -> str | None:
        """url_for("dashboard.picture_pupils", period=..., measure=..., **params), the path
        built once per page and the query string as url_for spells it (a page has ~200)."""
        if not self.drill_allowed or self.period is None:
            return None
        if self.school_id is not None:
            params.setdefault("school", self.school_id)
        if self._drill_base is None:
            self._drill_base = url_for("dashboard.picture_pupils")
        query = [("period", self.period.choice), ("measure", measure),
                 *((k, v) for k, v in params.items() if v is not None)]
        return f"{self._drill_base}?{'&'.join(f'{_quoted(k)}={_quoted(v)}' for k, v in query)}"

    def csv(self, table: str) -> str | None:
        if self.period is None:
            return None
        return url_for("dashboard.picture_csv", table=table, period=self.period.choice, school=self.school_id)

    @staticmethod
    def governors(school_id: int) -> str:
        return url_for("dashboard.governors_summary", school_id=school_id)


def figure(text, href, what="") -> Markup:
    """A figure that links to the pupils behind it (the template global `picture_figure`,
    `figure` in _picture_macros.html): a Python function, not a macro, as a page shows ~150."""
    if href and text != "–":
        more = escape(": ") + escape(what) if what else ""
        return Markup(f'<a class="govuk-link" href="{escape(href)}">{escape(text)}'
                      f'<span class="govuk-visually-hidden"> – the pupils{more}</span></a>')
    return escape(text)


def change(value, words, higher_is_better=True) -> Markup:
    """A change or gap in words with an arrow, marked good or bad (never colour alone): the
    template global `picture_change` (`change` in _picture_macros.html), a Python function as
    a page shows ~40."""
    if value is None:
        return escape(words)
    mark = "" if value == 0 else (" app-change--good" if (value > 0) == higher_is_better else " app-change--bad")
    arrow = "▲" if value > 0 else ("▼" if value < 0 else "▶")
    return Markup(f'<span class="app-change{mark}"><span aria-hidden="true">{arrow} </span>{escape(words)}</span>')


def school_rows(schools: list[figures.Split], links: Links, school_href: str | None) -> Markup:
    """The LA picture's split by school, its <tr> rows (the template global `picture_school_rows`):
    a Python function, as each of a few dozen rows made ~300 calls as a Jinja loop. The HTML is
    what the template made (escaped the same way, the same whitespace). `school_href`: the
    pattern of the link to a school's own picture ("/schools/{}/attendance-picture?period=term"),
    None when the viewer may not open it."""
    out: list[str] = []
    for row in schools:
        m, s = row.measures, row.extra["school"]
        label = escape(row.label)
        all_href = links.drill("all", school=s.id)
        name = f'<a class="govuk-link" href="{escape(school_href.format(s.id))}">{label}</a>' if school_href else label
        phase = row.extra.get("phase")
        if phase:
            name = f'{name}<br><span class="govuk-body-s">{escape(phase.label)}</span>'
        if not m.has_data:
            changed: str = "No marks"
        else:
            changed = change(row.change, change_words(row.change) if row.change is not None else "No comparison")
        last_tsm = row.extra.get("last_tsm")
        out.append(
            '    <tr class="govuk-table__row">\n'
            '      <th scope="row" class="govuk-table__header">\n'
            f'{name}      </th>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(str(m.pupils), all_href if m.pupils else None, row.label)}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.attendance_text, all_href, row.label)}</td>\n'
            f'      <td class="govuk-table__cell app-nowrap">{changed}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.unauthorised_text, all_href, row.label)}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.pa_text, links.drill("pa", school=s.id), row.label + ", persistent absence")}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.sa_text, links.drill("sa", school=s.id), row.label + ", severe absence")}</td>\n'
            f'      <td class="govuk-table__cell">{escape(row.extra.get("ewo") or "None named")}</td>\n'
            '      <td class="govuk-table__cell app-nowrap">'
            f'{escape(last_tsm.strftime("%-d %b %Y") if last_tsm else "None held")}</td>\n'
            '    </tr>\n')
    return Markup("".join(out))


def _jinja_int(value) -> int:
    """Jinja's `int` filter on a split's key ("7" -> 7; what is not a number -> 0)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def year_group_rows(year_groups: list[figures.Split], links: Links) -> Markup:
    """The split by year group's <tr> rows (the template global `picture_year_group_rows`), as
    the template's loop made them."""
    out: list[str] = []
    for row in year_groups:
        m = row.measures
        year = _jinja_int(row.key) if row.key != "None" else None
        label = row.label
        all_href = links.drill("all", year=year) if year is not None else None
        pa_href = links.drill("pa", year=year) if year is not None else None
        sa_href = links.drill("sa", year=year) if year is not None else None
        out.append(
            '    <tr class="govuk-table__row">\n'
            f'      <th scope="row" class="govuk-table__header app-nowrap">{escape(label)}</th>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(str(m.pupils), all_href, label)}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.attendance_text, all_href, label)}</td>\n'
            '      <td class="govuk-table__cell">'
            f'{change(row.change, change_words(row.change) if row.change is not None else "No comparison")}</td>\n'
            f'      <td class="govuk-table__cell govuk-table__cell--numeric">{escape(m.unauthorised_text)}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.pa_text, pa_href, label + ", persistent absence")}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.sa_text, sa_href, label + ", severe absence")}</td>\n'
            '    </tr>\n')
    return Markup("".join(out))


def cohort_rows(cohorts: list[figures.Split], links: Links, cohort_national: dict) -> Markup:
    """The split by cohort's <tr> rows (the template global `picture_cohort_rows`), as the
    template's loop made them."""
    out: list[str] = []
    for row in cohorts:
        m, w = row.measures, row.without
        if w is None:  # `figures.cohorts` always sets it
            raise ValueError(f"the cohort {row.key!r} has no figures for the pupils without it")
        nat = cohort_national[row.key]
        label, key = row.label, row.key
        gap = row.gap
        if gap is None:
            gap_cell: str = "No pupils in this cohort" if not m.pupils else "No pupils without it"
        else:
            gap_cell = change(gap, gap_short(gap))
        if nat.held:
            nat_cell = f"{escape(nat.value_text)} ({escape(nat.label)}); here {escape(m.absence_text)}"
        else:
            nat_cell = str(escape(nat.label))
        all_href = links.drill("all", cohort=key)
        without_href = links.drill("all", cohort=key, without=1)
        out.append(
            '    <tr class="govuk-table__row">\n'
            f'      <th scope="row" class="govuk-table__header">{escape(label)}</th>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(str(m.pupils), all_href if m.pupils else None, label)}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.attendance_text, all_href, label)}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(str(w.pupils), without_href if w.pupils else None, "without " + label)}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(w.attendance_text, without_href, "without " + label)}</td>\n'
            f'      <td class="govuk-table__cell app-nowrap">{gap_cell}</td>\n'
            '      <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{figure(m.pa_text, links.drill("pa", cohort=key), label + ", persistent absence")}</td>\n'
            f'      <td class="govuk-table__cell govuk-body-s">{nat_cell}</td>\n'
            '    </tr>\n')
    return Markup("".join(out))


# ----- the headline ---------------------------------------------------------------------------

@dataclass
class HeadlineRow:
    key: str
    label: str
    text: str
    href: str | None
    pupils_text: str = ""            # "3 of 5 pupils"
    change: Decimal | None = None
    change_text: str = ""            # words, with the reason when there is none
    national: National | None = None
    national_gap: Decimal | None = None
    ambition_gap: Decimal | None = None
    la_text: str | None = None       # the school dashboard: the LA's figure
    la_gap: Decimal | None = None
    higher_is_better: bool = False
    extra: dict = field(default_factory=dict)


def headline_rows(now: figures.Measures, before: figures.Measures | None, period: figures.Period,
                  links: Links, *, phase: str = "all", la: figures.Measures | None = None) -> list[HeadlineRow]:
    amb = Decimal(calc.ambition())
    rows = []
    for key, label, text_attr, drill, ref in HEADLINE:
        if key == "at_ambition":
            label = f"Pupils at or above the {calc.ambition()}% ambition"
        change = now.attendance_change(before) if key == "attendance" else now.rate_change(before, key)
        nat = national(ref, period, phase, attendance=key == "attendance",
                       missing_for=_missing_for(period, phase))
        row = HeadlineRow(key, label, getattr(now, text_attr), links.drill(drill) if now.has_data else None,
                          change=change, national=nat, higher_is_better=key in HIGHER_IS_BETTER)
        if key in PUPIL_COUNTS:
            row.pupils_text = f"{getattr(now, PUPIL_COUNTS[key])} of {now.pupils} pupils"
        row.change_text = (f"{change_words(change)} on {last_years_name(period)}" if change is not None
                           else no_comparison(period))
        row.national_gap = now.gap_to(key, nat.value) if nat.held else None
        if key == "attendance":
            row.ambition_gap = now.gap_to("attendance", amb)
        if la is not None:
            row.la_text = getattr(la, text_attr)
            row.la_gap = now.rate_change(la, key)
        rows.append(row)
    return rows


def _missing_for(period: figures.Period, phase: str) -> str:
    if phase == "all":
        return period.label
    name = phase.replace("_", " ").replace("all through", "all-through")
    return f"{name} schools, {period.label}"


@dataclass
class CountRow:
    key: str
    label: str
    hint: str
    count: int
    href: str | None
    before_text: str


def count_rows(now: figures.Measures, before: figures.Measures | None, period: figures.Period,
               flag_counts: dict[str, int], links: Links) -> list[CountRow]:
    """Pupils who crossed the penalty-notice threshold in the period, and each statutory flag."""
    if before is None:
        crossed_before = no_comparison(period)
    elif before.crossed or figures.crossings_recorded_by(period.comparison.end if period.comparison else None):
        crossed_before = f"{before.crossed} in {last_years_name(period)}"
    else:  # marks loaded after the fact: crossings are worked out from this academic year on
        crossed_before = "Not recorded then"
    rows = [CountRow("crossed", "Crossed the penalty-notice threshold",
                     "10 or more unauthorised sessions in a rolling 10 school weeks, the window ending in the period",
                     now.crossed, links.drill("crossed") if now.crossed else None, crossed_before)]
    for key, kind in flag_rules.KINDS.items():
        n = flag_counts.get(key, 0)
        rows.append(CountRow(key, kind.label, kind.hint, n, links.drill("all", flag=key) if n else None, "–"))
    return rows


# ----- sorting the school split -------------------------------------------------------------------

SCHOOL_SORTS = {
    "name": ("School", lambda s: s.label.lower()),
    "pupils": ("Pupils", lambda s: s.measures.pupils),
    "attendance": ("Attendance", lambda s: s.measures.fraction("attendance")),
    "change": ("Change on last year", lambda s: s.change),
    "unauthorised": ("Unauthorised absence", lambda s: s.measures.fraction("unauthorised")),
    "pa": ("Persistent absence", lambda s: s.measures.fraction("pa")),
    "sa": ("Severe absence", lambda s: s.measures.fraction("sa")),
    "ewo": ("Named EWO", lambda s: (s.extra.get("ewo") or "").lower() or None),
    "tsm": ("Last TSM", lambda s: s.extra.get("last_tsm")),
}


def last_tsm_by_school() -> dict[int, date]:
    """Each school's last held Targeting Support Meeting (the split's "Last TSM" column)."""
    from portal.tsm import service as tsm

    return tsm.last_held_by_school()


def sort_from_request() -> tuple[str, bool]:
    sort = request.args.get("sort", "name")
    if sort not in SCHOOL_SORTS:
        sort = "name"
    return sort, request.args.get("order") == "desc"


def sort_schools(rows: list[figures.Split], sort: str, descending: bool) -> list[figures.Split]:
    """Sorted by a column; schools with no figure for it come last either way."""
    key = SCHOOL_SORTS[sort][1]
    known = [r for r in rows if key(r) is not None]
    unknown = [r for r in rows if key(r) is None]
    known.sort(key=lambda r: (key(r), r.label.lower()), reverse=descending)
    return known + sorted(unknown, key=lambda r: r.label.lower())


def sentence(text: str) -> str:
    """The first letter in capitals, the rest as it is ("LA" stays "LA")."""
    return text[:1].upper() + text[1:]


def phase_words(phase: str) -> str:
    """"primary", "all-through", "alternative provision"."""
    return phase.replace("_", " ").replace("all through", "all-through")
