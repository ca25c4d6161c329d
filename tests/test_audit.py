"""The audit trail: written in the same transaction as the change, append-only, browsable."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal import audit
from portal.audit import AuditEvent, AuditImmutable
from portal.errors import Refused
from portal.extensions import db
from portal.orgs import service
from portal.orgs.models import Organisation, OrgKind


def _count():
    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_change_and_audit_commit_together(world):
    admin = world.user("la_admin")
    before = _count()
    org = service.create_organisation(admin, {"name": "Harbour Early Help Hub", "kind": OrgKind.early_help})
    entry = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert _count() == before + 1
    assert (entry.verb, entry.object_type, entry.object_id) == ("organisation_created", "Organisation", org.id)
    assert entry.changes["name"] == {"from": None, "to": "Harbour Early Help Hub"}


def test_a_failed_change_leaves_no_audit_row_and_no_change(world):
    """The audit entry is in the same transaction: when the write fails, neither lands."""
    admin = world.user("la_admin")
    org_count = db.session.scalar(select(func.count(Organisation.id)))
    before = _count()
    # A URN that collides at the database (the service's own check is bypassed by writing
    # straight through the session), so the commit fails after the audit row was added.
    audit.record(admin, "organisation_created", summary="Duplicate URN School")
    db.session.add(Organisation(name="Duplicate URN School", kind=OrgKind.school, urn=world.school_a.urn))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert _count() == before
    assert db.session.scalar(select(func.count(Organisation.id))) == org_count


def test_service_refusal_writes_nothing(world):
    admin = world.user("la_admin")
    before = _count()
    with pytest.raises(Refused):
        service.create_organisation(admin, {"name": "School A", "kind": OrgKind.police})
    db.session.rollback()
    assert _count() == before


def test_the_orm_refuses_to_change_or_delete_an_entry(world):
    entry = audit.record(world.user("la_admin"), "something")
    db.session.commit()
    entry.verb = "tampered"
    with pytest.raises(AuditImmutable):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, entry.id))
    with pytest.raises(AuditImmutable):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_update_of_an_entry(world):
    entry = audit.record(world.user("la_admin"), "something")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(update(AuditEvent).where(AuditEvent.id == entry.id).values(verb="tampered"))
    db.session.rollback()
    assert db.session.get(AuditEvent, entry.id).verb == "something"


def test_no_route_can_change_an_audit_record(app):
    audit_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert audit_rules
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, f"{rule} accepts {rule.methods}"


def test_unsafe_methods_on_the_audit_log_are_refused(client, world):
    client.login(world.user("la_admin"))
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/audit", data={"csrf_token": client.token()})
        assert response.status_code == 405


def test_admin_filters_the_audit_log(client, other_client, world):
    other_client.login(world.user("ewo"), password="wrong-password-1")
    client.login(world.user("la_admin"))
    by_verb = client.get("/audit?verb=login_failed").get_data(as_text=True)
    assert "ewo.a@test.example" in by_verb
    assert "login failed" in by_verb
    by_user = client.get("/audit?user=admin%40test").get_data(as_text=True)
    table = by_user.split("newest first")[1]
    assert "admin@test.example" in table and "ewo.a@test.example" not in table


def test_audit_filter_errors_are_shown(client, world):
    client.login(world.user("la_admin"))
    response = client.get("/audit?from=2026-13-45&object_id=abc")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter a real date" in body and "whole number" in body


def _signed_in_with_entries(client, world, n: int) -> None:
    """`n` entries "entry 0" .. "entry n-1" (verb bulk_test), and the LA admin signed in."""
    admin = world.user("la_admin")
    for i in range(n):
        audit.record(admin, "bulk_test", summary=f"entry {i}")
    db.session.commit()
    client.login(admin)


def test_audit_log_is_paginated(client, world):
    _signed_in_with_entries(client, world, 60)
    first = client.get("/audit?verb=bulk_test").get_data(as_text=True)
    assert "60 entries" in first and "entry 59" in first and "entry 5<" not in first
    second = client.get("/audit?verb=bulk_test&page=2").get_data(as_text=True)
    assert "entry 5<" in second


def test_the_filters_list_every_verb_and_type_held_once_in_order(client, world):
    from sqlalchemy import select

    from portal.audit import AuditEvent
    from portal.auditlog.views import verbs_and_kinds_held

    admin = world.user("la_admin")
    for verb, kind in (("zulu_test", "Case"), ("alpha_test", None), ("zulu_test", "Pupil"), ("mike_test", "Case")):
        audit.record(admin, verb, object_type=kind, object_id=1 if kind else None)
    db.session.commit()
    plain = db.session.scalars(select(AuditEvent.verb).distinct().order_by(AuditEvent.verb)).all()
    kinds = db.session.scalars(select(AuditEvent.object_type).distinct()
                               .where(AuditEvent.object_type.is_not(None)).order_by(AuditEvent.object_type)).all()
    verbs, types = verbs_and_kinds_held()
    assert verbs == plain
    assert types == kinds == ["Case", "Pupil"]
    client.login(admin)
    page = client.get("/audit").get_data(as_text=True)
    assert page.index('value="alpha_test"') < page.index('value="mike_test"') < page.index('value="zulu_test"')


def test_a_long_audit_log_is_counted_only_up_to_its_cap(client, world, monkeypatch):
    from portal.auditlog import views

    monkeypatch.setattr(views, "COUNT_CAP", 100)
    _signed_in_with_entries(client, world, 160)
    first = client.get("/audit?verb=bulk_test").get_data(as_text=True)
    assert "More than 100 entries, newest first" in first
    assert "entry 159<" in first and "entry 110<" in first and "entry 109<" not in first
    assert 'href="/audit?verb=bulk_test&amp;page=2"' in first and "page=3" not in first  # only the next page is known
    last = client.get("/audit?verb=bulk_test&page=4").get_data(as_text=True)
    assert "More than 100 entries" in last and "entry 9<" in last and "entry 0<" in last and "entry 10<" not in last
    assert "govuk-pagination__next" not in last and 'page=3"' in last
    past = client.get("/audit?verb=bulk_test&page=9").get_data(as_text=True)  # past the end: counted, the last page
    assert "160 entries" in past and "entry 0<" in past and "entry 10<" not in past
    monkeypatch.setattr(views, "COUNT_CAP", 160)
    exact = client.get("/audit?verb=bulk_test").get_data(as_text=True)
    assert "160 entries, newest first" in exact and "More than" not in exact and "page=4" in exact
