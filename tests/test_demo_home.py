"""Issue 14, the demo: seeded referrals waited different lengths of time (the triage queue shows
ageing); the LA admin's home page does not speak of "the schools you serve"; an EWO with no
schools is told to ask an admin to assign them."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from portal.cases.models import Case, Referral, ReferralStatus
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import as_utc
from tests.demo import seed_demo
from tests.factories import make_user


def _text(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


def test_the_demo_queue_shows_ageing_and_the_la_admin_is_not_told_of_schools_you_serve(app):
    seed_demo("attend-demo-2026")
    waiting = db.session.scalars(select(Referral).where(Referral.status == ReferralStatus.submitted)).all()
    days = {(as_utc(r.created_at).date(), as_utc(r.submitted_at).date()) for r in waiting}
    assert len({d for _, d in days}) >= 3, "the referrals awaiting triage were all sent on one day"
    assert all(created <= sent for created, sent in days)
    for case in db.session.scalars(select(Case)):  # a case opens when its referral was triaged
        assert case.referral is not None and case.referral.submitted_at < case.referral.triaged_at
        assert as_utc(case.opened_at) == as_utc(case.referral.triaged_at)

    client = app.test_client()
    client.login("ewo@demo.test", password="attend-demo-2026")
    page = client.get("/referrals").get_data(as_text=True)
    shown = [int(d) for d in re.findall(r'govuk-table__cell--numeric">(\d+)</td>', page)]
    assert len(set(shown)) >= 3 and shown == sorted(shown, reverse=True), shown  # oldest first

    # The LA admin serves every school: the home page says so.
    client = app.test_client()
    client.login("admin@demo.test", password="attend-demo-2026")
    text = _text(client.get("/"))
    assert "Referrals awaiting triage" in text and "From every school, oldest first" in text
    assert "schools you serve" not in text.lower() and "pupils you work with" not in text.lower()
    assert "each school's named EWO" in text  # the first letter made capital, the rest kept
    assert "ask an administrator" not in text.lower()


def test_an_ewo_with_no_schools_is_told_to_ask_an_admin(app, world):
    newcomer = make_user("ewo", world.service, name="Nina New")
    db.session.commit()
    client = app.test_client()
    client.login(newcomer)
    text = _text(client.get("/"))
    assert "You are not the named education welfare officer for any school yet" in text
    assert "Ask an administrator of the LA attendance service to assign your schools to you" in text

    served = app.test_client()
    served.login(world.user("ewo"))
    assert "not the named education welfare officer for any school" not in _text(served.get("/"))
    assert db.session.scalar(select(User.id).where(User.id == newcomer.id))
