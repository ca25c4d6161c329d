"""The panel screens over HTTP: scheduling, the agenda (build, add, remove, move, slots,
publish), members who need publication, the confidentiality statement and the access window
before they see a pack (and every pack view is audited), and bad input that must not 500."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.cases.models import Case, CaseShare, Stage
from portal.extensions import db
from portal.panels import service
from portal.panels.models import AgendaItem, PanelMeeting
from portal.timeutil import LONDON, as_utc, utcnow
from tests.factories import make_pupil
from tests.pages import date_boxes


def signed_in(app, user):
    client = app.test_client()
    response = client.login(user)
    assert response.status_code in (302, 303) and "/login" not in response.headers["Location"]
    return client


DUE = "due"  # make_case's default review: yesterday, so the chair may list the case


def make_case(world, *, review: date | None | str = DUE, school=None, forename="Sam") -> Case:
    """A case at an EWO-level stage, due for review (a chair lists only cases referred to the
    panel or due for review, or cases they can otherwise see)."""
    pupil = make_pupil(school or world.school_a, forename=forename)
    if review == DUE:
        review = utcnow().astimezone(LONDON).date() - timedelta(days=1)
    stage = db.session.scalar(select(Stage).where(Stage.position == 5))
    case = Case(pupil_id=pupil.id, lead_id=world.user("ewo").id, status="open", stage=stage, next_review=review)
    db.session.add(case)
    db.session.commit()
    return case


@pytest.fixture
def day() -> date:
    return (utcnow() + timedelta(days=10)).astimezone(LONDON).date()


@pytest.fixture
def meeting(world, day) -> PanelMeeting:
    return service.schedule_meeting(world.user("panel_chair"), datetime.combine(day, time(10, 0), tzinfo=LONDON),
                                    place="Civic Centre, Room 2")


@pytest.fixture
def chair(app, world):
    return signed_in(app, world.user("panel_chair"))


def audits(verb: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == verb))


def version(meeting_id: int) -> int:
    db.session.expire_all()
    return db.session.get(PanelMeeting, meeting_id).version


def agenda(meeting_id: int) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting_id,
                                                                    AgendaItem.removed_at.is_(None))
                                   .order_by(AgendaItem.position)))


def begin(meeting) -> None:
    """The meeting starts now: decisions may be recorded (the clock cannot jump ten days under a
    signed-in client, so the meeting comes to the clock)."""
    meeting.held_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def publish_with(world, meeting, *cases):
    chair = world.user("panel_chair")
    items = [service.add_item(chair, meeting, case, "Listed by the chair") for case in cases]
    service.publish(chair, meeting)
    return items


# ----- scheduling ----------------------------------------------------------------------------------

def test_the_chair_schedules_a_meeting_in_london_time(chair, world):
    assert chair.get("/panels/new").status_code == 200
    response = chair.post_form("/panels/new", {"day": date_boxes("2027-07-07"), "start": "09:30", "place": "",
                                               "online_link": "https://meet.example/panel"})
    assert response.status_code == 303
    meeting = db.session.scalar(select(PanelMeeting))
    assert response.headers["Location"].endswith(f"/panels/{meeting.id}")
    assert meeting.chair_id == world.user("panel_chair").id
    assert as_utc(meeting.held_at).astimezone(LONDON).replace(tzinfo=None) == datetime(2027, 7, 7, 9, 30)
    assert as_utc(meeting.held_at).hour == 8  # British Summer Time
    page = chair.get("/panels").get_data(as_text=True)
    assert "7 Jul 2027 09:30" in page and "Upcoming" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"day": date_boxes("31/12/2027"), "start": "10:00", "place": "Hall"}, "must include a month and year"),
    ({"day": date_boxes("2027-02-30"), "start": "10:00", "place": "Hall"}, "Date of the meeting must be a real date"),
    ({"day": date_boxes("2027-02-03"), "start": "25:00", "place": "Hall"}, "hours and minutes"),
    ({"day": date_boxes("2027-02-03"), "start": "10:00", "online_link": "http://meet.example/x"}, "https://"),
    ({"day": date_boxes("2027-02-03"), "start": "10:00", "online_link": "javascript:alert(1)"}, "https://"),
    ({"day": date_boxes("2027-02-03"), "start": "10:00"}, "place or an online meeting link"),
    ({"day": date_boxes("2020-02-03"), "start": "10:00", "place": "Hall"}, "in the future"),
    ({"day": date_boxes(""), "start": "", "place": "Hall"}, "Enter the date"),
])
def test_bad_meeting_details_are_422_not_500(chair, data, message):
    response = chair.post_form("/panels/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PanelMeeting)) == 0


def test_an_la_admin_picks_the_chair(app, world):
    admin = signed_in(app, world.user("la_admin"))
    assert "Select a chair" in admin.get("/panels/new").get_data(as_text=True)
    assert admin.post_form("/panels/new", {"day": date_boxes("2027-02-03"), "start": "10:00",
                                           "place": "Hall"}).status_code == 422
    chair = world.user("panel_chair")
    response = admin.post_form("/panels/new", {"day": date_boxes("2027-02-03"), "start": "10:00", "place": "Hall",
                                               "chair_id": str(chair.id)})
    assert response.status_code == 303
    assert db.session.scalar(select(PanelMeeting)).chair_id == chair.id
    # the ewo is not a possible chair
    response = admin.post_form("/panels/new", {"day": date_boxes("2027-02-04"), "start": "10:00", "place": "Hall",
                                               "chair_id": str(world.user("ewo").id)})
    assert response.status_code == 422


def test_members_cannot_schedule(app, world):
    assert signed_in(app, world.user("ewo")).get("/panels/new").status_code == 403


# ----- the agenda ----------------------------------------------------------------------------------

def test_build_add_move_slot_remove_and_publish(chair, world, meeting, day):
    due = make_case(world, review=day - timedelta(days=1), forename="Dana")
    url = f"/panels/{meeting.id}"
    assert chair.get(url).status_code == 200

    response = chair.post_form(f"{url}/agenda/build", {"version": version(meeting.id)})
    assert response.status_code == 303 and agenda(meeting.id) == [due.id]
    other = make_case(world, forename="Olly")  # due for review too, since the agenda was built

    response = chair.post_form(f"{url}/agenda/items", {"add-csrf_token": chair.token(), "add-case_id": str(other.id),
                                                       "add-reason": "Attendance falling fast",
                                                       "add-version": version(meeting.id)})
    assert response.status_code == 303 and agenda(meeting.id) == [due.id, other.id]
    page = chair.get(url).get_data(as_text=True)
    assert "Attendance falling fast" in page and "10:00–10:15" in page and "10:15–10:30" in page

    item = db.session.scalar(select(AgendaItem).where(AgendaItem.case_id == other.id))
    response = chair.post_form(f"{url}/agenda/items/{item.id}/move", {"direction": "up",
                                                                      "version": version(meeting.id)})
    assert response.status_code == 303 and agenda(meeting.id) == [other.id, due.id]

    response = chair.post_form(f"{url}/agenda/items/{item.id}/slot", {"minutes": "30",
                                                                      "version": version(meeting.id)})
    assert response.status_code == 303
    assert "10:30–10:45" in chair.get(url).get_data(as_text=True)

    first = db.session.scalar(select(AgendaItem).where(AgendaItem.case_id == due.id))
    assert chair.get(f"{url}/agenda/items/{first.id}/remove").status_code == 200
    response = chair.post_form(f"{url}/agenda/items/{first.id}/remove", {"reason": "", "version": version(meeting.id)})
    assert response.status_code == 422
    response = chair.post_form(f"{url}/agenda/items/{first.id}/remove",
                               {"reason": "Improved: back at school", "version": version(meeting.id)})
    assert response.status_code == 303 and agenda(meeting.id) == [other.id]
    assert "Improved: back at school" in chair.get(url).get_data(as_text=True)

    response = chair.post_form(f"{url}/publish", {"version": version(meeting.id)})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(PanelMeeting, meeting.id).status == "published"
    assert audits("panel_agenda_published") == 1


def test_moving_with_htmx_returns_the_agenda_fragment(chair, world, meeting):
    a, b = make_case(world, forename="Ava"), make_case(world, forename="Ben")
    items = [service.add_item(world.user("panel_chair"), meeting, c, "Listed") for c in (a, b)]
    response = chair.post(f"/panels/{meeting.id}/agenda/items/{items[1].id}/move",
                          data={"direction": "up", "version": version(meeting.id)},
                          headers={"HX-Request": "true", "HX-Target": "agenda", "X-CSRFToken": chair.token()})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("{%") is False and "<html" not in html and 'id="agenda"' in html
    assert response.headers.get("HX-Trigger") == "agendaChanged"
    assert agenda(meeting.id) == [b.id, a.id]
    assert html.index("Ben") < html.index("Ava")


def test_a_stale_agenda_write_is_a_409(chair, world, meeting):
    a, b = make_case(world), make_case(world)
    items = [service.add_item(world.user("panel_chair"), meeting, c, "Listed") for c in (a, b)]
    stale = version(meeting.id)
    service.set_slot(world.user("la_admin"), items[0], 20)  # someone else changes the agenda
    response = chair.post_form(f"/panels/{meeting.id}/agenda/items/{items[1].id}/move",
                               {"direction": "up", "version": stale})
    assert response.status_code == 409
    assert "Someone else changed this meeting" in response.get_data(as_text=True)
    assert agenda(meeting.id) == [a.id, b.id]
    response = chair.post(f"/panels/{meeting.id}/agenda/items/{items[1].id}/move",
                          data={"direction": "up", "version": stale},
                          headers={"HX-Request": "true", "HX-Target": "agenda", "X-CSRFToken": chair.token()})
    assert response.status_code == 409 and "nothing was saved" in response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "data"), [
    ("agenda/items", {"add-case_id": "abc", "add-reason": "x"}),
    ("agenda/items", {"add-case_id": "999999", "add-reason": "x"}),
    ("agenda/items", {"add-case_id": "CASE", "add-reason": ""}),
    ("agenda/items/ITEM/move", {"direction": "sideways"}),
    ("agenda/items/ITEM/move", {"direction": "up"}),  # already first
    ("agenda/items/ITEM/slot", {"minutes": "abc"}),
    ("agenda/items/ITEM/slot", {"minutes": "500"}),
    ("agenda/items/ITEM/slot", {"minutes": "-5"}),
    ("publish", {"version": "1"}),  # already published below
])
def test_bad_agenda_input_is_422_not_500(chair, world, meeting, path, data):
    case = make_case(world)
    item = service.add_item(world.user("panel_chair"), meeting, case, "Listed")
    if path == "publish":
        service.publish(world.user("panel_chair"), meeting)
        data = {"version": str(version(meeting.id))}
    path = path.replace("ITEM", str(item.id))
    data = {k: v.replace("CASE", str(case.id)) for k, v in data.items()}
    if path == "agenda/items":
        data["add-csrf_token"] = chair.token()
    response = chair.post_form(f"/panels/{meeting.id}/{path}", data)
    assert response.status_code == 422


def test_invite_a_person_and_an_agency(chair, world, meeting):
    url = f"/panels/{meeting.id}"
    response = chair.post_form(f"{url}/members", {"invite-csrf_token": chair.token(),
                                                  "invite-user_id": str(world.user("ewo").id)})
    assert response.status_code == 303
    response = chair.post_form(f"{url}/agencies", {"agency-csrf_token": chair.token(),
                                                   "agency-organisation_id": str(world.police_org.id)})
    assert response.status_code == 303
    page = chair.get(url).get_data(as_text=True)
    assert world.user("ewo").name in page and "Police – anyone at the agency" in page
    response = chair.post_form(f"{url}/members", {"invite-csrf_token": chair.token(),
                                                  "invite-user_id": str(world.user("ewo").id)})
    assert response.status_code == 422  # already invited: no longer a choice
    response = chair.post_form(f"{url}/agencies", {"agency-csrf_token": chair.token(), "agency-organisation_id": ""})
    assert response.status_code == 422


def test_only_the_meetings_chair_manages_it(app, world, meeting):
    from tests.factories import make_user

    other_chair = make_user("panel_chair", world.service)
    db.session.commit()
    client = signed_in(app, other_chair)
    assert client.get(f"/panels/{meeting.id}").status_code == 404
    assert client.post_form(f"/panels/{meeting.id}/agenda/build", {}).status_code == 404
    admin = signed_in(app, world.user("la_admin"))
    assert admin.get(f"/panels/{meeting.id}").status_code == 200


# ----- members: publication, confidentiality, packs and the window ----------------------------------

def test_a_member_sees_the_pack_only_after_publication_and_confidentiality(app, world, meeting):
    case = make_case(world, school=world.school_b)  # not a case early help can otherwise see
    chair_user = world.user("panel_chair")
    item = service.add_item(chair_user, meeting, case, "Listed by the chair")
    service.invite_agency(chair_user, meeting, world.early_help_org)
    member = signed_in(app, world.user("early_help"))
    meeting_url, pack_url = f"/panels/{meeting.id}", f"/panels/{meeting.id}/items/{item.id}"

    assert member.get("/panels").status_code == 200
    assert member.get(meeting_url).status_code == 404  # not published yet
    assert member.get(pack_url).status_code == 404
    assert "Panels" not in _nav(member)

    service.publish(chair_user, meeting)
    assert "Panels" in _nav(member)
    page = member.get(meeting_url)
    assert page.status_code == 200 and "confirm the confidentiality statement" in page.get_data(as_text=True)
    assert member.post_form(f"{meeting_url}/agenda/build", {}).status_code == 403

    response = member.get(pack_url)
    assert response.status_code == 303 and f"/confidentiality?item={item.id}" in response.headers["Location"]
    assert audits("panel_pack_viewed") == 0
    assert member.get(f"{meeting_url}/confidentiality?item={item.id}").status_code == 200
    response = member.post_form(f"{meeting_url}/confidentiality", {"item": str(item.id)})
    assert response.status_code == 303 and response.headers["Location"].endswith(pack_url)

    response = member.get(pack_url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert case.pupil.display_name in html and "School B" in html and "Open the full case record" not in html
    assert audits("panel_pack_viewed") == 1
    member.get(pack_url)
    assert audits("panel_pack_viewed") == 2
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "panel_pack_viewed")).all()
    assert {(e.actor_id, e.object_type, e.object_id, e.summary) for e in events} == {
        (world.user("early_help").id, "Case", case.id, f"meeting #{meeting.id}, item #{item.id}, summary")}


def test_after_the_window_a_member_gets_404_and_the_chair_does_not(app, world, day):
    chair_user = world.user("panel_chair")
    meeting = service.schedule_meeting(chair_user, datetime.combine(day, time(10, 0), tzinfo=LONDON), place="Hall")
    item = publish_with(world, meeting, make_case(world))[0]
    service.invite_user(chair_user, meeting, world.user("ewo"))
    member = signed_in(app, world.user("ewo"))
    member.post_form(f"/panels/{meeting.id}/confidentiality", {})
    pack_url = f"/panels/{meeting.id}/items/{item.id}"
    response = member.get(pack_url)
    assert response.status_code == 200 and "Open the full case record" in response.get_data(as_text=True)

    meeting = db.session.get(PanelMeeting, meeting.id)
    meeting.held_at = utcnow() - timedelta(days=8)  # the access window (7 days) has closed
    meeting.published_at = utcnow() - timedelta(days=20)
    db.session.commit()
    assert member.get(f"/panels/{meeting.id}").status_code == 404
    assert member.get(pack_url).status_code == 404
    assert "Panels" not in _nav(member)
    chair = signed_in(app, chair_user)
    assert chair.get(f"/panels/{meeting.id}").status_code == 200
    assert chair.get(pack_url).status_code == 200
    assert "Past" in chair.get("/panels").get_data(as_text=True)


def test_a_school_user_not_invited_gets_404(app, world, meeting):
    item = publish_with(world, meeting, make_case(world))[0]
    school = signed_in(app, world.user("school_staff"))
    assert school.get(f"/panels/{meeting.id}").status_code == 404
    assert school.get(f"/panels/{meeting.id}/items/{item.id}").status_code == 404
    assert school.get(f"/panels/{meeting.id}/confidentiality").status_code == 404
    assert "No upcoming meetings you are invited to" in school.get("/panels").get_data(as_text=True)


def test_a_removed_item_is_404_for_members(app, world, meeting):
    items = publish_with(world, meeting, make_case(world), make_case(world))
    service.invite_user(world.user("panel_chair"), meeting, world.user("police"))
    service.remove_item(world.user("panel_chair"), items[0], "Improved")
    police = signed_in(app, world.user("police"))
    police.post_form(f"/panels/{meeting.id}/confidentiality", {})
    assert police.get(f"/panels/{meeting.id}/items/{items[0].id}").status_code == 404
    assert police.get(f"/panels/{meeting.id}/items/{items[1].id}").status_code == 200


def _nav(client) -> str:
    html = client.get("/").get_data(as_text=True)
    start = html.index("govuk-service-navigation__list")
    return html[start:html.index("</ul>", start)]


# ----- what each member's pack shows (issue 10, point 2) --------------------------------------------

RATIONALE = "Mother describes anxiety about the bus; attendance down to 80.0% this term"


def test_each_member_sees_the_pack_their_level_allows(app, world, meeting, day, time_machine):
    """The pack honours the level `access.pack_level` works out. The police saw "Attendance this
    year 80.0%", the attendance at opening and the panel's rationale, shared or not."""
    import re

    from portal.attendance.models import PupilWeek
    from tests import clock
    from tests.attendance.helpers import TODAY

    time_machine.move_to(clock.noon(TODAY))
    chair_user = world.user("panel_chair")
    shared, unshared = make_case(world, forename="Shared"), make_case(world, forename="Unshared")
    for case in (shared, unshared):
        db.session.add(PupilWeek(pupil_id=case.pupil_id, week_start=date(2026, 11, 16), possible=10, attended=8,
                                 authorised=0, unauthorised=2, open_sessions=10, last_date=date(2026, 11, 20)))
        case.attendance_at_open = {"percent": 91.2}
    db.session.add(CaseShare(case_id=shared.id, organisation_id=world.police_org.id, reason="Sweep sightings",
                             shared_by_id=world.user("ewo").id))
    db.session.commit()
    items = publish_with(world, meeting, shared, unshared)
    begin(meeting)
    for item in items:
        service.record_decision(chair_user, item, "continue_support", RATIONALE, day + timedelta(days=42),
                                [{"description": "School to call home each morning", "owner_org": world.school_a,
                                  "due": day + timedelta(days=7)}])
    for key in ("police", "social_care", "school_staff"):
        service.invite_user(chair_user, meeting, world.user(key))

    def pack(key: str, item) -> str:
        client = signed_in(app, world.user(key))
        if key not in ("panel_chair", "la_admin"):
            client.post_form(f"/panels/{meeting.id}/confidentiality", {})
        response = client.get(f"/panels/{meeting.id}/items/{item.id}")
        assert response.status_code == 200, key
        return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())

    percent = re.compile(r"\d+(?:\.\d+)?\s*%")
    # The chair and LA admins run the meeting: the full pack, whoever else sees the case.
    for key in ("panel_chair", "la_admin"):
        for item in items:
            text = pack(key, item)
            assert "Attendance this year 80.0%" in text and "91.2%" in text and RATIONALE in text, key
            assert "School to call home each morning" in text
    # The pupil's school sees the case anyway: the full pack, with a link to the case record.
    text = pack("school_staff", items[0])
    assert "80.0%" in text and RATIONALE in text and "Open the full case record" in text
    # The police, with the case shared: the restricted pack.
    text = pack("police", items[0])
    assert "Continue support" in text and "School to call home each morning" in text and "Open the case record" in text
    assert not percent.search(text) and "Attendance this year" not in text and "anxiety" not in text
    assert "when the case opened" not in text
    assert shared.pupil.upn not in text
    # The police and social care, with no share: the minimum summary.
    for key in ("police", "social_care"):
        text = pack(key, items[1])
        assert "Listed by the chair" in text and "School A" in text and "Year 6" in text and "Next review" in text
        assert not percent.search(text) and "anxiety" not in text, key
        assert "Continue support" not in text and "School to call home" not in text and "case record" not in text


