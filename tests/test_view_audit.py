"""Every view of a child's record is audited: exactly one audit row per request that shows
pupil-level data, written by the person who saw it.

The test is generated from the access matrix: it walks every GET route of
tests/test_access_matrix.py's MATRIX as each role allowed to use it, as a full page and as the
htmx fragments the view serves (HX-Request, and each HX-Target its source branches on), and
decides from the RESPONSE whether it showed pupil-level data (the surname, UPN or date of birth
of the matrix's pupil, also inside a PDF's compressed pages). A new route that shows a child's
record without auditing it fails here without anyone listing it."""
from __future__ import annotations

import base64
import inspect
import re
import zlib

import pytest
from sqlalchemy import func, select

from portal import access
from portal.audit import AuditEvent
from portal.extensions import db
from portal.pupils.models import Pupil
from tests.test_access_matrix import MATRIX, PUBLIC, _url, url_args

ROLE_USERS = list(access.ROLES)

# Search endpoints answer with pupils only when asked: the query that finds the matrix's pupil
# (the match search needs a name with a date of birth or an age).
SEARCHES = {
    "pupils.search": lambda p: f"q={p.legal_surname}",
    "panels.search_cases": lambda p: f"q={p.legal_surname}",
    "sweeps.match_encounter": lambda p: (f"name={p.legal_surname}&born={p.date_of_birth.day}"
                                         f"&born={p.date_of_birth.month}&born={p.date_of_birth.year}"),
}

_TARGET_RE = re.compile(r"""htmx\.target\s*==\s*["']([\w-]+)["']""")
_STREAM_RE = re.compile(rb"stream\r?\n(.*?)endstream", re.S)


def _markers(pupil: Pupil) -> list[re.Pattern]:
    dob = pupil.date_of_birth
    texts = [pupil.legal_surname, pupil.upn, dob.isoformat(), f"{dob.day} {dob.strftime('%B %Y')}",
             f"{dob.day} {dob.strftime('%b %Y')}", dob.strftime("%d/%m/%Y")]
    return [re.compile(rf"(?<![A-Za-z0-9]){re.escape(t)}(?![A-Za-z0-9])") for t in texts]


