"""The case page's table of agreed actions: its rows made in Python.

The case page included `templates/cases/_action_row.html` once per action (an include copies
the page's whole context each time). That template stays the rows' reference, and is what My
actions and the "Complete" answers render: tests/cases/test_chronology_html.py compares the two
on tricky actions, so change them together."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from portal.cases.models import ActionStatus
from portal.urls import link_parts

_TAGS = {ActionStatus.done: '<strong class="govuk-tag govuk-tag--green">Done</strong>',
         ActionStatus.cancelled: '<strong class="govuk-tag govuk-tag--grey">Cancelled</strong>'}
_OVERDUE = '<strong class="govuk-tag govuk-tag--red">Overdue</strong>'
_OPEN = '<strong class="govuk-tag govuk-tag--blue">Open</strong>'


def action_rows(actions: Sequence[Any], today: date, can_update: Callable[[Any], bool]) -> Markup:
    """The <tr> of each action, one after another, as the template's rows included in a loop."""
    prefix, suffix = link_parts("cases.complete_action", "action_id")
    out: list[str] = []
    for action in actions:
        is_open = action.is_open
        description = escape(action.description)
        outcome = (f'<br><span class="govuk-hint govuk-!-margin-0">Outcome: {escape(action.outcome)}</span>'
                   if action.outcome else "")
        tag = _TAGS.get(action.status) or (_OVERDUE if is_open and action.due_date < today else _OPEN)
        complete = ""
        if is_open and can_update(action):
            href = escape(f"{prefix}{action.id}{suffix}")
            complete = (f'<a class="govuk-link" href="{href}" hx-get="{href}" hx-target="closest tr"'
                        f' hx-swap="outerHTML">Complete<span class="govuk-visually-hidden"> the action:'
                        f' {description}</span></a>')
        out.append(f'<tr class="govuk-table__row" id="action-{action.id}">\n'
                   f'  <td class="govuk-table__cell">{description}{outcome}</td>\n'
                   f'  <td class="govuk-table__cell">{escape(action.owner_label)}</td>\n'
                   f'  <td class="govuk-table__cell app-nowrap">{action.due_date.strftime("%-d %b %Y")}</td>\n'
                   f'  <td class="govuk-table__cell">{tag}</td>\n'
                   f'  <td class="govuk-table__cell">{complete}</td>\n'
                   "</tr>")
    return Markup("".join(out))
