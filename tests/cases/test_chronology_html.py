"""portal/cases/chronology.py makes the chronology's entries in Python: the HTML must be exactly
what the template (templates/cases/_chronology_items.html, kept as the reference) makes, on
tricky entries, for every view and side."""
from __future__ import annotations

import itertools
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from flask import render_template

from portal.cases.chronology import chronology_items
from portal.cases.filetypes import FileType
from portal.cases.models import CHRONOLOGY_KINDS, NOT_APPROPRIATE_REASONS

NASTY = "<script>alert('x')</script> & \"quoted\"\nsecond line"


def _document(**kw):
    values = dict(id=7, kept=True, police_shareable=False, filename="a <b>&\"c\".pdf",
                  file_type=list(FileType)[0], size_text="3 KB", uploaded_by_id=1)
    values.update(kw)
    return SimpleNamespace(**values)


def _entry(n: int, **kw):
    values = dict(id=100 + n, kind="note", occurred_at=datetime(2026, 3, 29, 0, 30), time_given=True,
                  recorded_at=datetime(2026, 3, 29, 0, 30), author=SimpleNamespace(name="Ann <Lead>"),
                  author_id=1, organisation=SimpleNamespace(name="Org & Co"), health=False, police_shareable=False,
                  corrects_id=None, struck_at=None, strike_reason=None, support_name=None, review_on=None,
                  not_appropriate_reason=None, document=None, text=NASTY, police_text="police <words>")
    values.update(kw)
    entry = SimpleNamespace(**values)
    entry.text_for = lambda view, e=entry: (e.police_text or "") if view == "police" else e.text
    return entry


ENTRIES = [
    _entry(0),
    _entry(1, time_given=False, occurred_at=datetime(2026, 3, 28, 23, 30), recorded_at=datetime(2026, 3, 30, 9)),
    _entry(2, time_given=False, occurred_at=datetime(2026, 6, 1, 9), recorded_at=datetime(2026, 6, 1, 17)),
    _entry(3, recorded_at=datetime(2026, 3, 29, 1, 31), health=True, police_shareable=True),
    _entry(4, author=None, organisation=None, author_id=None, kind="mystery & <kind>"),
    _entry(5, corrects_id=101, kind="correction"),
    _entry(6, struck_at=datetime(2026, 10, 25, 1, 30), strike_reason=None, police_text=None),
    _entry(7, struck_at=datetime(2026, 1, 2, 3, 4), strike_reason="Wrong <child>", kind="phone_call"),
    _entry(8, kind="support_plan", support_name="Mentor & <tutor>", review_on=date(2026, 7, 1)),
    _entry(9, kind="support_plan"),
    _entry(10, kind="support_not_appropriate", not_appropriate_reason=NOT_APPROPRIATE_REASONS[0][0]),
    _entry(11, kind="support_not_appropriate", not_appropriate_reason="gone"),
    _entry(12, kind="letter", document=_document()),
    _entry(13, kind="decision", document=_document(uploaded_by_id=2, police_shareable=True)),
    _entry(14, kind="decision", document=_document(kept=False)),
    _entry(15, kind="meeting", author_id=2, document=_document(uploaded_by_id=2)),
    _entry(16, kind="decision", author_id=1, health=True, corrects_id=3),
    _entry(17, kind="home_visit", author_id=2, police_shareable=True, struck_at=datetime(2026, 5, 5)),
]


@pytest.mark.parametrize("view,lead,user_id", list(itertools.product(("full", "police"), (True, False), (1, 2))))
def test_the_entries_made_in_python_are_the_templates(app, view, lead, user_id):
    case = SimpleNamespace(id=12)
    reasons = dict(NOT_APPROPRIATE_REASONS)
    with app.test_request_context("/"):
        expected = render_template("cases/_chronology_items.html", entries=ENTRIES, case=case, view=view,
                                   lead=lead, kinds=CHRONOLOGY_KINDS, not_appropriate_reasons=reasons,
                                   current_user=SimpleNamespace(id=user_id))
        made = chronology_items(ENTRIES, case, view, lead, CHRONOLOGY_KINDS, reasons, user_id)
    assert expected.count("<li ") == len(ENTRIES)
    assert str(made) == expected
    assert "<script>" not in made


def test_no_entries_make_nothing(app):
    with app.test_request_context("/"):
        assert chronology_items([], SimpleNamespace(id=1), "full", True, CHRONOLOGY_KINDS, {}, 1) == ""


# ----- the agreed actions' rows (portal/cases/action_rows.py, reference: cases/_action_row.html) -----

def _action(n: int, **kw):
    from portal.cases.models import ActionStatus

    values = dict(id=200 + n, description=NASTY, outcome=None, owner_label="Ann <Lead> (Org & Co)",
                  due_date=date(2026, 3, 9), status=ActionStatus.open)
    values.update(kw)
    action = SimpleNamespace(**values)
    action.is_open = action.status == ActionStatus.open
    return action


def test_the_action_rows_made_in_python_are_the_templates(app):
    from portal.cases.action_rows import action_rows
    from portal.cases.models import ActionStatus

    actions = [_action(0), _action(1, due_date=date(2026, 3, 10)), _action(2, due_date=date(2026, 3, 11)),
               _action(3, status=ActionStatus.done, outcome="Done <well> & \"truly\""),
               _action(4, status=ActionStatus.cancelled, due_date=date(2020, 1, 1), outcome=""),
               _action(5, description="Plain", owner_label="–")]
    today = date(2026, 3, 10)
    for may in (lambda a: True, lambda a: False, lambda a: a.id % 2 == 0):
        with app.test_request_context("/"):
            expected = "".join(render_template("cases/_action_row.html", action=a, today=today, can_update=may)
                               for a in actions)
            made = action_rows(actions, today, may)
        assert expected.count("<tr ") == len(actions)
        assert str(made) == expected
