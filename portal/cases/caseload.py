"""The caseload list: the columns its rows show (one statement with the total, no ORM objects),
and its attendance column: each case's pupil's attendance now (this academic year so far) and
which way it moved since the referral, in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Select

from portal.attendance import calc, summaries
from portal.cases.models import Case, CaseStatus, Referral, Stage
from portal.orgs.models import Organisation, User
from portal.pupils.models import Pupil

# What a row of the list shows (and what its attendance column needs), beside the case's scope.
ROW_COLUMNS = (Case.id, Case.pupil_id, Case.status, Case.next_review, Case.attendance_at_open,
               Pupil.legal_forename, Pupil.legal_surname, Pupil.preferred_forename, Pupil.preferred_surname,
               Organisation.name.label("school_name"), Stage.name.label("stage_name"),
               User.name.label("lead_name"), Referral.snapshot.label("referral_snapshot"))


def rows_select(cases: Select) -> Select:
    """The list's columns for a scoped `select(Case)` (`access.cases_for`), joined to its pupil
    (so filters and sorts may name Pupil), the pupil's school, the stage, the lead and the referral."""
    return (cases.with_only_columns(*ROW_COLUMNS).select_from(Case)
            .join(Pupil, Pupil.id == Case.pupil_id)
            .join(Organisation, Organisation.id == Pupil.school_id)
            .join(User, User.id == Case.lead_id)
            .outerjoin(Stage, Stage.id == Case.stage_id)
            .outerjoin(Referral, Referral.id == Case.referral_id))


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    pupil_id: int
    status: CaseStatus
    next_review: date | None
    pupil_name: str          # as Pupil.display_name
    school_name: str
    stage_name: str | None
    lead_name: str
    then: str | None         # the attendance at referral (`_at_referral`)

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.closed


def case_rows(rows) -> list[CaseRow]:
    """The rows of `rows_select` as the list shows them."""
    return [CaseRow(r.id, r.pupil_id, r.status, r.next_review,
                    f"{r.preferred_forename or r.legal_forename} {r.preferred_surname or r.legal_surname}",
                    r.school_name, r.stage_name, r.lead_name,
                    _at_referral(r.referral_snapshot, r.attendance_at_open)) for r in rows]


@dataclass(frozen=True)
class Trend:
    now: str | None        # the shown figure now, without "%" (`calc.percent_text`)
    then: str | None       # the figure recorded when the school referred (or when the case opened)
    direction: str | None  # "up", "down", "same" (`calc.trend`)


def _at_referral(referral_snapshot: dict[str, Any] | None, at_open: dict[str, Any] | None) -> str | None:
    """The attendance the referral recorded when it was submitted, else the case's at opening."""
    for snap in (referral_snapshot, at_open):
        if snap and snap.get("percent") is not None:
            return str(snap["percent"])
    return None


def attendance_trends(cases: list[CaseRow]) -> dict[int, Trend]:
    """{case id: Trend} for the cases of a page."""
    totals = summaries.year_totals_for(sorted({c.pupil_id for c in cases}))
    trends = {}
    for case in cases:
        t = totals.get(case.pupil_id)
        now = calc.percent_text(t.attended, t.possible) if t is not None else None
        trends[case.id] = Trend(now, case.then, calc.trend(now, case.then))
    return trends


def list_rows(rows: list[CaseRow], case_href: tuple[str, str], overdue: dict[int, int],
              trends: dict[int, Trend] | None, today: date) -> Markup:
    """The <tr> rows of the caseload's table, made in Python (each row was a couple of dozen
    Jinja calls): the HTML the template's loop made, escaped the same way, the same whitespace."""
    prefix, suffix = case_href
    out: list[str] = []
    for c in rows:
        tags = (f' <strong class="govuk-tag govuk-tag--grey">{escape(c.status.label)}</strong>'
                if c.status != CaseStatus.open else "")
        late = overdue.get(c.id)
        if late:
            tags += f' <strong class="govuk-tag govuk-tag--red">{escape(late)} overdue</strong>'
        if c.next_review:
            due = (' <strong class="govuk-tag govuk-tag--red">Due</strong>'
                   if c.next_review < today and not c.is_closed else "")
            review = f'{escape(c.next_review.strftime("%-d %b %Y"))}{due}'
        else:
            review = "–"
        out.append(
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell"><a class="govuk-link" href="{escape(prefix)}{escape(c.id)}'
            f'{escape(suffix)}">{escape(c.pupil_name)}</a>{tags}</td>\n'
            f'      <td class="govuk-table__cell">{escape(c.school_name)}</td>\n'
            f'      <td class="govuk-table__cell">{escape(c.stage_name) if c.stage_name is not None else "–"}</td>\n'
            f'      <td class="govuk-table__cell">{escape(c.lead_name)}</td>\n'
            f'      <td class="govuk-table__cell app-nowrap">{review}</td>\n')
        if trends is not None:
            out.append(f'      <td class="govuk-table__cell app-nowrap">{_trend(trends[c.id])}</td>\n')
        out.append("    </tr>\n")
    return Markup("".join(out))


def _trend(t: Trend) -> str:
    if t.now is None:
        return "No marks"
    text = f"{escape(t.now)}%"
    if t.direction in ("up", "down"):
        arrow = "↑" if t.direction == "up" else "↓"
        return (f'{text} <span aria-hidden="true">{arrow}</span><span class="govuk-visually-hidden">'
                f'{escape(t.direction)}</span> from {escape(t.then)}%')
    if t.direction == "same":
        return f"{text}, as at referral"
    return text
