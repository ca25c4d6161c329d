"""Odd input never answers 500 (issue 10, point 9).

Ids in URLs beyond what an integer column holds are a 404; integer and date query
parameters that are huge, negative, non-ASCII or malformed give a cleaned filter (or the
filter's own error message, 422), never a server error; page numbers past the end show the
last page. First the parser (portal/params.py), then the URLs and form posts that answered
500 before it, one by one, then the generated test that probes every id in a URL and every
integer and date query parameter the views read."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from werkzeug.exceptions import NotFound

from portal import access, audit, params
from portal.extensions import db
from portal.params import MAX_ID
from tests.test_access_matrix import ARG_OVERRIDES, MATRIX, PUBLIC, url_args

ROOT = Path(__file__).resolve().parent.parent
ROLE_USERS = list(access.ROLES)

HUGE = "1" * 25  # beyond 64 bits
BEYOND_INT4 = str(2**31)  # one more than a PostgreSQL integer column holds
BEYOND_INT8 = str(2**63)


def signed_in(client, world, role):
    client.login(world.user(role))
    return client


# ----- the parser itself ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("0042", 42), (str(MAX_ID), MAX_ID), (BEYOND_INT4, None), (HUGE, None), ("-1", None), ("0", None),
    ("²", None), ("١٢", None), ("1e3", None), (" 1", None), ("0x10", None), ("", None), ("abc", None), (None, None),
])
def test_to_int_takes_ascii_digits_within_bounds_only(text, expected):
    assert params.to_int(text) == expected


def test_to_int_takes_negative_numbers_only_when_the_bounds_do():
    assert params.to_int("-2", min=-2, max=14) == -2
    assert params.to_int("-3", min=-2, max=14) is None
    assert params.to_int("15", min=-2, max=14) is None


@pytest.mark.parametrize("text, expected", [
    ("2026-11-23", date(2026, 11, 23)), ("2000-01-01", date(2000, 1, 1)), ("1999-12-31", None),
    ("9999-12-31", None), ("0001-01-01", None), ("2026-02-30", None), ("２０２６-01-01", None), ("20260101", None),
    ("2026-W01-1", None), ("2026-1-1", None), ("", None), (HUGE, None), (None, None),
])
def test_to_date_takes_iso_dates_within_bounds_only(text, expected):
    assert params.to_date(text) == expected


def test_the_latest_date_is_the_end_of_the_year_ten_years_ahead():
    from portal.timeutil import today

    last = date(today().year + 10, 12, 31)
    assert params.to_date(last.isoformat()) == last
    assert params.to_date((last + timedelta(days=1)).isoformat()) is None


def test_query_parameters_give_the_default_or_say_why(app):
    # (a path no route matches: nothing is noted in params.READ)
    with app.test_request_context("/no-such-page?page=" + HUGE
                                  + "&school=%C2%B2&year=99&from=9999-12-31&to=2026-02-30&n=7"):
        errors: dict[str, str] = {}
        assert params.int_arg("page", default=1, clamp=True) == params.MAX_INT
        assert params.int_arg("school") is None
        assert params.int_arg("school", default=3, errors=errors) == 3
        assert params.int_arg("year", min=-2, max=14, errors=errors, message="Year {min} to {max}") is None
        assert params.int_arg("missing", default=5) == 5
        assert params.int_arg("n") == 7
        assert params.date_arg("from", errors=errors) is None
        assert params.date_arg("to", errors=errors) is None
        assert errors == {"school": f"Enter a whole number from 1 to {params.MAX_INT}", "year": "Year -2 to 14",
                          "from": errors["from"], "to": "Enter a real date, like 2026-11-23"}
        assert errors["from"].startswith("Enter a date from 1 January 2000 to 31 December ")
    with app.test_request_context("/no-such-page?page=-3"):
        assert params.int_arg("page", default=1, clamp=True) == 1
    with app.test_request_context("/no-such-page?page=0007"):
        assert params.int_arg("page", default=1, clamp=True) == 7
    with app.test_request_context("/no-such-page?n=-1&m=-" + HUGE + "&k=99"):
        assert params.int_arg("n", min=-2, max=14, clamp=True) == -1
        assert params.int_arg("m", min=-2, max=14, clamp=True) == -2
        assert params.int_arg("k", min=-2, max=14, clamp=True) == 14


# ----- ids in URLs -------------------------------------------------------------------------

@pytest.mark.parametrize("role, path", [
    ("ewo", "/cases/{n}"),
    ("ewo", "/pupils/{n}"),
    ("ewo", "/encounters/{n}"),
    ("ewo", "/follow-ups/{n}"),
    ("la_admin", "/users/{n}"),
    ("la_admin", "/organisations/{n}"),
    ("panel_chair", "/panels/{n}"),
    ("school_staff", "/schools/{n}/attendance"),
])
@pytest.mark.parametrize("n", [HUGE, BEYOND_INT8, BEYOND_INT4])
def test_an_id_beyond_the_integer_columns_is_not_found(client, world, role, path, n):
    signed_in(client, world, role)
    assert client.get(path.format(n=n)).status_code == 404


def test_the_largest_id_a_column_holds_is_an_ordinary_not_found(client, world):
    signed_in(client, world, "ewo")
    assert client.get(f"/cases/{2**31 - 1}").status_code == 404
    assert client.get("/cases/0").status_code == 404


def test_an_id_in_non_ascii_digits_is_not_found(client, world):
    args = url_args(world)
    signed_in(client, world, "ewo")
    assert client.get(f"/cases/{args['case_id']}").status_code == 200
    arabic = str(args["case_id"]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(f"/cases/{arabic}").status_code == 404


# ----- page numbers --------------------------------------------------------------------------

def test_a_huge_page_number_shows_the_last_page(client, world):
    args = url_args(world)
    signed_in(client, world, "ewo")
    response = client.get(f"/cases?page={HUGE}")
    assert response.status_code == 200
    assert f"/cases/{args['case_id']}" in response.get_data(as_text=True)  # the one page there is


def test_a_page_past_the_end_of_the_audit_log_shows_its_last_page(client, world):
    admin = world.user("la_admin")
    for i in range(60):
        audit.record(admin, "bulk_test", summary=f"entry {i}")
    db.session.commit()
    signed_in(client, world, "la_admin")
    for page in (HUGE, "3", "99"):
        body = client.get(f"/audit?verb=bulk_test&page={page}").get_data(as_text=True)
        assert "entry 5<" in body and "entry 59" not in body  # page 2 of 2 (50 a page)


@pytest.mark.parametrize("number", ["-1", "0", "²", "abc", "1e3", " 1"])
def test_an_unusable_page_number_shows_the_first_page(client, world, number):
    args = url_args(world)
    signed_in(client, world, "ewo")
    response = client.get("/cases", query_string={"page": number})
    assert response.status_code == 200
    assert f"/cases/{args['case_id']}" in response.get_data(as_text=True)


# ----- integer filters -------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["²", "١٢", HUGE, "-1"])
def test_an_unusable_school_or_stage_filter_on_cases_is_not_applied(client, world, value):
    args = url_args(world)
    signed_in(client, world, "ewo")
    for name in ("school", "stage"):
        response = client.get("/cases", query_string={name: value})
        assert response.status_code == 200
        assert f"/cases/{args['case_id']}" in response.get_data(as_text=True)


def test_the_school_filter_on_cases_still_filters(client, world):
    args = url_args(world)
    signed_in(client, world, "ewo")
    assert f"/cases/{args['case_id']}" in client.get(f"/cases?school={world.school_a.id}").get_data(as_text=True)
    assert f"/cases/{args['case_id']}" not in client.get(f"/cases?school={world.school_b.id}").get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", HUGE])
def test_an_unusable_agency_filter_on_the_chronology_is_not_applied(client, world, value):
    args = url_args(world)
    signed_in(client, world, "ewo")
    response = client.get(f"/cases/{args['case_id']}", query_string={"agency": value})
    assert response.status_code == 200
    assert "A note" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", HUGE, "-5"])
def test_an_unusable_object_id_in_the_audit_filter_is_explained(client, world, value):
    signed_in(client, world, "la_admin")
    response = client.get("/audit", query_string={"object_id": value})
    assert response.status_code == 422
    assert "whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", [HUGE, "²", "99"])
def test_an_unusable_year_group_filter_is_explained(client, world, value):
    url_args(world)
    signed_in(client, world, "school_staff")
    response = client.get(f"/schools/{world.school_a.id}/attendance", query_string={"year": value})
    assert response.status_code == 422
    assert "Year group must be" in response.get_data(as_text=True)


def test_run_meeting_ignores_an_unusable_item(client, world):
    args = url_args(world)
    signed_in(client, world, "panel_chair")
    for value in (HUGE, "²", "-1"):
        response = client.get(f"/panels/{args['meeting_id']}/run", query_string={"item": value})
        assert response.status_code == 200


# ----- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_an_audit_date_out_of_range_is_explained(client, world, name, value):
    signed_in(client, world, "la_admin")
    response = client.get("/audit", query_string={name: value})
    assert response.status_code == 422
    assert "Enter a date from 1 January 2000" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["from", "to"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "２０２６-01-01"])
def test_a_sweep_report_date_out_of_range_is_explained(client, world, name, value):
    signed_in(client, world, "police")
    response = client.get("/sweeps/reports", query_string={name: value})
    assert response.status_code == 422
    assert f"Enter the ‘{name}’ date like 2026-09-01, from 1 January 2000 to" in response.get_data(as_text=True)
    assert client.get("/sweeps/reports.csv", query_string={name: value}).status_code == 422


# ----- integers posted in forms ----------------------------------------------------------------

def test_a_slot_in_non_ascii_digits_is_refused(client, world):
    args = url_args(world)
    signed_in(client, world, "panel_chair")
    url = f"/panels/{args['meeting_id']}/agenda/items/{args['item_id']}/slot"
    for minutes in ("²", HUGE, "-5"):
        response = client.post_form(url, {"minutes": minutes})
        assert response.status_code == 422
        assert "Enter the time slot as a number of minutes" in response.get_data(as_text=True)


def test_attendance_for_a_member_in_non_ascii_digits_records_nothing(client, world):
    from sqlalchemy import select

    from portal.panels.models import PanelMember

    args = url_args(world)
    signed_in(client, world, "panel_chair")
    for key in ("member-²", f"member-{HUGE}", "member-١"):
        response = client.post_form(f"/panels/{args['meeting_id']}/attendance", {key: "present"})
        assert response.status_code == 303
    db.session.rollback()
    assert db.session.scalars(select(PanelMember.present).where(PanelMember.meeting_id == args["meeting_id"])).all()
    assert set(db.session.scalars(select(PanelMember.present).where(PanelMember.meeting_id == args["meeting_id"]))) \
        == {None}


@pytest.mark.parametrize("number", [HUGE, BEYOND_INT4, "-1"])
def test_adding_a_case_number_beyond_the_integer_columns_says_there_is_none(client, world, number):
    """The same answer as for any number the chair may not list (tests/panels/test_agenda_eligibility.py)."""
    args = url_args(world)
    signed_in(client, world, "panel_chair")
    response = client.post_form(f"/panels/{args['meeting_id']}/agenda/items",
                                {"add-case_id": number, "add-reason": "To discuss"})
    assert response.status_code == 422
    assert "No case with that number can be added" in response.get_data(as_text=True)


def test_a_date_of_birth_with_a_huge_year_is_refused(client, world):
    args = url_args(world)
    signed_in(client, world, "school_staff")
    response = client.post_form(f"/pupils/{args['pupil_id']}/edit", {"date_of_birth": ["1", "1", HUGE]})
    assert response.status_code == 422
    assert "Date of birth must be a real date" in response.get_data(as_text=True)


def test_an_encounter_date_of_birth_with_a_huge_year_is_refused(client, world):
    args = url_args(world)
    signed_in(client, world, "police")
    response = client.post_form(f"/sweeps/{args['sweep_id']}/encounters/new", {"date_of_birth": ["1", "1", HUGE]})
    assert response.status_code == 422
    assert "Date of birth must be a real date" in response.get_data(as_text=True)


# ----- generated: every id in a URL, every integer and date query parameter ---------------------

ODD_IDS = [HUGE, BEYOND_INT8, BEYOND_INT4, "0", "-1", "²", "١٢", "1e3", " 1", "0x10", "abc", "1.5"]
ODD_INTS = [HUGE, "-1", "²", "١٢", "1e3", " 1", "0x10", "", "abc"]
ODD_DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "２０２６-01-01", "20260101", "", "abc", HUGE, "-1"]
ODD_VALUES = {"int": ODD_INTS, "date": ODD_DATES}
# Requested over HTTP as the first role allowed to use a route (ids: all of them are routed)
SHARP_IDS = [HUGE]
# What every other role allowed to use a route tries (the first allowed role tries everything).
SHARP_VALUES = {"int": [HUGE, "²"], "date": ["9999-12-31", "0001-01-01"]}
ID_IN_URL = re.compile(r"<int:(\w+)>")


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint in MATRIX), key=lambda r: r.rule)


def _allowed(endpoint, role) -> bool:
    allowed = MATRIX[endpoint][0]
    return allowed != PUBLIC and role in allowed


def _first_allowed(endpoint) -> str | None:
    return next((role for role in ROLE_USERS if _allowed(endpoint, role)), None)


def _path(rule, world, *, encode: bool = True, **replace) -> str:
    """The rule's path with the matrix's real objects, and `replace`d arguments as given
    (percent-encoded for a request; as the server decodes it with encode=False)."""
    args = url_args(world)
    overrides = ARG_OVERRIDES.get(rule.endpoint, {})
    values = {name: replace.get(name, args.get(overrides.get(name, name))) for name in rule.arguments}

    def value(match):
        text = str(values[match.group(1)])
        return quote(text, safe="") if encode else text

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule.rule)


def _view_for(routing, path: str, method: str) -> str | None:
    """The endpoint a path is routed to; None for a 404."""
    try:
        return routing.match(path, method)[0]
    except NotFound:
        return None


def _learn(client, world, rules) -> dict[str, int]:
    """Request each GET rule once; portal.params.READ then holds what each view read. Returns
    the status of each (the baseline for the probes)."""
    baseline = {}
    for rule in rules:
        baseline[rule.endpoint] = client.get(_path(rule, world)).status_code
        assert baseline[rule.endpoint] < 500
    return baseline


@pytest.mark.parametrize("role", ROLE_USERS)
def test_odd_values_in_urls_and_query_strings_never_answer_500(app, world, role):
    """Generated, not hand-listed: whatever routes and parameters exist, as each role.

    Ids: every route with an `<int:...>` argument (read from app.url_map) is routed with each id
    in turn replaced by a huge, too-large-for-the-column, zero, negative, non-ASCII or malformed
    value: the `int` converter refuses them all while routing (a 404 before any view or role
    check runs). Over HTTP, the first role the access MATRIX allows requests each route (GET, or
    POST with the CSRF token) with a 25-digit id, and every allowed role with the largest id a
    column holds, which reaches the view's loader: always 404.

    Query parameters: portal.params notes (endpoint, name, kind) in params.READ whenever a view
    reads an integer or a date from the query string through int_arg / date_arg. A first pass
    requests every GET route the role may use (with the matrix's url_args) to learn which
    parameters each view reads, and its status; then each learned parameter is set, one at a
    time, to odd values of its kind (every value as the first allowed role, the sharpest ones
    as the others): the answer is what the route answered without it (the filter is not
    applied) or the filter's own error (400, or 422 with the error summary), never a 500.

    A new route, or a new parameter read through the parser, is covered without touching this
    test; the two tests below make sure no view reads integers or dates another way, and that
    the first pass reaches every parameter name the views ask for."""
    client = app.test_client()
    client.login(world.user(role))
    url_args(world)
    rules = [r for r in _rules(app) if _allowed(r.endpoint, role)]
    routing = app.url_map.bind("localhost")
    for rule in rules:
        method = "GET" if "GET" in rule.methods else "POST"
        first = _first_allowed(rule.endpoint) == role
        for name in ID_IN_URL.findall(rule.rule):
            if first:
                for value in ODD_IDS:
                    path = _path(rule, world, encode=False, **{name: value})
                    assert _view_for(routing, path, method) is None, f"{method} {path!r} reaches a view"
            for value in [*SHARP_IDS, MAX_ID] if first else [MAX_ID]:
                path = _path(rule, world, **{name: value})
                response = client.get(path) if method == "GET" else client.post_form(path, {})
                assert response.status_code == 404, f"{role} {method} {path}: {response.status_code}"

    get_rules = [r for r in rules if "GET" in r.methods]
    baseline = _learn(client, world, get_rules)
    probed = 0
    for rule in get_rules:
        for name, kind in sorted(params.READ.get(rule.endpoint, {}).items()):
            values = ODD_VALUES[kind] if _first_allowed(rule.endpoint) == role else SHARP_VALUES[kind]
            for value in values:
                path = _path(rule, world) + "?" + urlencode({name: value})
                status = client.get(path).status_code
                assert status == baseline[rule.endpoint] or status in (400, 422), f"{role} GET {path}: {status}"
                probed += 1
    assert probed  # every role reads at least ?page= somewhere


def _names_in_source(function: str) -> set[str]:
    found = set()
    for path in (ROOT / "portal").rglob("*.py"):
        found |= set(re.findall(rf"\b{function}\(\s*\"(\w+)\"", path.read_text()))
    return found


def test_the_first_pass_learns_every_parameter_the_views_read(app, world):
    """Every parameter name a view passes to int_arg / date_arg (as a literal) is learned by
    requesting each GET route once as a role that may use it: a parameter read only on a path
    the first pass does not reach would otherwise go unprobed. (The sweep report's from/to are
    read in a loop; the expectations below name them.)"""
    url_args(world)
    params.READ.clear()  # only what this pass learns
    get_rules = [r for r in _rules(app) if "GET" in r.methods and _first_allowed(r.endpoint)]
    for role in ROLE_USERS:
        client = app.test_client()
        client.login(world.user(role))
        _learn(client, world, [r for r in get_rules if _first_allowed(r.endpoint) == role])
    learned = {(name, kind) for names in params.READ.values() for name, kind in names.items()}
    in_source = {(n, "int") for n in _names_in_source("int_arg")} | {(n, "date") for n in _names_in_source("date_arg")}
    assert in_source - learned == set()
    assert {("page", "int"), ("school", "int"), ("stage", "int"), ("agency", "int"), ("year", "int"),
            ("object_id", "int"), ("item", "int"), ("from", "date"), ("to", "date")} <= learned
    assert params.READ["sweeps.report"] == {"from": "date", "to": "date"}
    assert params.READ["audit.list_events"] == {"object_id": "int", "from": "date", "to": "date", "page": "int"}


# Reading an integer or a date from the request by hand: what the parser replaced.
BY_HAND = re.compile(r"type=int|\.isdigit\(\)|\bint\(\s*(request|args)\b|fromisoformat\(\s*(request|args|raw)"
                     r"|strptime\(\s*(request|args|raw)")


def test_views_read_integers_and_dates_only_through_the_parser():
    offenders = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        if path.name == "params.py" or not (path.name.endswith("views.py") or path.name == "pagination.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if BY_HAND.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "use portal.params (int_arg, date_arg, to_int, to_date):\n" + "\n".join(offenders)
