"""States as types: a record's state (a case's status, an import job's progress …) is an enum
whose values are the very strings stored, kept in a VARCHAR column with a CHECK constraint,
so the database refuses any other value and the code compares to members, never to bare
strings.

The members are `str`s (`enum.StrEnum`): they compare equal to the stored strings, and an
f-string, a template, a CSV cell or an audit entry shows the value ("closed"), as before. A
state attribute always holds a member: a string assigned to it (`Case(status="open")`) becomes
the member at once, and one that names no state is a ValueError there and then.
"""
from __future__ import annotations

import enum
from typing import Self

from sqlalchemy import Enum, event
from sqlalchemy.orm import Mapper

# Long enough for every state; the columns were VARCHAR(16) before they became states.
STATE_LENGTH = 16


class State(enum.StrEnum):
    """The base of every state enum. A subclass lists its members: `name = "value"`, the value
    being the stored string, or `name = "value", "Label"` where the label is not simply the
    value in words."""

    _state_label: str | None

    def __new__(cls, value: str, label: str | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._state_label = label
        return member

    @property
    def label(self) -> str:
        return self._state_label or self.value.replace("_", " ").capitalize()

    @classmethod
    def get(cls, value: object) -> Self | None:
        """The state named by `value` (from a URL or a form), or None when it names none."""
        try:
            # Enum lookup by value accepts any object (EnumMeta.__call__), not only __new__'s str
            return cls(value)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return None


def state_type(state: type[State], name: str = "status", length: int = STATE_LENGTH) -> Enum:
    """The column type of a state: the member's value in a VARCHAR, with a CHECK constraint
    named `ck_<table>_<name>` (the metadata's naming convention) listing the values."""
    return Enum(state, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda members: [m.value for m in members])


@event.listens_for(Mapper, "mapper_configured")
def _states_hold_members(mapper: Mapper, class_: type) -> None:
    for prop in mapper.column_attrs:
        state = getattr(prop.columns[0].type, "enum_class", None)
        if isinstance(state, type) and issubclass(state, State):
            event.listen(getattr(class_, prop.key), "set", _as_member(state), retval=True)


def _as_member(state: type[State]):
    def set_(target, value, oldvalue, initiator):
        return value if value is None else state(value)
    return set_
