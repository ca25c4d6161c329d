"""The school attendance view's table rows, made in Python.

A page lists 50 pupils: as a Jinja loop each row took a few dozen calls (the pupil's attributes,
the figure, the band's tag, a macro call for the cohort tags), a third of the page's rendering.
The HTML is what the template made (escaped the same way, the same whitespace)."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from markupsafe import Markup, escape

from portal.attendance import calc


def school_rows(rows: Iterable[Any], pupil_href: str, band_tag: Callable[[str], Any],
                stages: dict[int, Any] | None = None) -> Markup:
    """The <tr> rows of the pupils' table: each row a pupil (`row.Pupil`) with their figures
    (`attended`, `possible`, `band`, `unauth10`); `band_tag` (the macro) is called once per band;
    `stages`: each pupil's school stage this term (`schoolstages.service.PupilStage`), a last
    column when given."""
    tags: dict[str, str] = {}
    out: list[str] = []
    threshold = calc.PENALTY_THRESHOLD_SESSIONS
    for row in rows:
        p = row.Pupil
        band = row.band
        tag = tags.get(band)
        if tag is None:
            tag = tags[band] = str(escape(band_tag(band)))
        unauth = row.unauth10
        cohorts = "".join(
            f'<strong class="govuk-tag govuk-tag--blue app-cohort-tag" title="{escape(label)}">{escape(short)}'
            f'<span class="govuk-visually-hidden"> ({escape(label)})</span></strong> ' for _, label, short in p.flags)
        out.append(
            '      <tr class="govuk-table__row">\n'
            f'        <td class="govuk-table__cell"><a class="govuk-link" href="{escape(pupil_href.format(p.id))}">'
            f'{escape(p.legal_surname)}, {escape(p.legal_forename)}</a></td>\n'
            f'        <td class="govuk-table__cell app-nowrap">{escape(p.year_label)}</td>\n'
            '        <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{escape(calc.percent_label(row.attended, row.possible))}</td>\n'
            f'        <td class="govuk-table__cell">{tag}</td>\n'
            '        <td class="govuk-table__cell govuk-table__cell--numeric">'
            f'{f"<strong>{escape(unauth)}</strong>" if unauth >= threshold else escape(unauth)}</td>\n'
            f'        <td class="govuk-table__cell">{cohorts}</td>\n'
            + (f'        <td class="govuk-table__cell app-nowrap">{_stage_cell(stages.get(p.id))}</td>\n'
               if stages is not None else '') +
            '      </tr>\n')
    return Markup("".join(out))


def _stage_cell(stage: Any) -> str:
    """The pupil's school stage, and "due" when its call or meeting is not logged this term."""
    if stage is None or stage.stage is None:
        return "–"
    if stage.due:
        return (f'Stage {stage.stage}<br><strong class="govuk-tag govuk-tag--orange">'
                f'{"Call" if stage.stage == 1 else "Meeting"} due</strong>')
    return f"Stage {stage.stage}"
