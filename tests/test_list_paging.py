"""The lists' paging with the total counted in the page's own statement (`WindowPage`), and
their links made with one url_for per kind (`link_parts`)."""
from __future__ import annotations

from flask import url_for

from portal.urls import link_parts
from tests.bulk import bulk_cases

FRAGMENT = {"HX-Request": "true", "HX-Target": "case-list"}


def _signed_in(app, user):
    client = app.test_client()
    client.login(user)
    return client


def _case_list(client, query: str = "") -> str:
    page = client.get("/cases" + query, headers=FRAGMENT)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_caseload_counts_its_cases_and_a_page_past_the_end_is_the_last(app, world):
    bulk_cases(world, 30)
    client = _signed_in(app, world.user("ewo"))
    first, second = _case_list(client), _case_list(client, "?page=2")
    assert 'data-app-announce="30 cases found"' in first and "30 cases" in second
    assert first.count('href="/cases/') == 25 and second.count('href="/cases/') == 5
    assert _case_list(client, "?page=9") == second
    assert _case_list(client, "?page=nonsense") == first


def test_an_empty_caseload_says_so(app, world):
    bulk_cases(world, 3)
    client = _signed_in(app, world.user("ewo"))
    html = _case_list(client, "?school=999999")
    assert 'data-app-announce="0 cases found"' in html and "No cases match these filters." in html
    assert _case_list(client, "?school=999999&page=4") == html


def test_link_parts_give_what_url_for_gives(app):
    with app.test_request_context("/"):
        for endpoint, key, values in (("cases.view_case", "case_id", {}), ("sweeps.view_encounter", "encounter_id", {}),
                                      ("panels.run_meeting", "item", {"meeting_id": 3})):
            prefix, suffix = link_parts(endpoint, key, **values)
            for n in (1, 9, 42, 7310952846, 123456789012):
                assert f"{prefix}{n}{suffix}" == url_for(endpoint, **values, **{key: n})
