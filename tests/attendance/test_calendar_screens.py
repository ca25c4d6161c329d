"""The calendar screens: the LA's term dates (LA admins: add, change with a version check,
remove after confirming; checked and audited), England's bank holidays held and the command that
adds years, the provisional warning; each school's INSET and closure days (its staff, its EWO,
the LA). Every change moves the calendar at once (`calendar.forget()`)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, insert, select

from portal.attendance import calendar, calendar_service
from portal.attendance.models import BankHoliday, SchoolClosure, Term
from portal.audit import AuditEvent
from portal.extensions import db
from tests import clock

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def keep_calendar():
    """Terms and bank holidays are reference data kept between tests: put them back."""
    terms = [{c.name: getattr(t, c.name) for c in Term.__table__.columns} for t in db.session.scalars(select(Term))]
    bank = [{"date": b.date, "name": b.name} for b in db.session.scalars(select(BankHoliday))]
    with clock.on(TODAY):
        yield
    db.session.rollback()
    db.session.execute(delete(Term))
    db.session.execute(insert(Term), terms)
    db.session.execute(delete(BankHoliday))
    db.session.execute(insert(BankHoliday), bank)
    db.session.commit()
    calendar.forget()


def _boxes(d: date | None) -> list[str]:
    return ["", "", ""] if d is None else [str(d.day), str(d.month), str(d.year)]


def _term(year="2028/29", name="Autumn", start=date(2028, 9, 5), end=date(2028, 12, 20),
          half=(date(2028, 10, 30), date(2028, 11, 3)), version=None) -> dict:
    data = {"academic_year": year, "name": name, "start_date": _boxes(start), "end_date": _boxes(end),
            "half_term_start": _boxes(half[0] if half else None), "half_term_end": _boxes(half[1] if half else None)}
    if version is not None:
        data["version"] = str(version)
    return data


def _la():
    """The LA's calendar as a new request would load it (each request memoises its own)."""
    calendar.forget()
    return calendar.for_la()


def _audit(verb):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.verb == verb).order_by(AuditEvent.id)).all()


@pytest.fixture
def admin(client, world):
    client.login(world.user("la_admin"))
    return client


def test_an_admin_adds_a_term_and_the_calendar_follows_at_once(admin):
    assert _la().provisional(date(2028, 9, 6))  # projected before
    response = admin.post_form("/calendar/terms/new", _term())
    assert response.status_code == 303
    term = db.session.scalar(select(Term).where(Term.academic_year == "2028/29"))
    assert (term.name, term.start_date, term.end_date, term.half_term_start, term.half_term_end, term.version) == \
        ("Autumn", date(2028, 9, 5), date(2028, 12, 20), date(2028, 10, 30), date(2028, 11, 3), 1)
    [entry] = _audit("term_added")
    assert entry.changes["start_date"] == {"from": None, "to": "2028-09-05"}
    la = _la()
    assert la.is_open(date(2028, 9, 5)) and not la.provisional(date(2028, 9, 6))
    assert not la.is_open(date(2028, 11, 1))  # its half-term
    page = admin.get("/calendar").get_data(as_text=True)
    assert "2028/29" in page and "Tue 5 Sep 2028" in page


