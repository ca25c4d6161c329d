# ruff: noqa: F811  (pytest fixtures imported from tests.cases.test_views)
"""Issue 16: a page asked again by the same person while nothing was written is answered from
the page rendered a moment ago (portal/pagecache.py) -- and never when anything it could show
may have changed: any write (through a form, the ORM, a bulk or raw statement) changes the
records version in its own transaction; another person or session never gets it; the audit
entry is written on every view; the clock ends it; flashed messages are never lost."""
from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select, text, update

from portal import dataversion, pagecache
from portal.audit import AuditEvent, record
from portal.cases.models import Case
from portal.extensions import db
from portal.pupils.models import Pupil
from portal.timeutil import utcnow
from tests.cases.test_views import case, entry_form, pupil, signed_in  # noqa: F401  (fixtures)


def _records() -> int:
    return db.session.scalar(text("SELECT version FROM data_versions WHERE id = 2"))


def _get(client, url: str):
    before = dict(pagecache.stats)
    response = client.get(url)
    assert response.status_code == 200
    hit = pagecache.stats["hits"] - before["hits"]
    assert hit + pagecache.stats["misses"] - before["misses"] == 1
    return response, bool(hit)


def _views(case_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.verb == "case_viewed", AuditEvent.object_id == case_id))


def _without_nonce(html: str) -> str:
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


