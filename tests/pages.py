"""A test client that signs in, carries the CSRF token, and checks every page it loads:
exactly one h1, a <title> that matches it, no duplicate element ids, a GOV.UK error summary
whenever a form comes back with errors (422), and "Error: " before the title exactly when the
page shows that summary."""
from __future__ import annotations

import contextvars
import re
from collections import Counter
from html.parser import HTMLParser

from flask import has_app_context
from flask.testing import FlaskClient

from portal.extensions import db

DEFAULT_PASSWORD = "a-long-test-password-42"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the factories' users' authenticator secret
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"|'
                      r'X-CSRFToken&#34;: &#34;([^&]+)&#34;')


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.h1: list[str] = []
        self.title = ""
        self._in_h1 = 0
        self._in_title = False
        self.error_summary = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "govuk-error-summary" in (attrs.get("class") or "").split():
            self.error_summary = True
        if tag == "h1":
            self._in_h1 += 1
            self.h1.append("")
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1[-1] += data
        if self._in_title:
            self.title += data


def _norm(text: str) -> str:
    return " ".join(text.split())


def check_page(html: str, status: int) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    assert len(parser.h1) == 1, f"expected exactly one h1, found {parser.h1}"
    title = _norm(parser.title)
    title = title.removeprefix("Error: ").rsplit(" – ", 1)[0]
    assert title == _norm(parser.h1[0]), f"title {title!r} does not match h1 {_norm(parser.h1[0])!r}"
    dupes = [i for i, n in Counter(parser.ids).items() if n > 1]
    assert not dupes, f"duplicate element ids: {dupes}"
    if status == 422:
        assert parser.error_summary, "a 422 page must show the GOV.UK error summary"
    assert parser.title.startswith("Error: ") == parser.error_summary, \
        "a page starts its title with 'Error: ' exactly when it shows errors (the GOV.UK error summary)"
    return parser


class PortalClient(FlaskClient):
    checks_pages = True
    csrf_token: str | None = None

    def open(self, *args, **kwargs):
        # Each request runs as in a real server: in its own app context (its own `g` and
        # database session), not inside the test's. The test's session ends its transaction
        # first, so it holds no lock and later reads see what the request wrote.
        if has_app_context():
            db.session.commit()
        response = contextvars.Context().run(self._open_and_read, *args, **kwargs)
        if response.mimetype == "text/html" and response.status_code not in (301, 302, 303, 304):
            html = response.get_data(as_text=True)
            match = _CSRF_RE.search(html)
            if match:
                self.csrf_token = next(g for g in match.groups() if g)
            if self.checks_pages and "<html" in html and response.headers.get("HX-Request") != "true":
                check_page(html, response.status_code)
        return response

    def _open_and_read(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()  # a streamed body runs in the request's context, so read it here
        return response

    def token(self) -> str:
        if self.csrf_token is None:
            checks, self.checks_pages = self.checks_pages, False
            self.get("/login", follow_redirects=True)  # signed in: lands on the home page
            self.checks_pages = checks
        return self.csrf_token

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with the CSRF token, as a browser would."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.post(url, data=data, **kwargs)

    def login(self, user_or_email, password: str = DEFAULT_PASSWORD, follow: bool = False,
              next_url: str | None = None):
        """Sign in as a person would: the password, then (when asked) the code their
        authenticator app shows now. Returns the last response."""
        email = getattr(user_or_email, "email", user_or_email)
        url = f"/login?next={next_url}" if next_url else "/login"
        self.get(url)
        response = self.post_form(url, {"email": email, "password": password})
        self.csrf_token = None  # the session was rotated: the old token is gone
        if response.status_code == 302 and response.headers["Location"] == "/login/code":
            response = self.post_form("/login/code", {"code": current_code(email)})
            self.csrf_token = None
        if follow and response.status_code in (301, 302, 303):
            response = self.get(response.headers["Location"])
        return response


def current_code(email: str) -> str:
    """The code the user's authenticator app would show now, one not yet used. When the
    codes for the steps the portal accepts have all been used (the same user signed in
    three times within 30 seconds), the last-used step is wound back, as waiting for the
    next step would: only replay refusal itself is tested with real reuse."""
    from sqlalchemy import func, select

    from portal.auth import two_factor
    from portal.orgs.models import User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    try:
        code, _ = two_factor.next_unused_code(user)
    except ValueError:
        # the current step's code, never an older one: it stays good if a step ends meanwhile
        user.totp_last_step = two_factor.current_step() - 1
        code, _ = two_factor.next_unused_code(user)
    db.session.commit()
    return code


def date_boxes(value) -> list[str]:
    """What a browser posts from a GOV.UK date input: day, month and year. From a date, or a
    string written YYYY-MM-DD (split as typed, real date or not: "2027-02-30" -> 30, 2, 2027);
    "" gives three empty boxes, and any other string is what was typed into the day box alone."""
    from datetime import date

    if not value:
        return ["", "", ""]
    if isinstance(value, date):
        return [str(value.day), str(value.month), str(value.year)]
    iso = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", value)
    if iso is None:
        return [value, "", ""]
    return [str(int(iso[3])), str(int(iso[2])), iso[1]]
