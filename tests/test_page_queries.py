"""Issue 16: every page asks the database a fixed, small number of queries.

The demo partnership is seeded; each role signs in and follows its links to every page it can
reach (tests/crawl.py); each page's queries are counted; the partnership is then made much
bigger (tests/bulk.py: 490 more cases, longer chronologies, agendas, sweeps, meetings and
notifications) and every page is counted again. A page whose count grows with the data runs a
query per row (an N+1); a page over MAX_QUERIES does too much per request. Transaction control
(BEGIN, COMMIT) is not counted. Each page is counted twice: with the figures cached under the
data version (portal/dataversion.py) emptied, and then with them cached; never a page kept by
portal/pagecache.py (those are emptied before each count: what is counted is the page's work)."""
from __future__ import annotations

from portal import dataversion, pagecache
from portal.demo import demo_logins
from tests.bulk import grow_demo
from tests.crawl import crawl, queries
from tests.demo import seed_demo

PASSWORD = "attend-demo-2026"
MAX_QUERIES = 25
PAGES_PER_ROLE = 60


def _counts(client, url: str) -> tuple[int, int]:
    """The page's queries with the figures to compute, then with them cached."""
    dataversion.clear_cache()
    pagecache.clear()
    first = len(queries(client, url))
    pagecache.clear()
    return first, len(queries(client, url))


def test_every_page_asks_the_same_few_queries_whatever_the_size_of_the_partnership(app, monkeypatch):
    seed_demo(PASSWORD)  # before the setting below: the seed of the other demo tests, copied
    # the import pages' look for stopped jobs (one query, at most once a minute) is not the page's
    monkeypatch.setitem(app.config, "IMPORT_RECOVERY_SECONDS", 0)
    clients, pages = {}, {}
    for email, role in demo_logins():
        if role in clients:
            continue
        client = app.test_client()
        client.login(email, password=PASSWORD)
        clients[role] = client
        pages[role] = crawl(client, "/", PAGES_PER_ROLE)
    small = {(role, url): _counts(clients[role], url) for role in clients for url in pages[role]}
    assert len(small) > 150, "the crawl reached too few pages to be a test of every page"

    grow_demo(490)
    big = {(role, url): _counts(clients[role], url) for role in clients for url in pages[role]}

    grew = {key: (small[key], big[key]) for key in small if big[key] != small[key]}
    over = {key: n for key, n in big.items() if max(n) > MAX_QUERIES}
    assert not grew and not over, (f"pages whose queries change with the data (before, after): {grew}; "
                                   f"pages over {MAX_QUERIES} queries: {over}")
