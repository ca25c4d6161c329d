"""Pages kept for a moment, for the person who asked: the same page asked again by the same
person, in the same session, while nothing at all has been written, is answered with the HTML
rendered a moment ago instead of reading and rendering it all again.

What makes it safe:
- the key is the person (user id), their session's CSRF token (forms on the page carry it), the
  full URL with its query, the page's template and the day in London; never shared between people
  or sessions;
- the records version (`portal.dataversion.records`, read in the request's own snapshot before
  the page's data) changes in the same transaction as every write to any table but the audit log:
  a case note, a share withdrawn, a role changed, an import. A page is kept only under the version
  it was read under, and never from a transaction that has itself written;
- an entry is answered for at most PAGE_CACHE_SECONDS (default 30): what changes with the clock
  alone (a panel's access window closing at a given minute) shows at most that late;
- the view still runs its access check and still writes its audit entry on every request; only
  building the page's context and rendering it is skipped. What the render added to the audit
  entry (`audit.viewed`) is kept with the page and added again;
- the CSP nonce of the page is replaced by this response's own;
- never for htmx requests, never with flashed messages waiting, never for anything but a GET.

Only pages that do not show the audit log may use it (the audit log's own writes do not change
the records version). Each process keeps at most PAGE_CACHE_MB of pages, the least recently used
dropped first, all of them when the version changes."""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from flask import current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal import dataversion
from portal.extensions import htmx
from portal.timeutil import today, utcnow


@dataclass(frozen=True)
class _Page:
    html: str
    nonce: str
    at: datetime
    audit_object: tuple | None
    audit_details: tuple[str, ...]
    size: int  # bytes the HTML takes in memory (a page with a "–" or "→" holds 2 bytes a character)


_pages: OrderedDict[tuple, _Page] = OrderedDict()
class _State:
    version: int | None = None
    bytes: int = 0


_state = _State()
_lock = threading.Lock()
stats = {"hits": 0, "misses": 0}


def _key(template: str) -> tuple | None:
    if request.method != "GET" or htmx or session.get("_flashes"):
        return None
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0:
        return None
    version = dataversion.records()
    if version is None:
        return None
    generate_csrf()  # the session's token exists before the key names it (a page's forms carry it)
    token = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return (version, current_user.get_id(), token, request.full_path, template, today())


def render_page(template: str, context: Callable[[], dict]) -> str | tuple[str, int]:
    """render_template(template, **context()), or the same page rendered for this person a moment
    ago while nothing was written. A context with "page_status" other than 200 (a filter refused: 422)
    is answered with that status and not kept."""
    key = _key(template)
    if key is None:
        return _render(template, context())
    now = utcnow()
    limit = current_app.config["PAGE_CACHE_SECONDS"]
    with _lock:
        page = _pages.get(key)
        if page is not None:
            if 0 <= (now - page.at).total_seconds() <= limit:
                _pages.move_to_end(key)
            else:
                page = None
    pending = g.get("audit_view")
    if page is not None:
        stats["hits"] += 1
        if pending is not None:
            if page.audit_object is not None:
                pending.object_type, pending.object_id = page.audit_object
            pending.details.extend(page.audit_details)
        nonce = g.get("csp_nonce", "")
        return page.html.replace(page.nonce, nonce) if page.nonce and nonce else page.html
    stats["misses"] += 1
    before = None if pending is None else (pending.object_type, pending.object_id, len(pending.details))
    values = context()
    if values.get("page_status", 200) != 200:
        return _render(template, values)
    html = render_template(template, **values)
    if dataversion.records() != key[0]:  # the render itself wrote: not kept
        return html
    audit_object, details = None, ()
    if pending is not None and before is not None:
        if (pending.object_type, pending.object_id) != before[:2]:
            audit_object = (pending.object_type, pending.object_id)
        details = tuple(pending.details[before[2]:])
    page = _Page(html, g.get("csp_nonce", ""), now, audit_object, details, sys.getsizeof(html))
    _keep(key, page)
    return html


def _render(template: str, values: dict) -> str | tuple[str, int]:
    status = values.get("page_status", 200)
    html = render_template(template, **values)
    return html if status == 200 else (html, status)


def _keep(key: tuple, page: _Page) -> None:
    budget = current_app.config["PAGE_CACHE_MB"] * 1024 * 1024
    if page.size > budget:
        return
    with _lock:
        if _state.version != key[0]:
            _pages.clear()
            _state.version, _state.bytes = key[0], 0
        old = _pages.pop(key, None)
        if old is not None:
            _state.bytes -= old.size
        _pages[key] = page
        _state.bytes += page.size
        while _state.bytes > budget and _pages:
            _, dropped = _pages.popitem(last=False)
            _state.bytes -= dropped.size


def clear() -> None:
    with _lock:
        _pages.clear()
        _state.version, _state.bytes = None, 0


def size() -> tuple[int, int]:
    """(pages kept, bytes) in this process."""
    with _lock:
        return len(_pages), _state.bytes
