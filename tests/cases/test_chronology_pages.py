# ruff: noqa: F811  (pytest fixtures imported from test_views)
"""Issue 14.7: a chronology entry records the day and, when given, the time it happened (and
shows a time only then); a long chronology shows the newest 50 with "Show more" (htmx appends the
next 50; without JavaScript a link shows them too), keeping the filters."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from portal.cases.models import ChronologyEntry
from portal.extensions import db
from portal.timeutil import LONDON, utcnow
from tests.cases.test_views import case, entry_form, pupil, signed_in  # noqa: F401  (fixtures)
from tests.pages import date_boxes

MORE = {"HX-Request": "true", "HX-Target": "chronology-list"}


def _entry_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="app-timeline__item[^"]*" id="entry-(\d+)"', html)]


def _many(world, case, n: int = 120) -> dict[int, str]:
    """n entries written over the last n hours: every 12th a note, the rest phone calls."""
    ewo = world.user("ewo")
    start = utcnow() - timedelta(days=30)
    kinds = {}
    for i in range(n):
        entry = ChronologyEntry(case_id=case.id, kind="note" if i % 12 == 0 else "phone_call",
                                occurred_at=start + timedelta(hours=i), author_id=ewo.id,
                                organisation_id=ewo.organisation_id, text=f"Call number {i}")
        db.session.add(entry)
        db.session.flush()
        kinds[entry.id] = entry.kind
    db.session.commit()
    return kinds


def test_a_long_chronology_shows_50_and_show_more_appends_the_next_50_keeping_the_filter(app, world, case):
    kinds = _many(world, case)
    calls = sorted((i for i, k in kinds.items() if k == "phone_call"), reverse=True)  # newest first
    assert len(calls) == 110
    ewo = signed_in(app, world.user("ewo"))

    first = ewo.get(f"/cases/{case.id}?kind=phone_call")
    html = first.get_data(as_text=True)
    assert _entry_ids(html) == calls[:50]
    more = re.search(r'<a class="govuk-link" href="([^"]+)" hx-get="([^"]+)"[^>]*>Show more', html)
    assert more, "no Show more link"
    href, hx_get = (m.replace("&amp;", "&") for m in more.groups())
    assert "kind=phone_call" in hx_get and "page=2" in hx_get
    assert "kind=phone_call" in href and "page=2" in href  # the same, without JavaScript

    # htmx: the next 50 alone, and the next link out of band, the filter kept
    second = ewo.get(hx_get, headers=MORE)
    assert second.status_code == 200
    part = second.get_data(as_text=True)
    assert "<html" not in part
    assert _entry_ids(part) == calls[50:100]
    assert 'hx-swap-oob="true"' in part
    next_link = re.search(r'hx-get="([^"]+)"', part).group(1).replace("&amp;", "&")
    assert "kind=phone_call" in next_link and "page=3" in next_link

    third = ewo.get(next_link, headers=MORE).get_data(as_text=True)
    assert _entry_ids(third) == calls[100:]
    assert "Show more" not in third  # the end: the link is replaced by an empty paragraph

    # without JavaScript: the page with the newest 100
    plain = ewo.get(href.split("#")[0]).get_data(as_text=True)
    assert _entry_ids(plain) == calls[:100]
    # the filter's agencies come from every entry, not only those shown
    assert "All agencies" in plain


def _line_of(html: str, entry_id: int) -> str:
    item = re.search(rf'id="entry-{entry_id}">(.*?)</p>', html, re.S)
    assert item, entry_id
    return " ".join(re.sub(r"<[^>]+>", " ", item.group(1)).split())


def test_the_time_is_recorded_and_shown_only_when_given(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    ewo.get(f"/cases/{case.id}")
    yesterday = utcnow().astimezone(LONDON).date() - timedelta(days=1)

    with_time = {**entry_form(ewo, "phone_call", "Mother called back at lunchtime"),
                 "entry-occurred_on": date_boxes(yesterday), "entry-occurred_time": "13:05"}
    assert ewo.post(f"/cases/{case.id}/chronology", data=with_time).status_code == 303
    without = {**entry_form(ewo, "home_visit", "Visited; nobody at home"),
               "entry-occurred_on": date_boxes(yesterday), "entry-occurred_time": ""}
    assert ewo.post(f"/cases/{case.id}/chronology", data=without).status_code == 303

    timed = db.session.scalar(select(ChronologyEntry).where(ChronologyEntry.text == "Mother called back at lunchtime"))
    dated = db.session.scalar(select(ChronologyEntry).where(ChronologyEntry.text == "Visited; nobody at home"))
    assert timed.time_given is True and dated.time_given is False
    stored = timed.occurred_at if timed.occurred_at.tzinfo else timed.occurred_at.replace(tzinfo=timezone.utc)
    assert stored.astimezone(LONDON).replace(tzinfo=None) == datetime.combine(yesterday, datetime.min.time()) \
        + timedelta(hours=13, minutes=5)

    html = ewo.get(f"/cases/{case.id}").get_data(as_text=True)
    day = yesterday.strftime("%-d %b %Y")
    assert f"{day} 13:05" in _line_of(html, timed.id)
    line = _line_of(html, dated.id)
    assert day in line and not re.search(r"\d\d:\d\d", line.split("(recorded")[0])  # no invented 12:00


def test_a_bad_time_is_refused_and_the_form_kept(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    ewo.get(f"/cases/{case.id}")
    data = {**entry_form(ewo, "phone_call", "Spoke to dad"), "entry-occurred_time": "25:61"}
    response = ewo.post(f"/cases/{case.id}/chronology", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the time as hours and minutes on the 24-hour clock, like 14:30" in html
    assert 'value="25:61"' in html and "Spoke to dad" in html


def test_a_time_later_today_is_refused_beside_the_time_box(app, world, case):
    ewo = signed_in(app, world.user("ewo"))
    ewo.get(f"/cases/{case.id}")
    now = utcnow().astimezone(LONDON)
    if now.hour == 23 and now.minute >= 58:
        return  # no later time today to type
    later = (now + timedelta(minutes=2)).strftime("%H:%M")
    data = {**entry_form(ewo, "phone_call", "Will call at lunchtime"), "entry-occurred_time": later}
    response = ewo.post(f"/cases/{case.id}/chronology", data=data)
    assert response.status_code == 422
    assert '<a href="#entry-occurred_time">Enter a time that has passed</a>' in response.get_data(as_text=True)


def _agency_options(html: str) -> list[str]:
    select_html = re.search(r'<select[^>]*id="agency"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="(\d+)"', select_html)


def test_the_agency_filter_lists_every_agency_that_wrote_whatever_the_page_shows(app, world, case):
    """The agency choices are the organisations of every entry the user may see (and the sharing),
    whether the page shows every entry or a filtered or shorter list."""
    kinds = _many(world, case, n=60)
    school = world.user("school_staff")
    db.session.add(ChronologyEntry(case_id=case.id, kind="note", occurred_at=utcnow() - timedelta(days=60),
                                   author_id=school.id, organisation_id=school.organisation_id, text="Oldest"))
    db.session.commit()
    ewo = signed_in(app, world.user("ewo"))
    both = sorted({str(world.user("ewo").organisation_id), str(school.organisation_id)})
    everything = ewo.get(f"/cases/{case.id}?page=9").get_data(as_text=True)  # all of them shown
    on_case = db.session.scalars(select(ChronologyEntry.id).where(ChronologyEntry.case_id == case.id)).all()
    assert len(kinds) < len(on_case) and sorted(_entry_ids(everything)) == sorted(on_case)
    for query in ("", "?kind=phone_call", f"?agency={school.organisation_id}", "?page=9"):
        html = ewo.get(f"/cases/{case.id}{query}").get_data(as_text=True)
        assert sorted(_agency_options(html)) == both, query
