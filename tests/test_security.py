"""CSRF on every unsafe route (htmx included), security headers, error pages, health."""
from __future__ import annotations

import pytest

from tests.test_access_matrix import _url

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _unsafe_endpoints(app):
    return sorted({r.endpoint for r in app.url_map.iter_rules()
                   if r.endpoint != "static" and set(r.methods) & set(UNSAFE)})


def test_every_unsafe_route_refuses_a_missing_csrf_token(app, client, world):
    client.login(world.user("la_admin"))
    endpoints = _unsafe_endpoints(app)
    assert "auth.logout" in endpoints and "orgs.new_user" in endpoints
    for endpoint in endpoints:
        url = _url(app, endpoint, world)
        plain = client.post(url, data={"name": "x"})
        assert plain.status_code == 400, f"{endpoint} accepted a POST without a CSRF token"
        htmx = client.post(url, data={"name": "x"}, headers={"HX-Request": "true"})
        assert htmx.status_code == 400, f"{endpoint} accepted an htmx POST without a CSRF token"
        wrong = client.post(url, data={"name": "x"}, headers={"HX-Request": "true", "X-CSRFToken": "forged"})
        assert wrong.status_code == 400, f"{endpoint} accepted a forged CSRF header"
    assert client.get("/").status_code == 200  # still signed in: logout was refused too


def test_login_itself_needs_the_csrf_token(client, world):
    response = client.post("/login", data={"email": world.user("ewo").email, "password": "x" * 12})
    assert response.status_code == 400


def test_htmx_request_with_the_header_token_is_accepted(client, world):
    client.login(world.user("ewo"))
    token = client.token()
    response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 302


def test_every_page_sends_the_security_headers(client, world):
    client.login(world.user("la_admin"))
    response = client.get("/users")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_the_only_inline_script_carries_the_nonce(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    inline = [chunk for chunk in html.split("<script")[1:] if "src=" not in chunk.split(">")[0]]
    assert len(inline) == 1 and f'nonce="{nonce}"' in inline[0]
    assert "onclick" not in html and "hx-on" not in html


def test_htmx_is_configured_safely(client):
    html = client.get("/login").get_data(as_text=True)
    assert '"allowEval": false' in html and '"selfRequestsOnly": true' in html
    assert '"includeIndicatorStyles": false' in html and '"allowScriptTags": false' in html
    assert "X-CSRFToken" in html  # hx-headers on <body>


@pytest.mark.parametrize("path,status,text", [
    ("/no-such-page", 404, "Page not found"),
])
def test_error_pages_are_styled(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert text in body and "govuk-frontend.min.css" in body


def test_413_page(app, client, world):
    client.login(world.user("la_admin"))
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/users/new", data={"name": "x" * 5000, "csrf_token": client.token()})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_health_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_each_error_status_has_its_page(app):
    """One template, errors/error.html, with each status's own title and words."""
    from portal.errors import error_page
    from tests.pages import check_page

    words = {400: "could not be understood", 403: "Your role does not allow this", 404: "check it is correct",
             405: "could not be understood", 409: "changed after you opened it", 413: "(20 MB)",
             429: "Wait a minute and try again", 500: "Nothing you entered in the last step was saved"}
    for code, expected in words.items():
        with app.test_request_context("/"):
            body, status = error_page(code)
        assert status == code
        parser = check_page(body, status)
        assert parser.title.startswith(parser.h1[0]) and expected in body, code


def test_500_page_hides_details(app):
    from portal import create_app

    fresh = create_app({k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING")})
    fresh.config["PROPAGATE_EXCEPTIONS"] = False

    @fresh.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret detail")

    with fresh.app_context():
        response = fresh.test_client().get("/boom-for-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in body and "secret detail" not in body