def _text(response) -> str:
    body = response.get_data()
    if response.mimetype == "application/pdf":
        parts = [body]
        for stream in _STREAM_RE.findall(body):  # reportlab: ASCII85, then Flate
            try:
                parts.append(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>"))))
            except (ValueError, zlib.error):
                pass
        return b"\n".join(parts).decode("latin-1")
    return body.decode("utf-8", errors="replace")


def _htmx_variants(app, endpoint: str) -> list[dict]:
    """A full page, an htmx request, and an htmx request for each target the view's source
    picks a fragment for."""
    source = inspect.getsource(inspect.unwrap(app.view_functions[endpoint]))
    targets = sorted(set(_TARGET_RE.findall(source)))
    return [{}, {"HX-Request": "true"}] + [{"HX-Request": "true", "HX-Target": t} for t in targets]


def _get_routes(app):
    for endpoint, (allowed, _) in sorted(MATRIX.items()):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if allowed != PUBLIC and "GET" in rule.methods:
            yield endpoint, allowed


def _last_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


@pytest.mark.parametrize("role", ROLE_USERS)
def test_every_view_of_a_childs_record_writes_one_audit_row(app, world, role):
    user = world.user(role)
    args = url_args(world)
    pupil = db.session.get(Pupil, args["pupil_id"])
    markers = _markers(pupil)
    client = app.test_client()
    assert client.login(user).status_code == 302
    shown, problems = [], []
    for endpoint, allowed in _get_routes(app):
        if role not in allowed:
            continue
        url = _url(app, endpoint, world)
        if endpoint in SEARCHES:
            url += ("&" if "?" in url else "?") + SEARCHES[endpoint](pupil)
        for headers in _htmx_variants(app, endpoint):
            before = _last_id()
            response = client.get(url, headers=headers)
            if not any(m.search(_text(response)) for m in markers):
                continue
            shown.append(endpoint)
            rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
            label = f"{endpoint} {url} {headers or ''}".strip()
            if len(rows) != 1:
                problems.append(f"{label}: {len(rows)} audit rows")
            elif rows[0].actor_id != user.id:
                problems.append(f"{label}: audited as {rows[0].actor_label!r}, not {user.email}")
    assert shown, f"no view showed the pupil to {role}: the test would prove nothing"
    assert not problems, "views of a child's record without exactly one audit row:\n" + "\n".join(problems)


def test_the_markers_find_the_pupil_in_a_pdf(app, world):
    """The PDF minutes are compressed: the test reads inside them (else it could not fail)."""
    args = url_args(world)
    pupil = db.session.get(Pupil, args["pupil_id"])
    client = app.test_client()
    client.login(world.user("panel_chair"))
    response = client.get(f"/panels/{args['meeting_id']}/minutes/pdf?version=restricted")
    assert response.mimetype == "application/pdf"
    assert pupil.legal_surname.encode() not in response.get_data()
    assert any(m.search(_text(response)) for m in _markers(pupil))


# ----- the mechanism, by example -------------------------------------------------------------------

def _entries(verb: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if verb:
        stmt = stmt.where(AuditEvent.verb == verb)
    return list(db.session.scalars(stmt))


def test_a_pupil_search_is_audited_with_its_terms(client, world):
    from tests.factories import make_pupil

    pupil = make_pupil(world.school_a, surname="Quartermaine")
    db.session.commit()
    user = world.user("school_staff")
    client.login(user)
    before = len(_entries())
    assert client.get("/pupils").status_code == 200  # the empty form shows nobody
    assert len(_entries()) == before
    page = client.get("/pupils?q=quarter%20%20MAINE")
    assert pupil.legal_surname in page.get_data(as_text=True)
    client.get("/pupils?q=quarter", headers={"HX-Request": "true"})  # the active search's fragment
    searches = _entries("pupil_search")
    assert [(e.actor_id, e.summary, e.object_type) for e in searches] == [
        (user.id, "q=quarter MAINE", None), (user.id, "q=quarter", None)]
    assert searches[0].ip == "127.0.0.1"


def test_a_record_out_of_scope_writes_no_entry(client, world):
    from tests.factories import make_pupil

    pupil = make_pupil(world.school_a)
    db.session.commit()
    client.login(world.user("school_staff_b"))
    before = len(_entries())
    assert client.get(f"/pupils/{pupil.id}").status_code == 404
    assert client.get(f"/pupils/{pupil.id}/edit").status_code == 404
    assert len(_entries()) == before


def test_a_form_shown_again_with_its_errors_is_one_view_and_changes_nothing(client, world):
    from portal.pupils.models import Pupil
    from tests.factories import make_pupil

    pupil = make_pupil(world.school_a)
    db.session.commit()
    user = world.user("school_staff")
    client.login(user)
    assert client.get(f"/pupils/{pupil.id}/edit").status_code == 200
    response = client.post_form(f"/pupils/{pupil.id}/edit", {"legal_forename": "", "legal_surname": "Changed",
                                                             "nc_year": "6", "version": str(pupil.version)})
    assert response.status_code == 422
    views = _entries("pupil_edit_viewed")
    assert [(e.actor_id, e.object_type, e.object_id) for e in views] == [(user.id, "Pupil", pupil.id)] * 2
    assert "csrf" not in views[1].summary.lower() and "Changed" not in views[1].summary
    assert not _entries("pupil_updated")
    db.session.expire_all()
    assert db.session.get(Pupil, pupil.id).legal_surname == pupil.legal_surname


def test_the_match_search_is_audited_with_its_terms(client, world):
    args = url_args(world)
    ewo = world.user("ewo")
    client.login(ewo)
    response = client.get(f"/encounters/{args['unmatched_encounter_id']}/match?name=Smith&age=11")
    assert response.status_code == 200
    assert client.get(f"/encounters/{args['unmatched_encounter_id']}/match?name=Smith").status_code == 422
    entries = _entries("encounter_match_search")
    assert [(e.actor_id, e.object_type, e.object_id) for e in entries] == \
        [(ewo.id, "Encounter", args["unmatched_encounter_id"])] * 2
    assert [e.summary for e in entries] == ["name “Smith”, age 11", "name “Smith” (refused)"]


def test_the_school_attendance_rows_fragment_and_csv_note_their_filters(client, world):
    client.login(world.user("ewo"))
    school = world.school_a.id
    assert client.get(f"/schools/{school}/attendance?band=persistent&sort=name",
                      headers={"HX-Request": "true", "HX-Target": "school-rows"}).status_code == 200
    response = client.get(f"/schools/{school}/attendance.csv?band=persistent")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert [(e.verb, e.object_type, e.object_id, e.summary) for e in _entries()[-2:]] == [
        ("school_attendance_viewed", "Organisation", school, "band=persistent; sort=name"),
        ("attendance_exported", "Organisation", school, "band=persistent")]


def test_the_audit_log_filters_views_of_childrens_records(client, world):
    from tests.factories import make_pupil

    pupil = make_pupil(world.school_a, surname="Quartermaine")
    db.session.commit()
    client.login(world.user("school_staff"))
    client.get(f"/pupils/{pupil.id}")
    client.get("/pupils?q=quartermaine")
    admin = client.application.test_client()
    admin.login(world.user("la_admin"))
    every_view = admin.get("/audit?verb=views").get_data(as_text=True)
    assert "2 entries" in every_view and "pupil viewed" in every_view and "pupil search" in every_view
    assert f'href="/pupils/{pupil.id}">Pupil {pupil.id}</a>' in every_view  # the record, one click away
    assert "q=quartermaine" in every_view
    searches = admin.get("/audit?verb=pupil_search").get_data(as_text=True)
    assert "1 entry" in searches and "q=quartermaine" in searches
    assert "A search for pupils (pupil search)" in searches  # the filter names what was seen


def test_the_mechanism_never_notes_secrets_and_is_used_inside_a_marked_view(app):
    from portal import audit

    with pytest.raises(ValueError):
        audit.viewing("thing_viewed", "a thing", terms=("q", "password"))
    with app.test_request_context("/"), pytest.raises(RuntimeError):
        audit.viewed(detail="nothing")
