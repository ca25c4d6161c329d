"""Merging a letter: an admin's template text with the case's fields, in a sandbox.

Two locks, either enough on its own:
1. `check(body)` reads the template's syntax tree before it is saved (and again before every
   merge) and refuses everything but an allow-list: the merge fields below (`pupil.name`,
   `extra.penalty.amount_first` ...), plain text, `{% if %}`, `{% for item in support %}`, and a
   few filters. No calls, no `[...]`, no attribute outside the list (so no `__class__`), no
   `{% set %}`, `{% include %}`, macros or blocks, no `self`, `config`, `request`, `cycler`...
2. The merge runs in jinja2's ImmutableSandboxedEnvironment with no globals, only the allowed
   filters and tests, and a context of plain strings (never a model), so even a template that
   got past the check could reach nothing but those strings.

A letter is plain text: paragraphs separated by blank lines. It is escaped where it is shown
(the page, the PDF), never trusted as markup."""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_BODY = 20_000
MAX_SUBJECT = 200

# field -> its attributes (None: a plain value). What each means, for the admin page's help.
FIELDS: dict[str, dict[str, str] | str] = {
    "pupil": {"name": "the child's full name", "first_name": "the child's first name",
              "date_of_birth": "date of birth, e.g. 4 May 2015", "year_group": "e.g. Year 8"},
    "school": {"name": "the child's school", "address": "the school's address (blank when not recorded)"},
    "parent": {"name": "the parent or carer the letter is addressed to"},
    "today": "today's date, e.g. 3 December 2026",
    "lead_officer": {"name": "the case's lead professional (or the sender, without a case)"},
    "sender": {"name": "who produces the letter", "organisation": "their organisation"},
    "record": {"start": "first day of the period", "end": "last day of the period",
               "attendance": "attendance over the period, e.g. 84.5%",
               "unauthorised_sessions": "unauthorised absences (sessions) in the period",
               "possible_sessions": "possible sessions in the period"},
    "support": "the support offered, from the case's chronology: {% for item in support %}{{ item.date }}: "
               "{{ item.text }}{% endfor %}",
    "extra": {"nti": "notice to improve details (issued_on, period_start, period_end, improvement, "
                     "unauthorised_sessions, qualifying_period)",
              "penalty": "penalty notice details (number, issued_on, served_by, deemed_served_on, amount_first, "
                         "pay_first_by, amount_full, pay_full_by, reason)"},
}
SUPPORT_ITEM = ("date", "text")
EXTRA = {
    "nti": ("issued_on", "period_start", "period_end", "improvement", "unauthorised_sessions", "qualifying_period"),
    "penalty": ("number", "issued_on", "served_by", "deemed_served_on", "amount_first", "pay_first_by",
                "amount_full", "pay_full_by", "reason"),
}
FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default")
TESTS = ("defined", "undefined", "none")