@pytest.mark.parametrize("data, field, message", [
    (_term(end=date(2028, 9, 1)), "end_date", "The last day of term must be after its first day"),
    (_term(half=(date(2028, 12, 18), date(2028, 12, 22))), "half_term_start", "Half-term must fall inside the term"),
    (_term(half=(date(2028, 10, 30), None)), "half_term_end", "Enter both the first and the last day of half-term"),
    (_term(half=(date(2028, 11, 3), date(2028, 10, 30))), "half_term_end", "on or after its first day"),
    (_term(year="2027/28"), "academic_year", "The dates are in the academic year 2028/29, not 2027/28"),
    (_term(end=date(2029, 9, 4)), "end_date", "in the same academic year"),
    (_term(year="2026/27", start=date(2026, 12, 1), end=date(2027, 1, 20), half=None), "start_date",
     "The term overlaps the Autumn term 2026/27 (3 September 2026 to 18 December 2026)"),
    (_term(year="2027/28", start=date(2028, 7, 24), end=date(2028, 7, 28), half=None, name="Summer"), "name",
     "2027/28 already has a Summer term: change that one instead"),
    ({**_term(), "start_date": ["31", "2", "2028"]}, "start_date", "First day of term must be a real date"),
    ({**_term(), "end_date": ["", "", ""]}, "end_date", "Enter last day of term"),
    ({**_term(), "name": "Winter"}, "name", "Not a valid choice"),
])
def test_a_term_with_bad_dates_is_refused_with_a_clear_message(admin, data, field, message):
    before = db.session.scalar(select(db.func.count()).select_from(Term))
    response = admin.post_form("/calendar/terms/new", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#{field}' in html and message in html
    assert db.session.scalar(select(db.func.count()).select_from(Term)) == before
    assert not _audit("term_added")


def test_changing_a_term_is_version_checked_and_audited(admin, other_client, world):
    term = db.session.scalar(select(Term).where(Term.academic_year == "2027/28", Term.name == "Autumn"))
    data = _term(year="2027/28", start=date(2027, 9, 2), end=date(2027, 12, 17),
                 half=(date(2027, 10, 25), date(2027, 10, 29)), version=term.version)
    assert admin.get(f"/calendar/terms/{term.id}").status_code == 200
    moved = {**data, "end_date": _boxes(date(2027, 12, 16))}
    assert admin.post_form(f"/calendar/terms/{term.id}", moved).status_code == 303
    db.session.expire_all()
    assert db.session.get(Term, term.id).end_date == date(2027, 12, 16)
    [entry] = _audit("term_updated")
    assert entry.changes == {"end_date": {"from": "2027-12-17", "to": "2027-12-16"}}
    assert not _la().is_open(date(2027, 12, 17))
    # a second admin still holding the old version is told, and nothing is overwritten
    other_client.login(world.user("la_admin"))
    lost = other_client.post_form(f"/calendar/terms/{term.id}", {**data, "end_date": _boxes(date(2027, 12, 15))})
    assert lost.status_code == 409
    db.session.expire_all()
    assert db.session.get(Term, term.id).end_date == date(2027, 12, 16)


def test_removing_a_term_asks_first_and_is_audited(admin):
    term_id = db.session.scalar(select(Term.id).where(Term.academic_year == "2027/28", Term.name == "Summer"))
    page = admin.get(f"/calendar/terms/{term_id}/remove")
    assert page.status_code == 200 and "Remove the Summer term 2027/28?" in page.get_data(as_text=True)
    assert db.session.get(Term, term_id) is not None
    assert admin.post_form(f"/calendar/terms/{term_id}/remove").status_code == 303
    db.session.expire_all()
    assert db.session.get(Term, term_id) is None
    [entry] = _audit("term_removed")
    assert entry.changes["name"] == {"from": "Summer", "to": None}
    assert _la().last_entered == date(2028, 3, 31)


def test_the_screen_warns_when_the_calendar_is_provisional_within_six_months(admin, other_client, world):
    # terms are entered up to 21 July 2028: on 23 Nov 2026 six months ahead is inside them
    html = admin.get("/calendar").get_data(as_text=True)
    assert "provisional" not in html
    with clock.on(date(2028, 2, 1)):  # 6 months on: 1 Aug 2028, past the last term
        other_client.login(world.user("la_admin"))
        html = other_client.get("/calendar").get_data(as_text=True)
    assert "Term dates are entered up to 21 July 2028" in html and "provisional" in html


def test_the_screen_shows_englands_bank_holidays_held(admin):
    html = admin.get("/calendar").get_data(as_text=True)
    assert "Held up to 26 December 2030" in html
    assert "Mon 4 May 2026" in html and "May Day" in html
    assert "flask --app portal calendar bank-holidays --until YEAR" in html


def test_the_command_adds_the_missing_years_of_bank_holidays(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "bank-holidays", "--until", "2032"])
    assert result.exit_code == 0, result.output
    assert "2031: 8 bank holidays added" in result.output
    assert "2032: 10 bank holidays added" in result.output  # Christmas and Boxing Day at a weekend: observed
    db.session.expire_all()
    assert db.session.get(BankHoliday, date(2031, 12, 25)).name == "Christmas Day"
    assert db.session.get(BankHoliday, date(2032, 5, 3)) is not None  # early May 2032
    [entry] = _audit("bank_holidays_added")
    assert entry.actor_label.startswith("command line (") and entry.actor_id is None
    assert "2031, 2032" in entry.summary
    again = runner.invoke(args=["calendar", "bank-holidays", "--until", "2032"])
    assert again.exit_code == 0 and "nothing added" in again.output
    assert len(_audit("bank_holidays_added")) == 1
    assert not _la().is_open(date(2031, 12, 25))


def test_the_service_adds_only_years_not_held(app):
    added = calendar_service.add_bank_holidays(2031, "test", source=lambda years: {
        date(y, 1, 1): "New Year's Day" for y in years})
    assert added == {2031: 1}


