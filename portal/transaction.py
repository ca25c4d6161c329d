"""One commit per request, CLI command or job step: the only place the portal commits (but
for the demo seed, a command of its own that commits between its steps).

Services change the session and `flush` (so a stale version or a broken constraint surfaces
in them, as a Conflict or a refusal); they never commit. The boundary commits once, at its end:

- a web request (`finish_request`, called by the app around every view): the view's answer
  is committed when it is below 400. An exception, or an answer of 400 or more (a form shown
  again with a refusal, a conflict page, an error page), rolls back everything the request
  changed — so a view that catches a refusal and re-renders its form never keeps half a
  change. What a request must keep whatever its answer (a failed sign-in and the lockout
  count, a draft saved before its submission was refused, the audit entry of a page that
  showed a child's record) it keeps by calling `keep()` once it is written. A stale row met
  by the final commit is a 409, never a 500. After the commit, what waits for it runs
  (`after_commit`: the inline import job); e-mails queued in the outbox are sent after the
  request's commit (see `create_app`).
- a CLI command or a job step: `with transaction.unit():`, which commits at its end and
  rolls back on any exception.
- a long job (an import) that writes its progress on other connections first ends the
  session's transaction (`end_before_progress`): on SQLite an open transaction would hold
  the write lock the progress needs, and on PostgreSQL it would hide the job row.

The other SQLite rule, "a writer starts with BEGIN IMMEDIATE", lives in `portal.sqlite`: a
request's transaction starts as a writer unless it is a safe method whose view is not marked
`writes_on_get`; once the request has committed, what it still reads starts as a reader.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from flask import g, has_request_context
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict as StaleAtCommit

from portal.extensions import db


def start_request() -> None:
    """PostgreSQL: a GET (or HEAD) to a view whose one write is the audit entry of what it showed
    (`audit.viewing`, not marked `writes_on_get`) runs outside a transaction block (autocommit):
    its reads see what READ COMMITTED would show them anyway, one statement at a time, and the
    entry is committed by its own INSERT. Two round trips to the database fewer per page (BEGIN
    and COMMIT; on a kept page, 3 statements instead of 5). The SQLite counterpart is
    `portal.sqlite.audits_on_get`, and the same tests refuse such a view any other write. An
    answer that refuses (a filter form shown again, 422) rolls back first (`undo_refused`),
    which ends this and writes its entry in a transaction of its own, as before."""
    from flask import current_app, request

    if request.method not in ("GET", "HEAD"):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "audits_on_get", False) or getattr(view, "writes_on_get", False):
        return
    if db.engine.dialect.name != "postgresql":
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def keep() -> None:
    """What the request has written so far stands even when its answer refuses (status 400 or
    more): a failed attempt and its audit entry, a draft saved before its submission was
    refused, the audit entry of a page shown again. What it writes after this is still undone
    by a refusal (a SAVEPOINT marks the place); an exception undoes everything."""
    g.transaction_kept = db.session.begin_nested()


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the request (or the unit) has committed; never if it rolled back."""
    if has_request_context():
        g.setdefault("transaction_after_commit", []).append(callback)
    else:
        db.session.info.setdefault("after_commit", []).append(callback)


def undo_refused() -> None:
    """The answer refuses: undo what the request wrote since its last `keep()` (everything, if
    it kept nothing)."""
    kept = g.get("transaction_kept")
    if kept is not None and kept.is_active:
        kept.rollback()
        keep()  # the same place, marked again
    else:
        g.pop("transaction_kept", None)
        db.session.rollback()


def finish_request(response):
    """The request's boundary: commit the view's answer, or roll it back (see the module)."""
    if response.status_code >= 400:
        g.pop("transaction_after_commit", None)
        undo_refused()
        if "transaction_kept" not in g:
            return response
    _commit()
    _request_committed()
    for callback in g.pop("transaction_after_commit", []):
        callback()
    return response


def fail_request() -> None:
    """The view raised: nothing it changed is kept."""
    db.session.rollback()
    g.pop("transaction_kept", None)
    g.pop("transaction_after_commit", None)


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleAtCommit() from None


def _request_committed() -> None:
    from portal.sqlite import writes_done

    writes_done()  # what the request still reads (a streamed CSV) needs no write lock


@contextmanager
def unit() -> Iterator[None]:
    """A CLI command's or a job step's transaction: committed at the end of the block, rolled
    back on any exception; `after_commit` callbacks run after the commit."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        db.session.info.pop("after_commit", None)
        raise
    for callback in db.session.info.pop("after_commit", []):
        callback()


def end_before_progress() -> None:
    """A long job ends its session's transaction before writing progress on other connections
    (`portal.attendance.imports.set_progress`): whatever it has read or written so far is
    committed, and it holds no lock meanwhile."""
    db.session.commit()
