"""The pupil page's register for the term: its table rows made in Python.

A term is about 14 weeks of 10 sessions: as a Jinja loop each of the ~140 cells took half a
dozen calls (two dict look-ups, the code's meaning, the amendment, the date), a third of the
page's rendering. The HTML is what the template made (escaped the same way, the same
whitespace)."""
from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

SESSIONS = ("AM", "PM")


def register_rows(calendar_weeks: list[list[date]], register: dict, codes: dict, amended: dict) -> Markup:
    """The <tr> rows of the register table, one per week, each mark with its meaning."""
    out: list[str] = []
    append = out.append
    shown: dict[str, tuple[str, str, str]] = {}  # code: its escaped (code, category, meaning), once per code
    for week in calendar_weeks:
        append('    <tr class="govuk-table__row">\n'
               f'      <th scope="row" class="govuk-table__header app-nowrap">{week[0].strftime("%-d %b")}</th>\n')
        for day in week:
            marks = register.get(day) or {}
            day_text = day.strftime("%a %-d %b")
            for session in SESSIONS:
                code = marks.get(session)
                if code:
                    known = shown.get(code)
                    if known is None:
                        kind = codes[code]
                        known = shown[code] = (escape(code), escape(kind.category), escape(kind.meaning))
                    esc_code, category, meaning = known
                    if (day, session) in amended and amended[(day, session)]:
                        append('            <td class="govuk-table__cell app-register__mark'
                               f' app-mark--{category}" title="{meaning}"><span aria-hidden="true">'
                               f'{esc_code}</span><span class="govuk-visually-hidden">{day_text} {session}: {esc_code},'
                               f' {meaning} (amended)</span><a class="govuk-link app-register__amended"'
                               f' href="#amended-{day.isoformat()}-{session}"><span aria-hidden="true">*</span>'
                               '<span class="govuk-visually-hidden"> amended: see its history</span></a></td>\n')
                    else:
                        append('            <td class="govuk-table__cell app-register__mark'
                               f' app-mark--{category}" title="{meaning}"><span aria-hidden="true">'
                               f'{esc_code}</span><span class="govuk-visually-hidden">{day_text} {session}: {esc_code},'
                               f' {meaning}</span></td>\n')
                else:
                    append('            <td class="govuk-table__cell app-register__mark">'
                           f'<span class="govuk-visually-hidden">{day_text} {session}: no mark</span></td>\n')
        append("    </tr>\n")
    return Markup("".join(out))


def shown_codes(calendar_weeks: list[list[date]], register: dict) -> list[str]:
    """The codes the table shows, for the key below it, in the order of Jinja's `sort` (without
    regard to case; among equals, the order they first appear in)."""
    shown: dict[str, None] = {}
    for week in calendar_weeks:
        for day in week:
            marks = register.get(day)
            if marks:
                for session in SESSIONS:
                    code = marks.get(session)
                    if code:
                        shown.setdefault(code)
    return sorted(shown, key=str.lower)