def test_add_the_cases_due_says_what_it_added_or_why_none(app, world, chair, meeting, day):
    """"Add the cases due" names the cases it added; when it adds none it says why: the due
    cases are already on this agenda or on another meeting's, or none is due."""
    due = make_case(world, forename="Dara")
    url = f"/panels/{meeting.id}"
    first = chair.post_form(f"{url}/agenda/build", {"version": version(meeting.id)}, follow_redirects=True)
    assert "1 due case was added to the agenda: Dara" in first.get_data(as_text=True)
    again = chair.post_form(f"{url}/agenda/build", {"version": version(meeting.id)}, follow_redirects=True)
    assert "No cases were added: 1 due case is already on this agenda." in again.get_data(as_text=True)
    later = service.schedule_meeting(world.user("panel_chair"),
                                     datetime.combine(day + timedelta(days=7), time(10, 0), tzinfo=LONDON),
                                     place="Civic Centre, Room 3")
    db.session.commit()
    label = day.strftime("%-d %b")
    other = chair.post_form(f"/panels/{later.id}/agenda/build", {"version": version(later.id)},
                            follow_redirects=True).get_data(as_text=True)
    assert f"No cases were added: 1 due case is already on the {label} agenda." in other
    assert agenda(later.id) == [] and agenda(meeting.id) == [due.id]


def test_the_pack_shows_barriers_trend_chronology_and_actions_as_far_as_the_member_may_see(
        app, world, meeting, day, time_machine):
    """Issue 14.15: the pack is more than the headline. The full pack gives the referral's
    barriers, attendance since the last review against the weeks before, the recent chronology
    and the open actions; the police read the entries shared with them, in their wording, and
    no barriers, health notes or figures."""
    import re

    from portal.attendance.models import PupilWeek
    from portal.cases.models import Action, ChronologyEntry, Referral
    from tests import clock
    from tests.attendance.helpers import TODAY

    time_machine.move_to(clock.noon(TODAY))
    chair_user = world.user("panel_chair")
    case = make_case(world, forename="Rowan")
    referral = Referral(pupil_id=case.pupil_id, school_id=world.school_a.id,
                        created_by_id=world.user("school_staff").id, status="accepted",
                        barriers={"bullying": "Name-calling on the bus", "young_carer": "Cares for mum"},
                        submitted_at=datetime(2026, 10, 1, 9, 0, tzinfo=LONDON))
    db.session.add(referral)
    db.session.flush()
    case.referral_id = referral.id
    # 70% in the two weeks before the referral, 90% since.
    for monday, attended in ((date(2026, 9, 15), 7), (date(2026, 9, 22), 7), (date(2026, 9, 29), 9),
                             (date(2026, 10, 6), 9)):
        db.session.add(PupilWeek(pupil_id=case.pupil_id, week_start=monday, possible=10, attended=attended,
                                 authorised=0, unauthorised=10 - attended, open_sessions=10,
                                 last_date=monday + timedelta(days=4)))
    ewo = world.user("ewo")
    at = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
    db.session.add_all([
        ChronologyEntry(case_id=case.id, kind="home_visit", occurred_at=at, author_id=ewo.id,
                        text="Home visit: Rowan's mum unwell, Rowan doing the school run for his sister",
                        police_text="Home visit made by the EWO"),
        ChronologyEntry(case_id=case.id, kind="note", occurred_at=at + timedelta(days=1), author_id=ewo.id,
                        text="Nurse note: Rowan's asthma plan reviewed", health=True),
        ChronologyEntry(case_id=case.id, kind="phone_call", occurred_at=at + timedelta(days=2), author_id=ewo.id,
                        text="Rang mum about the bus bullying"),
        Action(case_id=case.id, description="School to set up a bus buddy", owner_org_id=world.school_a.id,
               due_date=date(2026, 12, 20), created_by_id=ewo.id),
        CaseShare(case_id=case.id, organisation_id=world.police_org.id, reason="Sweep sightings",
                  shared_by_id=ewo.id)])
    db.session.commit()
    items = publish_with(world, meeting, case)
    service.invite_user(chair_user, meeting, world.user("police"))

    def pack(key: str) -> str:
        client = signed_in(app, world.user(key))
        if key != "panel_chair":
            client.post_form(f"/panels/{meeting.id}/confidentiality", {})
        response = client.get(f"/panels/{meeting.id}/items/{items[0].id}")
        assert response.status_code == 200, key
        return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())

    text = pack("panel_chair")
    assert "Bullying" in text and "Name-calling on the bus" in text and "Cares for mum" in text
    assert "Attendance since the referral" in text and "90.0%" in text and "70.0%" in text
    assert "+20.0 percentage points" in text
    assert "Rowan doing the school run" in text and "asthma plan" in text and "bus bullying" in text
    assert "School to set up a bus buddy" in text
    police = pack("police")
    assert "Home visit made by the EWO" in police and "School to set up a bus buddy" in police
    assert "school run" not in police and "asthma" not in police and "bus bullying" not in police
    assert "Name-calling" not in police and "Cares for mum" not in police and "Attendance since" not in police
    assert not re.search(r"\d+(?:\.\d+)?\s*%", police)


def test_the_chair_adds_a_case_by_searching_the_pupils_name_upn_or_case_number(app, world, chair, meeting):
    """Issue 14.14: no more "the number in the case's address". The search (htmx: the results
    only; without JavaScript: the page) finds the cases the chair may list, by name, UPN or
    case number; a case the chair may not list is never offered; a refused add keeps the search
    and the choice."""
    import re

    due = make_case(world, forename="Ottilie")
    due.pupil.legal_surname = "Marchbank"
    due.pupil.refresh_search_text()
    hidden = make_case(world, forename="Ottilie", review=date(2030, 1, 1))  # not due, not visible to the chair
    db.session.commit()
    url = f"/panels/{meeting.id}/agenda/case-search"
    for q in ("ottilie", "MARCHBANK ott", due.pupil.upn, str(due.id), f"#{due.id}", f"case {due.id}"):
        page = chair.get(url, query_string={"q": q}, headers={"HX-Request": "true", "HX-Target": "case-results"})
        assert page.status_code == 200, q
        html = page.get_data(as_text=True)
        assert f'value="{due.id}"' in html and f'value="{hidden.id}"' not in html, q
        assert "<h1" not in html  # the fragment only
    page = chair.get(url, query_string={"q": "Ottilie"})  # no JavaScript: the meeting page with the results
    assert page.status_code == 200 and "<h1" in page.get_data(as_text=True)
    assert "Ottilie Marchbank – case" in page.get_data(as_text=True)
    assert "number in its address" not in page.get_data(as_text=True)
    assert audits("agenda_case_search") == 7
    assert "No case you may list matches" in chair.get(url, query_string={"q": "zzz"}).get_data(as_text=True)
    # A refused add (no reason) keeps the search and the case chosen.
    refused = chair.post_form(f"/panels/{meeting.id}/agenda/items",
                              {"add-case_id": str(due.id), "q": "Ottilie", "add-reason": "",
                               "add-version": version(meeting.id)})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert re.search(rf'value="{due.id}"\s+aria-describedby="[^"]+" checked', html) and 'value="Ottilie"' in html
    added = chair.post_form(f"/panels/{meeting.id}/agenda/items",
                            {"add-case_id": str(due.id), "q": "Ottilie", "add-reason": "Attendance falling",
                             "add-version": version(meeting.id)})
    assert added.status_code == 303 and agenda(meeting.id) == [due.id]
    again = chair.get(url, query_string={"q": "Ottilie"}).get_data(as_text=True)
    assert "Already on this agenda" in again
    # The members do not search.
    assert signed_in(app, world.user("ewo")).get(url, query_string={"q": "Ottilie"}).status_code == 403