# ----- each school's INSET and closure days ------------------------------------------------------

def test_school_staff_add_and_remove_their_schools_inset_day(client, world):
    school = world.school_a
    client.login(world.user("school_staff"))
    attendance = client.get(f"/schools/{school.id}/attendance").get_data(as_text=True)
    assert f'href="/schools/{school.id}/closures"' in attendance
    assert _la().is_open(date(2026, 11, 19))
    response = client.post_form(f"/schools/{school.id}/closures/new",
                                {"date": ["19", "11", "2026"], "kind": "inset", "note": "Safeguarding training"})
    assert response.status_code == 303
    closure = db.session.scalars(select(SchoolClosure)).one()
    assert (closure.school_id, closure.date, closure.kind, closure.note) == \
        (school.id, date(2026, 11, 19), "inset", "Safeguarding training")
    assert [e.changes["date"]["to"] for e in _audit("school_closure_added")] == ["2026-11-19"]
    calendar.forget()
    assert not calendar.for_school(school.id).is_open(date(2026, 11, 19))
    assert calendar.for_school(world.school_b.id).is_open(date(2026, 11, 19))
    listing = client.get(f"/schools/{school.id}/closures").get_data(as_text=True)
    assert "Thu 19 Nov 2026" in listing and "INSET day" in listing and "Safeguarding training" in listing
    confirm = client.get(f"/schools/{school.id}/closures/{closure.id}/remove")
    assert "Remove the closure day on 19 November 2026?" in confirm.get_data(as_text=True)
    assert client.post_form(f"/schools/{school.id}/closures/{closure.id}/remove").status_code == 303
    assert db.session.scalars(select(SchoolClosure)).first() is None
    assert len(_audit("school_closure_removed")) == 1
    calendar.forget()
    assert calendar.for_school(school.id).is_open(date(2026, 11, 19))


def test_the_schools_ewo_may_add_one_too(client, world):
    client.login(world.user("ewo"))
    response = client.post_form(f"/schools/{world.school_a.id}/closures/new",
                                {"date": ["20", "11", "2026"], "kind": "closure", "note": "Polling station"})
    assert response.status_code == 303
    assert db.session.scalars(select(SchoolClosure.kind)).one() == "closure"


@pytest.mark.parametrize("day, message", [
    ("21 11 2026", "Schools are already closed that day: Saturday 21 November 2026 is a weekend"),
    ("4 5 2026", "Schools are already closed that day: 4 May 2026 is a bank holiday"),
    ("28 10 2026", "Schools are already closed that day: 28 October 2026 is in the school holidays"),
    ("12 8 2026", "Schools are already closed that day: 12 August 2026 is in the school holidays"),
    ("5 9 2029", "5 September 2029 is outside the terms the LA has entered"),
    ("18 11 2026", "The school already has a closure day on 18 November 2026"),
    ("30 2 2027", "Date must be a real date"),
    ("", "Enter date"),
])
def test_a_closure_day_the_calendar_already_closes_or_repeats_is_refused(client, world, day, message):
    db.session.add(SchoolClosure(school_id=world.school_a.id, date=date(2026, 11, 18), kind="inset"))
    db.session.commit()
    client.login(world.user("school_staff"))
    response = client.post_form(f"/schools/{world.school_a.id}/closures/new",
                                {"date": day.split() if day else ["", "", ""], "kind": "inset"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html and 'href="#date' in html
    assert db.session.scalar(select(db.func.count()).select_from(SchoolClosure)) == 1


def test_every_change_drops_the_memoised_calendars(world):
    school = world.school_a
    assert calendar.for_school(school.id).is_open(date(2026, 11, 19))  # memoised now
    closure = calendar_service.add_closure(world.user("school_staff"), school.id, date(2026, 11, 19), "inset")
    assert not calendar.for_school(school.id).is_open(date(2026, 11, 19))
    calendar_service.remove_closure(world.user("school_staff"), closure)
    assert calendar.for_school(school.id).is_open(date(2026, 11, 19))
    term = calendar_service.add_term(world.user("la_admin"), {
        "academic_year": "2028/29", "name": "Autumn", "start_date": date(2028, 9, 5), "end_date": date(2028, 12, 20),
        "half_term_start": None, "half_term_end": None})
    assert calendar.for_la().last_entered == date(2028, 12, 20)
    calendar_service.remove_term(world.user("la_admin"), term)
    assert calendar.for_la().last_entered == date(2028, 7, 21)
