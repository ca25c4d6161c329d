"""The audit log's table rows made in Python.

A page is 50 entries; as a Jinja loop each row took a dozen or more calls (attribute look-ups,
the time filter, the verb's `replace`, the record link, the changes). The HTML is what the
template made (escaped the same way, the same whitespace: the app's Jinja trims blocks)."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from markupsafe import Markup, escape

from portal.timeutil import london

_MISSING = object()  # what Jinja's `change["from"]` is when there is no such item (renders empty)


def _item(change: Any, key: str) -> Any:
    try:
        return change[key]
    except (AttributeError, TypeError, LookupError):
        return getattr(change, key, _MISSING)


def _text(value: Any) -> str:
    return "" if value is _MISSING else escape(value)


def _changes(changes: dict) -> str:
    out = ['        <ul class="app-changes">\n']
    for field, change in changes.items():
        before, after = _item(change, "from"), _item(change, "to")
        was = f"<del>{_text(before)}</del> → " if before is not None else ""
        now = _text(after) if after is not None else "(empty)"
        out.append(f"            <li><strong>{escape(field)}</strong>: {was}{now}</li>\n")
    out.append("        </ul>\n")
    return "".join(out)


def audit_rows(events: Iterable[Any], object_url: Callable[[Any], str | None]) -> Markup:
    """The <tr> rows of the audit log's table, one per entry."""
    out: list[str] = []
    for e in events:
        ip = f'<br><span class="govuk-hint govuk-!-margin-0">{escape(e.ip)}</span>' if e.ip else ""
        summary = f'<br><span class="govuk-hint govuk-!-margin-0">{escape(e.summary)}</span>' if e.summary else ""
        href = object_url(e)
        if href:
            record = f'<a class="govuk-link" href="{escape(href)}">{escape(e.object_type)} {escape(e.object_id)}</a>'
        else:
            record = f'{escape(e.object_type or "–")}{f" {escape(e.object_id)}" if e.object_id else ""}'
        out.append(
            '    <tr class="govuk-table__row">\n'
            f'      <td class="govuk-table__cell app-nowrap">{escape(london(e.at))}</td>\n'
            f'      <td class="govuk-table__cell">{escape(e.actor_label)}{ip}</td>\n'
            f'      <td class="govuk-table__cell">{escape(str(e.verb).replace("_", " "))}{summary}</td>\n'
            f'      <td class="govuk-table__cell">{record}</td>\n'
            '      <td class="govuk-table__cell">\n'
            f'{_changes(e.changes) if e.changes else ""}'
            '      </td>\n'
            '    </tr>\n')
    return Markup("".join(out))


def filter_options(view_verbs: Iterable[tuple[str, str]], verbs: Iterable[str], types: Iterable[str],
                   verb: str, object_type: str) -> tuple[Markup, Markup, Markup]:
    """The <option>s of the filter's two lists (the views of children's records, the other
    verbs, the kinds of record), the chosen one selected: about two hundred, each a handful of
    Jinja calls."""
    def selected(value: str, chosen: str) -> str:
        return "selected" if value == chosen else ""

    views = "".join(f'<option value="{escape(v)}" {selected(v, verb)}>{escape(what[:1].upper())}{escape(what[1:])}'
                    f' ({escape(v.replace("_", " "))})</option>' for v, what in view_verbs)
    others = "".join(f'<option value="{escape(v)}" {selected(v, verb)}>{escape(v.replace("_", " "))}</option>'
                     for v in verbs)
    kinds = "".join(f'<option value="{escape(t)}" {selected(t, object_type)}>{escape(t)}</option>' for t in types)
    return Markup(views), Markup(others), Markup(kinds)