class TemplateProblem(ValueError):
    """The template cannot be saved or merged: `message` says why, in words an admin can act on."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"Line {line}: {message}" if line else message)
        self.message = str(self)


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False,
                                       trim_blocks=True, lstrip_blocks=True)
    env.globals.clear()  # no range, dict, lipsum, cycler, joiner, namespace
    env.filters = {name: env.filters[name] for name in FILTERS}
    env.tests = {name: env.tests[name] for name in TESTS}
    return env


ENV = _environment()


# ----- the check -------------------------------------------------------------------------------

def _dotted(node: nodes.Node) -> list[str] | None:
    """`pupil.name` -> ["pupil", "name"]; None when the chain is not names and attributes."""
    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if isinstance(node, nodes.Name):
        parts.append(node.name)
        return list(reversed(parts))
    return None


def _allowed_path(parts: list[str], loop_names: set[str]) -> bool:
    head, rest = parts[0], parts[1:]
    if head in loop_names:
        return len(rest) == 1 and rest[0] in SUPPORT_ITEM
    field = FIELDS.get(head)
    if field is None:
        return False
    if head == "support":  # the list: gone over by a for loop, or asked whether it is empty
        return not rest and _IN_TEST in loop_names
    if isinstance(field, str):  # a plain value (today)
        return not rest
    if head == "extra":
        return len(rest) == 2 and rest[0] in EXTRA and rest[1] in EXTRA[rest[0]]
    return len(rest) == 1 and rest[0] in field


_IN_TEST = "<test>"  # marks the condition of an {% if %}: `{% if support %}` is allowed there
SIMPLE = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.If, nodes.Compare, nodes.Operand,
          nodes.And, nodes.Or, nodes.Not, nodes.CondExpr, nodes.Concat)


def _walk(node: nodes.Node, loop_names: set[str]) -> None:
    line = getattr(node, "lineno", None)
    if isinstance(node, (nodes.Name, nodes.Getattr)):
        parts = _dotted(node)
        if parts is None:
            raise TemplateProblem("only merge fields such as {{ pupil.name }} can be used", line)
        if not _allowed_path(parts, loop_names):
            shown = ".".join(parts)
            if parts[0] not in FIELDS and parts[0] not in loop_names:
                raise TemplateProblem(f"‘{shown}’ is not a merge field", line)
            raise TemplateProblem(f"‘{shown}’ is not a merge field (see the list of fields)", line)
        return
    if isinstance(node, (nodes.If, nodes.CondExpr)):
        _walk(node.test, loop_names | {_IN_TEST})
        branches = [node.expr1, node.expr2] if isinstance(node, nodes.CondExpr) else [*node.body, *node.elif_,
                                                                                       *node.else_]
        for child in branches:
            if child is not None:
                _walk(child, loop_names)
        return
    if isinstance(node, nodes.For):
        if not (isinstance(node.iter, nodes.Name) and node.iter.name == "support"):
            raise TemplateProblem("a list can only go over {% for item in support %}", line)
        if not isinstance(node.target, nodes.Name) or node.target.name in FIELDS or node.recursive \
                or node.test is not None:
            raise TemplateProblem("write the list as {% for item in support %} … {% endfor %}", line)
        for child in [*node.body, *node.else_]:
            _walk(child, loop_names | {node.target.name})
        return
    if isinstance(node, nodes.Filter):
        if node.name not in FILTERS:
            raise TemplateProblem(f"the filter ‘{node.name}’ is not allowed (allowed: {', '.join(FILTERS)})", line)
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise TemplateProblem(f"the filter ‘{node.name}’ takes no named arguments here", line)
        if node.node is not None:
            _walk(node.node, loop_names)
        for arg in node.args:
            if not isinstance(arg, nodes.Const) or not isinstance(arg.value, str):
                raise TemplateProblem(f"the filter ‘{node.name}’ takes only quoted text", line)
        return
    if isinstance(node, nodes.Test):
        if node.name not in TESTS or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise TemplateProblem(f"the test ‘{node.name}’ is not allowed (allowed: {', '.join(TESTS)})", line)
        _walk(node.node, loop_names)
        return
    if isinstance(node, nodes.Call):
        raise TemplateProblem("calls are not allowed in a letter template: use merge fields only", line)
    if isinstance(node, (nodes.Getitem, nodes.Slice)):
        raise TemplateProblem("[ … ] is not allowed in a letter template: use merge fields such as "
                              "{{ extra.penalty.number }}", line)
    if not isinstance(node, SIMPLE):
        raise TemplateProblem(f"‘{type(node).__name__}’ is not allowed in a letter template: use text, merge "
                              "fields, {% if %} and {% for item in support %}", line)
    if isinstance(node, nodes.Const) and not isinstance(node.value, (str, int, float, bool, type(None))):
        raise TemplateProblem("only text and numbers can be written in a letter template", line)
    for child in node.iter_child_nodes():
        _walk(child, loop_names)


def check(body: str) -> None:
    """Raise TemplateProblem when the text is not a template the portal will merge."""
    if len(body) > MAX_BODY:
        raise TemplateProblem(f"The letter must be {MAX_BODY:,} characters or fewer")
    if not body.strip():
        raise TemplateProblem("Enter the text of the letter")
    try:
        tree = ENV.parse(body)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"the template cannot be read: {exc.message}", exc.lineno) from None
    except (TemplateError, RecursionError, MemoryError):  # pragma: no cover - Jinja's own limits
        raise TemplateProblem("the template cannot be read") from None
    try:
        _walk(tree, set())
    except RecursionError:
        raise TemplateProblem("the template is nested too deeply") from None
    try:
        ENV.from_string(tree)  # compiles: an unknown filter or test is refused here too
    except TemplateError as exc:
        raise TemplateProblem(f"the template cannot be read: {exc}") from None


def extra_used(body: str) -> set[tuple[str, str]]:
    """The notice fields a (checked) template uses: {("penalty", "number"), ...}."""
    used = set()
    for node in ENV.parse(body).find_all(nodes.Getattr):
        parts = _dotted(node)
        if parts and len(parts) == 3 and parts[0] == "extra":
            used.add((parts[1], parts[2]))
    return used


# ----- the merge -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fields:
    """What a letter may say, as plain strings (built by `sources.fields_for`)."""
    pupil: dict[str, str]
    school: dict[str, str]
    parent: dict[str, str]
    today: str
    lead_officer: dict[str, str]
    sender: dict[str, str]
    record: dict[str, str]
    support: list[dict[str, str]]
    extra: dict[str, dict[str, str]]

    def context(self) -> dict:
        extra = {group: {key: str(self.extra.get(group, {}).get(key, "")) for key in keys}
                 for group, keys in EXTRA.items()}
        return {"pupil": dict(self.pupil), "school": dict(self.school), "parent": dict(self.parent),
                "today": self.today, "lead_officer": dict(self.lead_officer), "sender": dict(self.sender),
                "record": dict(self.record), "support": [dict(item) for item in self.support], "extra": extra}


def merge(body: str, fields: Fields) -> str:
    """The letter's text: the template (checked again) with the fields merged in."""
    check(body)
    try:
        text = ENV.from_string(body).render(fields.context())
    except (SecurityError, TemplateError) as exc:
        raise TemplateProblem(f"the letter could not be merged: {exc}") from None
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def paragraphs(text: str) -> list[list[str]]:
    """A letter's text as paragraphs (split at blank lines), each a list of its lines."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks
