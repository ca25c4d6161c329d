"""A Targeting Support Meeting's key group lists: their table rows made in Python.

A meeting lists up to ~100 pupils over its key groups: as a Jinja loop each row took a few
dozen calls (the pupil's name and year, a macro call for the band's tag, the links). The HTML
is what the template made (escaped the same way, the same whitespace)."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from markupsafe import Markup, escape


def key_group_rows(pupils: Iterable[Any], pupil_href: str, record_href: str, band_tag: Callable[[str], Any],
                   record: bool) -> Markup:
    """The <tr> rows of a key group's table (`prepare.GroupPupil`s); `record`: each row links
    to recording an item for the pupil. `band_tag` (the macro) is called once per band."""
    tags: dict[str, str] = {}
    out: list[str] = []
    for gp in pupils:
        p = gp.pupil
        name = escape(p.display_name)
        tag = tags.get(gp.band)
        if tag is None:
            tag = tags[gp.band] = str(escape(band_tag(gp.band)))
        out.append(
            '        <tr class="govuk-table__row">\n'
            f'          <td class="govuk-table__cell"><a class="govuk-link" href="{escape(pupil_href.format(p.id))}">'
            f'{name}</a></td>\n'
            f'          <td class="govuk-table__cell app-nowrap">{escape(p.year_label)}</td>\n'
            f'          <td class="govuk-table__cell app-nowrap">{escape(gp.percent or "No data")} {tag}</td>\n'
            f'          <td class="govuk-table__cell">{escape(gp.unauthorised_10_weeks)}</td>\n'
            f'          <td class="govuk-table__cell">{"Yes" if gp.referral else "No"}</td>\n'
            f'          <td class="govuk-table__cell">{"Yes" if gp.case else "No"}</td>\n')
        if record:
            out.append(f'<td class="govuk-table__cell"><a class="govuk-link" href="{escape(record_href.format(p.id))}">'
                       f'Record<span class="govuk-visually-hidden"> an item for {name}</span></a></td>')
        out.append('        </tr>\n')
    return Markup("".join(out))
