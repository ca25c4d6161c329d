"""One JSON line per request on `portal.request`, with no personal data; the request id goes
back in a header and on the error pages."""
from __future__ import annotations

import json
import logging

import pytest

from portal.extensions import db
from tests.factories import make_pupil


def _lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "portal.request"]


@pytest.fixture
def request_log(caplog):
    logger = logging.getLogger("portal.request")
    # the migrations' logging.config.fileConfig (run by the app fixture) disables loggers made before it
    disabled, logger.disabled = logger.disabled, False
    caplog.set_level(logging.INFO, logger="portal.request")
    yield caplog
    logger.disabled = disabled


def test_a_pupil_search_logs_its_route_user_status_time_and_queries_but_not_the_name(app, world, client,
                                                                                     request_log):
    pupil = make_pupil(world.school_a, "Oluwaseun", "Zebedee-Marchetti")
    upn = pupil.upn
    db.session.commit()
    client.login(world.user("school_staff"))
    request_log.clear()
    response = client.get("/pupils?q=Zebedee-Marchetti", headers={"X-Request-ID": "lb-0123456789abcdef"})
    assert response.status_code == 200 and "Zebedee-Marchetti" in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "lb-0123456789abcdef"  # a safe incoming id is kept
    [line] = _lines(request_log)
    assert line["request_id"] == "lb-0123456789abcdef"
    assert line["route"] == "/pupils" and line["endpoint"] == "pupils.search"
    assert line["method"] == "GET" and line["status"] == 200
    assert line["user_id"] == (world.user("school_staff")).id
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["queries"] >= 2  # the user, the search at least
    raw = " ".join(r.getMessage() for r in request_log.records)
    for personal in ("Zebedee", "Marchetti", "Oluwaseun", upn, "q=", "@"):
        assert personal not in raw, personal


def test_an_unsafe_incoming_request_id_is_replaced(app, client, request_log):
    response = client.get("/login", headers={"X-Request-ID": "<script>alert(1)</script>"})
    rid = response.headers["X-Request-ID"]
    assert rid != "<script>alert(1)</script>" and len(rid) == 32
    assert _lines(request_log)[-1]["request_id"] == rid
    assert _lines(request_log)[-1]["user_id"] is None


def test_the_404_page_shows_the_request_id_to_quote(app, world, client, request_log):
    client.login(world.user("la_admin"))
    response = client.get("/pupils/999999")
    assert response.status_code == 404
    rid = response.headers["X-Request-ID"]
    assert f"quote reference <strong class=\"app-request-id\">{rid}</strong>" in response.get_data(as_text=True)
    line = _lines(request_log)[-1]
    assert line["status"] == 404 and line["route"] == "/pupils/<int:pupil_id>" and line["request_id"] == rid


def test_the_500_page_shows_the_request_id_and_the_line_says_500(app, request_log):
    from portal import create_app

    fresh = create_app({k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING")})
    fresh.config["PROPAGATE_EXCEPTIONS"] = False

    @fresh.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret detail")

    with fresh.app_context():
        response = fresh.test_client().get("/boom-for-test?name=Somebody")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    body = response.get_data(as_text=True)
    assert rid in body and "quote reference" in body
    line = _lines(request_log)[-1]
    assert line == {**line, "status": 500, "route": "/boom-for-test", "request_id": rid}
    assert "Somebody" not in json.dumps(line)
