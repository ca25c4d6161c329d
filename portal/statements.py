"""Statements built once and run many times.

Building a SQLAlchemy statement costs Python time on every request (coercions, operators, the
cache key SQLAlchemy works out before it looks up the compiled SQL). A statement object built
once keeps its cache key (SQLAlchemy memoises it on the object), so running it again costs only
the execution. Two ways to use that:

- a statement whose varying values are `bindparam()`s, built on first use and run with
  parameters: `@built_once` on a function of no arguments that returns it::

      @built_once
      def _user_by_id():
          return select(User).where(User.id == bindparam("user_id"))

      db.session.scalar(_user_by_id(), {"user_id": 3})

- a statement made from a few plain values (a user's id, role and organisation, a date) by
  code that cannot take bindparams (the access policy's scopes): `StatementMemo(build)` keeps
  the statement per distinct key, least recently used out. The key must be everything `build`
  reads, as plain values (`Who` for a user: `build` sees nothing else of them), and `build`
  must not read the database: what a kept statement reads is read afresh each time it runs,
  but what went into building it is fixed.
"""
from __future__ import annotations

import datetime
import enum
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Callable, NamedTuple, TypeVar

T = TypeVar("T")


def built_once(build: Callable[[], T]) -> Callable[[], T]:
    """`build()` once (per process); the same statement afterwards."""
    return lru_cache(maxsize=1)(build)


class Who(NamedTuple):
    """What the access policy's scopes read of a user, as plain values (a memo key): built from
    this, a statement cannot depend on anything of the user it does not name."""
    id: int
    role: str
    organisation_id: int | None
    active: bool
    is_authenticated: bool = True

    @classmethod
    def of(cls, user: Any) -> Who:
        return cls(user.id, user.role, user.organisation_id, bool(user.active))


_PLAIN = (str, int, float, bool, type(None), datetime.date, enum.Enum)


def _plain(key: tuple) -> bool:
    return all(isinstance(part, _PLAIN) or (isinstance(part, tuple) and _plain(part)) for part in key)


class StatementMemo:
    """`memo(*key)`: `build(*key)`, kept per distinct key (at most `maxsize`, least recently
    used out; one lock, per process)."""

    def __init__(self, build: Callable[..., Any], maxsize: int = 256) -> None:
        self.build = build
        self.maxsize = maxsize
        self._kept: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, *key: Any) -> Any:
        if not _plain(key):
            raise TypeError("a statement memo's key is plain values only (Who for a user)")
        with self._lock:
            stmt = self._kept.get(key)
            if stmt is not None:
                self._kept.move_to_end(key)
                return stmt
        stmt = self.build(*key)
        with self._lock:
            self._kept[key] = stmt
            while len(self._kept) > self.maxsize:
                self._kept.popitem(last=False)
        return stmt

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def values_of(stmt: Any, params: dict | None = None) -> Any:
    """Run a statement that selects plain values (counts, flags; never ORM entities) on the
    session's connection, past the ORM's execution layer, and return its one row. Pending changes
    are flushed first, as the session's own `execute` would."""
    from portal.extensions import db

    session = db.session()
    if session.autoflush:
        session.flush()  # nothing to do (and cheap) unless something is pending
    return session.connection().execute(stmt, params or {}).one()


def rows_of(stmt: Any, params: dict | None = None) -> list:
    """`values_of` for a statement of many rows: all of them, as plain rows."""
    from portal.extensions import db

    session = db.session()
    if session.autoflush:
        session.flush()
    return list(session.connection().execute(stmt, params or {}).all())
