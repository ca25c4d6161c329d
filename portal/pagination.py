"""Pagination of scoped selects, with links that keep the current filters. The page number
comes from `?page=` through the one parser: unusable is page 1, past the end is the last page."""
from __future__ import annotations

from flask import request, url_for

from portal.extensions import db
from portal.params import int_arg

PER_PAGE = 25


def page_number() -> int:
    return int_arg("page", min=1, default=1, clamp=True) or 1


def paginate(stmt, per_page: int = PER_PAGE):
    page = db.paginate(stmt, page=page_number(), per_page=per_page, error_out=False, max_per_page=100)
    if not page.items and page.page > 1 and page.total:
        page = db.paginate(stmt, page=page.pages, per_page=per_page, error_out=False, max_per_page=100)
    return page


def page_links(pagination) -> dict:
    """Parameters for the govukPagination macro, keeping the query string's other filters."""
    # every value of a key: a GOV.UK date input in a filter sends its day, month and year under one name
    args = {k: vs for k, vs in request.args.lists() if k != "page" and any(vs)}
    endpoint = request.endpoint
    view_args = dict(request.view_args or {})

    def link(n):
        return url_for(endpoint, **view_args, **args, page=n)

    params: dict = {"items": []}
    if pagination.has_prev:
        params["previous"] = {"href": link(pagination.prev_num)}
    if pagination.has_next:
        params["next"] = {"href": link(pagination.next_num)}
    for n in pagination.iter_pages(left_edge=1, left_current=1, right_current=2, right_edge=1):
        if n is None:
            params["items"].append({"ellipsis": True})
        else:
            params["items"].append({"number": n, "href": link(n), "current": n == pagination.page})
    return params


class Numbered:
    """What `page_links` reads of a page besides its items: set by `_number(page, pages)`."""

    page: int
    pages: int

    def _number(self, page: int, pages: int) -> None:
        self.page, self.pages = page, pages
        self.has_prev, self.has_next = page > 1, page < pages
        self.prev_num = page - 1 if self.has_prev else None
        self.next_num = page + 1 if self.has_next else None

    def iter_pages(self, **kw):
        from flask_sqlalchemy.pagination import Pagination

        return Pagination.iter_pages(self, **kw)


def _pages_of(total: int, per_page: int) -> int:
    return -(-total // per_page)


class RowsPage(Numbered):
    """A page of rows of a multi-column select (`db.paginate` returns only the first entity):
    the rows, the total, and what `page_links` reads. Past the end is the last page."""

    def __init__(self, stmt, per_page: int = PER_PAGE):
        from sqlalchemy import func, select

        self.per_page = per_page
        self.total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        pages = max(1, _pages_of(self.total, per_page))
        self._number(min(page_number(), pages), pages)
        self.items = db.session.execute(stmt.limit(per_page).offset((self.page - 1) * per_page)).all()


class WindowPage(Numbered):
    """A page of rows of a multi-column select with the total counted in the same statement
    (`count(*) OVER ()`): one statement for the rows and the total, as `paginate` gives them
    (`items`, `total`, `pages`, `page`, what `page_links` reads). The rows carry the total as a
    last `_total` column, or with `entities=True` (a select of one ORM entity) the items are
    the entities. Only an empty page (no rows, or past the end) counts separately; past the
    end is the last page."""

    def __init__(self, stmt, per_page: int = PER_PAGE, *, entities: bool = False):
        from sqlalchemy import func, select

        self.per_page = per_page
        page = page_number()
        windowed = stmt.add_columns(func.count().over().label("_total"))
        items = db.session.execute(windowed.limit(per_page).offset((page - 1) * per_page)).all()
        if items:
            total = items[0]._total
        else:
            total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
            last = max(1, _pages_of(total, per_page))
            if total and page > last:
                page = last
                items = db.session.execute(windowed.limit(per_page).offset((page - 1) * per_page)).all()
        self.items = [row[0] for row in items] if entities else items
        self.total = total
        self._number(page, _pages_of(total, per_page))


class CappedPage(Numbered):
    """A page of a select of one ORM entity from a list that may be very long (the audit log,
    which grows with every page viewed): the total is counted only up to `cap` rows, so no page
    reads the whole list to number its pages. Up to `cap` rows, it is `paginate`'s page; past
    it, `more_than` is `cap`, `total` is None, and the pages run to the next one while there are
    rows (one row more than a page is read to know). A page past the end of a long list counts
    it all once and shows the last page, as `paginate` does."""

    def __init__(self, stmt, per_page: int = PER_PAGE, *, cap: int):
        from sqlalchemy import func, select

        self.per_page = per_page
        page = page_number()
        counted = db.session.scalar(
            select(func.count()).select_from(stmt.order_by(None).limit(cap + 1).subquery())) or 0
        self.more_than: int | None = None
        items: list = []
        if counted > cap:
            items = list(db.session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)))
            if items:
                self.more_than = cap
            else:  # past the end of a long list
                counted = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        if self.more_than is None:
            page = min(page, max(1, _pages_of(counted, per_page)))
            if not items:
                items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
            self.total: int | None = counted
            self._number(page, _pages_of(counted, per_page))
        else:
            self.total = None
            self._number(page, page + 1 if len(items) > per_page else page)
        self.items = items[:per_page]
