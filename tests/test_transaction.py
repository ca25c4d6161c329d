"""One commit per request (`portal.transaction`): an answer below 400 is committed, an
exception or a refusal (400 or more) keeps nothing but what the request chose to `keep()`, a
stale row met by the final commit is a 409, and what waits for the commit runs after it.

The boundary is exercised through a second app on the same database with a few views of its
own (the session's app keeps exactly the routes of the access matrix), and through the real
sign-in, referral and mail paths."""
from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import func, select, update

from portal import create_app, transaction
from portal.audit import AuditEvent
from portal.cases.models import Referral
from portal.extensions import db
from portal.notifications import notify
from portal.notifications.models import OutboxEmail
from portal.orgs.models import Organisation, User
from tests.cases.test_mail import smtp_server  # noqa: F401  (the fixture)
from tests.factories import make_org, make_pupil

probe = Blueprint("probe", __name__)
ran_after_commit: list[str] = []


def _note(verb: str) -> None:
    db.session.add(AuditEvent(verb=verb, actor_label="test", summary="probe"))
    db.session.flush()


@probe.route("/probe/ok", methods=["POST"])
def ok():
    _note("probe_ok")
    transaction.after_commit(lambda: ran_after_commit.append("ok"))
    return "done"


@probe.route("/probe/refused", methods=["POST"])
def refused():
    _note("probe_half_done")  # a first part written...
    try:
        raise ValueError("...then the rest is refused")
    except ValueError:
        transaction.after_commit(lambda: ran_after_commit.append("refused"))
        return "form shown again", 422


@probe.route("/probe/kept", methods=["POST"])
def kept():
    _note("probe_kept")
    transaction.keep()
    _note("probe_after_keep")
    return "refused", 401


@probe.route("/probe/raises", methods=["POST"])
def raises():
    _note("probe_raised")
    raise RuntimeError("boom")


@probe.route("/probe/stale/<int:org_id>", methods=["POST"])
def stale(org_id: int):
    """Someone else's write lands between this request's last flush and its commit."""
    org = db.session.get(Organisation, org_id)
    db.session.execute(update(Organisation).where(Organisation.id == org_id)
                       .values(version=Organisation.version + 1).execution_options(synchronize_session=False))
    org.name = "Renamed by the stale request"
    return "saved"


@pytest.fixture(scope="module")
def probe_app(app):
    other = create_app({**app.config, "WTF_CSRF_ENABLED": False})
    other.register_blueprint(probe)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _post(probe_app, url: str):
    db.session.commit()  # the test's own session holds no lock meanwhile
    response = probe_app.test_client().post(url)
    db.session.expire_all()
    return response


def _verbs() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.verb).where(AuditEvent.verb.like("probe_%"))
                                   .order_by(AuditEvent.id)))


def test_an_answer_below_400_is_committed_then_what_waits_for_the_commit_runs(probe_app):
    ran_after_commit.clear()
    assert _post(probe_app, "/probe/ok").status_code == 200
    assert _verbs() == ["probe_ok"]
    assert ran_after_commit == ["ok"]


def test_a_refusal_shown_again_keeps_no_half_of_the_change(probe_app):
    ran_after_commit.clear()
    assert _post(probe_app, "/probe/refused").status_code == 422
    assert _verbs() == []
    assert ran_after_commit == []  # nothing was committed, so nothing waits for it


def test_a_refusal_keeps_what_was_kept_and_only_that(probe_app):
    assert _post(probe_app, "/probe/kept").status_code == 401
    assert _verbs() == ["probe_kept"]


def test_an_exception_keeps_nothing(probe_app):
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert _post(probe_app, "/probe/raises").status_code == 500
    assert _verbs() == []


def test_a_stale_row_at_the_final_commit_is_a_conflict_page_not_a_500(probe_app):
    org = make_org(name="School Before")
    db.session.commit()
    response = _post(probe_app, f"/probe/stale/{org.id}")
    assert response.status_code == 409
    assert "Someone else changed this record" in response.get_data(as_text=True)
    assert db.session.get(Organisation, org.id).name == "School Before"


def test_a_failed_sign_in_is_recorded_though_the_answer_is_401(client, world):
    user = world.user("ewo")
    client.get("/login")
    assert client.post_form("/login", {"email": user.email, "password": "wrong-password-1"}).status_code == 401
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.verb == "login_failed", AuditEvent.actor_id == user.id)) == 1


def test_a_refused_submission_keeps_neither_a_draft_nor_the_submission(client, world):
    """Issue 14.2: a draft is saved only when "Save as draft" is chosen."""
    from tests.cases.test_views import REFERRAL_FORM

    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/referrals/new")
    client.checks_pages = False
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new",
                                {**REFERRAL_FORM, "barrier": [], "action": "submit"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.scalars(select(Referral.status).where(Referral.pupil_id == pupil.id)).all() == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.verb == "referral_submitted")) == 0


def test_e_mail_is_sent_after_the_request_has_committed_it(app, client, world, smtp_server, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.server_address[1])
    committed_when_sent = []
    real_send = notify.smtplib.SMTP.send_message

    def send_message(smtp, message, *args, **kwargs):
        with db.engine.connect().execution_options(sqlite_deferred=True) as elsewhere:  # sees committed rows only
            committed_when_sent.append(elsewhere.scalar(select(func.count()).select_from(OutboxEmail)))
        return real_send(smtp, message, *args, **kwargs)

    monkeypatch.setattr(notify.smtplib.SMTP, "send_message", send_message)
    from tests.cases.test_views import REFERRAL_FORM

    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}/referrals/new")
    response = client.post_form(f"/pupils/{pupil.id}/referrals/new", {**REFERRAL_FORM, "action": "submit"})
    assert response.status_code == 303  # submitted: the named EWO is told, by e-mail too
    assert committed_when_sent == [1]  # the request had committed the e-mail before it was sent
    db.session.expire_all()
    assert db.session.scalar(select(OutboxEmail.sent_at)) is not None


def test_a_page_view_on_postgresql_writes_its_audit_entry_outside_a_transaction_block(client, world):
    """`transaction.start_request`: a GET to an `audit.viewing` page runs in autocommit on
    PostgreSQL (no BEGIN, no COMMIT: its entry is committed by its INSERT); a change does not,
    and a page answering 422 writes its one entry in a transaction of its own."""
    from sqlalchemy import event

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's counterpart is portal.sqlite.audits_on_get")
    seen: list[tuple[str, bool]] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO audit_events"):
            seen.append((parameters["verb"], conn.connection.dbapi_connection.autocommit))

    staff = world.user("school_staff")
    client.login(staff)
    page = f"/schools/{world.school_a.id}/attendance"
    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        assert client.get(page).status_code == 200
        assert client.get(page + "?year=abc").status_code == 422  # the filters shown again
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    assert [autocommit for _, autocommit in seen] == [True, False]
    entries = db.session.scalars(select(AuditEvent.summary).where(AuditEvent.actor_id == staff.id)
                                 .order_by(AuditEvent.id.desc()).limit(3)).all()
    assert entries[:2] == ["year=abc", ""]  # both committed, once each
