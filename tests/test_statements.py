"""Statements built once and run many times (portal.statements), and what the pages that use
them show: each person's own counts, fresh after every change."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask import url_for
from sqlalchemy import bindparam, func, select

from portal import access
from portal.cases import referrals
from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import User
from portal.statements import StatementMemo, Who, built_once
from portal.templating import fixed_url
from tests.cases.test_access import GOOD
from tests.factories import make_pupil


def _counts(response) -> dict[str, int]:
    """The home page's cards: title -> count."""
    page = response.get_data(as_text=True)
    return {html.unescape(title): int(count) for count, title in
            re.findall(r'app-key-groups__count">(\d+)</span>([^<]+)</a>', page)}


def test_a_statement_built_once_runs_with_its_parameters(world):
    built = []

    @built_once
    def by_email():
        built.append(1)
        return select(User.name).where(User.email == bindparam("email"))

    assert by_email() is by_email() and len(built) == 1
    assert db.session.scalar(by_email(), {"email": "ewo.a@test.example"}) == world.user("ewo").name
    assert db.session.scalar(by_email(), {"email": "ewo.b@test.example"}) == world.user("ewo_b").name


def test_a_memo_keeps_a_statement_per_key_bounded_and_reads_afresh(world):
    built = []

    def unread(who: Who):
        built.append(who)
        return select(func.count()).select_from(Notification).where(Notification.user_id == who.id)

    memo = StatementMemo(unread, maxsize=2)
    ewo, ewo_b, chair = (Who.of(world.user(k)) for k in ("ewo", "ewo_b", "panel_chair"))
    assert memo(ewo) is memo(ewo) and memo(ewo) is not memo(ewo_b)
    assert built == [ewo, ewo_b]
    assert db.session.scalar(memo(ewo)) == 0
    db.session.add(Notification(user_id=ewo.id, text="A case was shared with you"))
    db.session.commit()
    assert db.session.scalar(memo(ewo)) == 1 and db.session.scalar(memo(ewo_b)) == 0  # afresh, each their own
    memo(ewo)
    memo(chair)  # a third key: the least recently used (ewo_b) goes
    assert len(memo) == 2
    memo(ewo_b)
    assert built == [ewo, ewo_b, chair, ewo_b]


def test_a_memo_takes_plain_values_only(world):
    memo = StatementMemo(lambda who, day=None: select(User.id).where(User.id == who.id))
    with pytest.raises(TypeError):
        memo(world.user("ewo"))  # the user object itself: its statement could read anything of them
    assert memo(Who.of(world.user("ewo")), date(2026, 12, 4)) is not None


def test_who_names_only_what_the_scopes_read(world):
    who = Who.of(world.user("school_staff"))
    assert (who.id, who.role, who.organisation_id, who.active) == (
        world.user("school_staff").id, "school_staff", world.school_a.id, True)
    assert access.can(who, "view_referrals") and not access.can(who, "run_panels")
    with pytest.raises(AttributeError):
        who.email  # noqa: B018 - a scope that read more of a user than its key would fail here


def test_home_counts_are_each_persons_own_and_fresh_after_a_change(app, world):
    staff_a, staff_b = app.test_client(), app.test_client()
    staff_a.login(world.user("school_staff"))
    staff_b.login(world.user("school_staff_b"))
    ewo_a, ewo_b = app.test_client(), app.test_client()
    ewo_a.login(world.user("ewo"))
    ewo_b.login(world.user("ewo_b"))
    assert _counts(staff_a.get("/"))["Referrals"] == 0
    assert _counts(ewo_a.get("/"))["Referrals awaiting triage"] == 0

    pupil = make_pupil(world.school_a, "Alex", "Able")
    db.session.commit()
    draft = referrals.save_draft(world.user("school_staff"), pupil, dict(GOOD))
    db.session.commit()
    assert _counts(staff_a.get("/"))["Referrals"] == 1  # a draft of school A
    assert _counts(staff_b.get("/"))["Referrals"] == 0  # not school B's

    referrals.submit(world.user("school_staff"), draft, draft.version)
    db.session.commit()
    assert _counts(staff_a.get("/"))["Referrals"] == 0
    assert _counts(ewo_a.get("/"))["Referrals awaiting triage"] == 1  # the EWO serving school A
    assert _counts(ewo_b.get("/"))["Referrals awaiting triage"] == 0


def test_the_header_counts_unread_notifications_afresh(app, world):
    client = app.test_client()
    client.login(world.user("ewo"))
    assert "app-notification-count" not in client.get("/").get_data(as_text=True)
    db.session.add(Notification(user_id=world.user("ewo").id, text="A case was shared with you"))
    db.session.commit()
    assert 'app-notification-count">1<' in client.get("/").get_data(as_text=True)
    other = app.test_client()
    other.login(world.user("ewo_b"))
    assert "app-notification-count" not in other.get("/").get_data(as_text=True)


def test_each_role_keeps_its_own_navigation(app, world):
    """The navigation is worked out once per role (and endpoint): one role's is never another's."""
    sections = {}
    for key in ("school_staff", "ewo", "police", "la_admin", "panel_chair"):
        client = app.test_client()
        client.login(world.user(key))
        page = client.get("/").get_data(as_text=True)
        sections[key] = re.findall(r'govuk-service-navigation__link" href="([^"]+)"', page)
    assert "/users" not in " ".join(sections["school_staff"] + sections["police"])
    assert len({tuple(v) for v in sections.values()}) == len(sections)


def test_fixed_addresses_follow_where_the_app_is_mounted(app):
    with app.test_request_context("/"):
        assert fixed_url("static", filename="css/portal.css") == "/static/css/portal.css"
    with app.test_request_context("/", base_url="http://localhost/portal/"):
        assert url_for("static", filename="css/portal.css") == "/portal/static/css/portal.css"
        assert fixed_url("static", filename="css/portal.css") == "/portal/static/css/portal.css"
        assert fixed_url("dashboard.home") == "/portal/"