def test_the_same_page_again_is_the_same_html_with_its_own_nonce_and_its_own_audit_entry(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    first, hit = _get(ewo, f"/cases/{case.id}")
    assert not hit
    second, hit = _get(ewo, f"/cases/{case.id}")
    assert hit
    assert _without_nonce(second.get_data(as_text=True)) == _without_nonce(first.get_data(as_text=True))
    nonce = re.search(r"'nonce-([^']+)'", second.headers["Content-Security-Policy"]).group(1)
    first_nonce = re.search(r"'nonce-([^']+)'", first.headers["Content-Security-Policy"]).group(1)
    assert nonce != first_nonce
    assert f'nonce="{nonce}"' in second.get_data(as_text=True)
    assert first_nonce not in second.get_data(as_text=True)
    assert _views(case.id) == 2  # each view audited, the kept one too


def test_a_change_through_a_form_shows_at_once(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    _get(ewo, f"/cases/{case.id}")
    _get(ewo, f"/cases/{case.id}")
    assert ewo.post(f"/cases/{case.id}/chronology", data=entry_form(ewo, "note", "Spoke to mum at the gate")
                    ).status_code == 303
    shown = ewo.get(f"/cases/{case.id}")  # with the message "added" flashed: rendered, not kept
    assert "Spoke to mum at the gate" in shown.get_data(as_text=True)
    page, hit = _get(ewo, f"/cases/{case.id}")
    assert not hit
    assert "Spoke to mum at the gate" in page.get_data(as_text=True)


def test_every_kind_of_write_changes_the_records_version_and_the_audit_log_does_not(app, world, case, pupil):
    versions = {_records()}
    for write in (
        lambda: setattr(db.session.get(Pupil, pupil.id), "preferred_forename", "Ally"),                   # the ORM
        lambda: db.session.execute(update(Case).where(Case.id == case.id).values(next_review=None)),  # bulk
        lambda: db.session.execute(text("UPDATE pupils SET address = 'x' WHERE id = :id"), {"id": pupil.id}),
        lambda: db.session.execute(text("DELETE FROM pupil_contacts WHERE id = -1")),                 # raw SQL
    ):
        write()
        db.session.commit()
        assert _records() not in versions
        versions.add(_records())
    record(world.user("ewo"), "case_viewed", case)  # the audit log alone: every view writes to it
    db.session.commit()
    assert _records() in versions
    db.session.execute(text("UPDATE pupils SET address = 'y' WHERE id = :id"), {"id": pupil.id})
    db.session.rollback()
    assert _records() in versions  # rolled back: the same version
    # a TEMP table (an import's or a refresh's working table) is no record: nothing to stamp, so a
    # transaction that only reads the database never asks for its write lock at its commit
    db.session.execute(text("CREATE TEMP TABLE scratch_ids (pupil_id INTEGER PRIMARY KEY)"))
    db.session.execute(text("INSERT INTO scratch_ids (pupil_id) SELECT id FROM pupils"))
    db.session.execute(text("DROP TABLE scratch_ids"))
    db.session.commit()
    assert _records() in versions


def test_a_change_made_outside_the_pages_shows_at_once(app, world, case, pupil):
    ewo = signed_in(app, world.user("ewo"))
    _get(ewo, f"/pupils/{pupil.id}")
    assert _get(ewo, f"/pupils/{pupil.id}")[1]
    db.session.execute(update(Pupil).where(Pupil.id == pupil.id).values(preferred_forename="Renamed"))
    db.session.commit()
    page, hit = _get(ewo, f"/pupils/{pupil.id}")
    assert not hit and "Renamed" in page.get_data(as_text=True)


def test_never_another_person_or_another_session(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    _get(ewo, f"/cases/{case.id}")
    staff = signed_in(app, world.user("school_staff"))  # (signing in writes: the version moves on)
    _get(ewo, f"/cases/{case.id}")
    assert not _get(staff, f"/cases/{case.id}")[1]
    assert _get(staff, f"/cases/{case.id}")[1]
    other = app.test_client()
    other.login(world.user("ewo"))
    _get(ewo, f"/cases/{case.id}")
    page, hit = _get(other, f"/cases/{case.id}")
    assert not hit  # the same person in another session: another CSRF token, never the other's
    assert other.post(f"/cases/{case.id}/chronology", data=entry_form(other, "note", "From the other session")
                      ).status_code == 303


def test_the_clock_ends_a_kept_page(app, world, case):
    app.config["PAGE_CACHE_SECONDS"] = 30
    ewo = signed_in(app, world.user("ewo"))
    with time_machine.travel(utcnow(), tick=False) as clock:
        _get(ewo, f"/cases/{case.id}")
        clock.shift(timedelta(seconds=29))
        assert _get(ewo, f"/cases/{case.id}")[1]
        clock.shift(timedelta(seconds=2))
        assert not _get(ewo, f"/cases/{case.id}")[1]


def test_a_flashed_message_is_shown_not_a_kept_page(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    _get(ewo, f"/cases/{case.id}")
    with ewo.session_transaction() as s:
        s["_flashes"] = [("success", "Saved a thing")]
    before = dict(pagecache.stats)
    page = ewo.get(f"/cases/{case.id}")
    assert pagecache.stats == before  # not even looked for
    assert "Saved a thing" in page.get_data(as_text=True)
    again, hit = _get(ewo, f"/cases/{case.id}")
    assert hit and "Saved a thing" not in again.get_data(as_text=True)


def test_htmx_requests_and_a_setting_of_zero_keep_nothing(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    _get(ewo, f"/cases/{case.id}")
    before = dict(pagecache.stats)
    ewo.get(f"/cases/{case.id}", headers={"HX-Request": "true", "HX-Target": "chronology"})
    assert pagecache.stats == before  # not even looked for
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        ewo.get(f"/cases/{case.id}")
        assert pagecache.stats == before
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 30


def test_a_transaction_that_has_written_reads_no_version(app, world, pupil):
    with app.test_request_context():
        assert dataversion.records() is not None
        db.session.execute(update(Pupil).where(Pupil.id == pupil.id).values(address="z"))
        assert dataversion.records() is None
        db.session.rollback()


def test_the_pages_kept_stay_within_their_budget(app, world, case, pupil):
    ewo = signed_in(app, world.user("ewo"))
    pagecache.clear()
    _get(ewo, f"/cases/{case.id}")
    _get(ewo, f"/pupils/{pupil.id}")
    kept, size = pagecache.size()
    assert kept == 2 and size > 0
    app.config["PAGE_CACHE_MB"] = 0
    try:
        pagecache.clear()
        _get(ewo, f"/cases/{case.id}")
        assert pagecache.size() == (0, 0)
    finally:
        app.config["PAGE_CACHE_MB"] = 8
