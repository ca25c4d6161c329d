"""Following a signed-in person's links, and counting what each page asks the database.

Used by tests/test_page_queries.py (every page of every demo role asks a fixed number of
queries, whatever the partnership's size) and bench/page_cost.py (the same crawl, timed)."""
from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from portal import pagecache
from portal.extensions import db

HREF = re.compile(r'href="(/[^"#]*)"')
# not pages: files, exports, signing out
SKIP = re.compile(r"^/(logout|static)|/(download|file)$|\.(csv|pdf|zip)$|[?&]format=|/export|/csv$|/pdf$")
# transaction control is not a query the page asks (and SQLite's BEGIN has no twin on PostgreSQL)
NOT_A_QUERY = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def shape(url: str) -> str:
    """A route and the names of its arguments: /cases/12?kind=x -> /cases/N?kind."""
    path, _, query = url.partition("?")
    path = re.sub(r"/\d+", "/N", path)
    keys = sorted({kv.split("=")[0] for kv in query.split("&") if kv})
    return path + ("?" + "&".join(keys) if keys else "")


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements this thread runs inside the block (transaction control left out; not
    what a page's background work, such as the import pages' look for stopped jobs, runs)."""
    statements: list[str] = []
    thread = threading.get_ident()

    def count(conn, cursor, statement, *args):
        if threading.get_ident() == thread and not NOT_A_QUERY.match(statement):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def crawl(client, start: str = "/", limit: int = 80) -> list[str]:
    """The pages a signed-in client reaches from `start` by GET links, breadth-first, one URL
    per route and argument shape (at most `limit`): HTML pages answered 200 only."""
    queue, shapes, pages = deque([start]), set(), []
    while queue and len(shapes) < limit:
        url = queue.popleft().replace("&amp;", "&")
        if shape(url) in shapes or SKIP.search(url.partition("?")[0]) or SKIP.search(url):
            continue
        shapes.add(shape(url))
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages.append(url)
        queue.extend(link for link in HREF.findall(response.get_data(as_text=True))
                     if shape(link.replace("&amp;", "&")) not in shapes)
    return pages


def queries(client, url: str) -> list[str]:
    """The statements one GET of `url` runs (it must answer 200): the page's own work, never a
    page kept by portal.pagecache."""
    pagecache.clear()
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return statements
