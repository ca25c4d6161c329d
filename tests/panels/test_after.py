"""After the meeting: marking it held, the minutes (restricted with names, redacted with
initials; printable page and PDF), the actions in their owners' "My actions", the panel
history on the case, and the panel overview (decisions, actions by agency, impact)."""
from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.attendance.models import PupilWeek
from portal.audit import AuditEvent
from portal.cases.models import Action, CaseShare
from portal.extensions import db
from portal.panels import overview, service
from portal.panels.minutes import initials, redact
from portal.panels.models import PanelMeeting
from portal.timeutil import LONDON, utcnow
from tests.factories import make_user
from tests.panels.test_views import begin, chair, day, make_case, meeting, publish_with, signed_in  # noqa: F401


def audits(verb: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == verb))


def share(world, case, org) -> None:
    db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="agreed at the panel",
                             shared_by_id=world.user("ewo").id))
    db.session.commit()


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def decided(world, meeting, day):  # noqa: F811
    """A published meeting; Ellis Quinlan's case decided with two actions (early help and the
    school), the rationale naming the child and her mother; a second case undecided."""
    chair_user = world.user("panel_chair")
    ellis = make_case(world, forename="Ellis")
    ellis.pupil.legal_surname = "Quinlan"
    ellis.pupil.contacts.append(_contact("Morwenna Quinlan"))
    share(world, ellis, world.early_help_org)
    other = make_case(world, forename="Tobias")
    first, second = publish_with(world, meeting, ellis, other)
    service.invite_agency(chair_user, meeting, world.early_help_org)
    begin(meeting)
    service.record_decision(
        chair_user, first, "early_help", "Ellis told the panel mornings are hard; Morwenna Quinlan agreed to "
        "an early help assessment.", day + timedelta(days=42),
        [{"description": "Early help to visit Ellis at home", "owner_org": world.early_help_org, "owner_user": None,
          "due": day + timedelta(days=7)},
         {"description": "School to set up a morning check-in", "owner_org": world.school_a, "owner_user": None,
          "due": day + timedelta(days=14)}])
    return meeting, ellis, other


def _contact(name):
    from portal.pupils.models import Contact

    return Contact(name=name, relationship_to_pupil="Mother")


# ----- redaction ------------------------------------------------------------------------------------

def test_redaction_replaces_every_name_word_by_its_initial(world):
    case = make_case(world, forename="Mary-Jane")
    pupil = case.pupil
    pupil.legal_surname, pupil.preferred_forename = "O'Neill", "Mimi"
    pupil.contacts.append(_contact("Dawn Smith"))
    db.session.commit()
    assert initials(pupil) == "M.O."
    text = "Mary-Jane (Mimi) O'Neill lives with Dawn Smith; Mimi's attendance improved. Marymount is a school."
    assert redact(text, pupil) == "M.-J. (M.) O'N. lives with D. S.; M.'s attendance improved. Marymount is a school."


# ----- the minutes ----------------------------------------------------------------------------------

def test_restricted_minutes_name_the_children_and_list_decisions_and_actions(chair, decided):  # noqa: F811
    meeting, ellis, other = decided
    page = chair.get(f"/panels/{meeting.id}/minutes?version=restricted")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ellis Quinlan" in html and "Tobias" in html
    assert ellis.pupil.upn not in html  # police members may read the restricted minutes: no UPN
    assert "Refer to early help" in html and "Early help to visit Ellis at home" in html
    assert "School to set up a morning check-in" in html and "No decision was recorded" in html
    assert "Draft" in html
    assert audits("panel_minutes_viewed") == 1


def test_redacted_minutes_contain_no_full_names(chair, decided):  # noqa: F811
    meeting, ellis, other = decided
    names = ["Ellis", "Quinlan", "Morwenna", "Tobias", other.pupil.legal_surname]
    html = chair.get(f"/panels/{meeting.id}/minutes?version=redacted").get_data(as_text=True)
    response = chair.get(f"/panels/{meeting.id}/minutes/pdf?version=redacted")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "redacted.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for document in (html, text):
        for name in names:
            assert name not in document
        assert "E.Q." in document and "Refer to early help" in document
        assert "Early help to visit E. at home" in document and "M. Q. agreed" in document
    restricted = pdf_text(chair.get(f"/panels/{meeting.id}/minutes/pdf?version=restricted").data)
    assert "Ellis Quinlan" in restricted and "Morwenna Quinlan" in restricted
    assert audits("panel_minutes_downloaded") == 2


def test_members_read_the_redacted_minutes_and_the_restricted_after_confirming(app, world, decided):
    meeting, _, _ = decided
    early_help = signed_in(app, world.user("early_help"))
    redacted = early_help.get(f"/panels/{meeting.id}/minutes")
    assert redacted.status_code == 200 and "E.Q." in redacted.get_data(as_text=True)
    assert "Ellis" not in redacted.get_data(as_text=True)
    asked = early_help.get(f"/panels/{meeting.id}/minutes?version=restricted")
    assert asked.status_code == 303 and "/confidentiality" in asked.headers["Location"]
    assert early_help.get(f"/panels/{meeting.id}/minutes/pdf?version=restricted").status_code == 303
    service.confirm_confidentiality(world.user("early_help"), meeting)
    assert "Ellis Quinlan" in early_help.get(f"/panels/{meeting.id}/minutes?version=restricted").get_data(as_text=True)
    assert early_help.get(f"/panels/{meeting.id}/minutes?version=everything").status_code == 404
    # Not invited: no minutes at all.
    police = signed_in(app, world.user("police"))
    assert police.get(f"/panels/{meeting.id}/minutes?version=redacted").status_code == 404
    assert police.get(f"/panels/{meeting.id}/minutes/pdf?version=redacted").status_code == 404


def test_police_members_read_the_minutes_without_the_panels_rationale(app, world, decided):
    """The police view holds no panel rationale: the minutes they read (either version, page
    and PDF) give each decision, its actions and next review, not why the panel decided it."""
    meeting, _, _ = decided
    service.invite_user(world.user("panel_chair"), meeting, world.user("police"))
    service.confirm_confidentiality(world.user("police"), meeting)
    police = signed_in(app, world.user("police"))
    for version in ("restricted", "redacted"):
        html = police.get(f"/panels/{meeting.id}/minutes?version={version}").get_data(as_text=True)
        text = pdf_text(police.get(f"/panels/{meeting.id}/minutes/pdf?version={version}").data)
        for document in (html, text):
            assert "Refer to early help" in document and "School to set up a morning check-in" in document
            assert "mornings are hard" not in document and "told the panel" not in document, version
            assert "not shown in the police view" in " ".join(document.split())
    chair = signed_in(app, world.user("panel_chair"))
    assert "mornings are hard" in chair.get(f"/panels/{meeting.id}/minutes?version=redacted").get_data(as_text=True)


# ----- marking the meeting held --------------------------------------------------------------------

def _move_to_the_past(meeting: PanelMeeting, days: int = 1) -> None:
    meeting.held_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_the_chair_marks_the_meeting_held_once_it_has_started(chair, world, meeting):  # noqa: F811
    publish_with(world, meeting, make_case(world, forename="Ellis"))
    assert "Mark the meeting as held" not in chair.get(f"/panels/{meeting.id}").get_data(as_text=True)
    early = chair.post_form(f"/panels/{meeting.id}/held", {"version": str(meeting.version)})
    assert early.status_code == 303
    db.session.expire_all()
    assert db.session.get(PanelMeeting, meeting.id).status == "published"
    _move_to_the_past(meeting)
    assert "Mark the meeting as held" in chair.get(f"/panels/{meeting.id}").get_data(as_text=True)
    stale = chair.post_form(f"/panels/{meeting.id}/held", {"version": str(meeting.version - 1)})
    assert stale.status_code == 409
    done = chair.post_form(f"/panels/{meeting.id}/held", {"version": str(meeting.version)})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(PanelMeeting, meeting.id).status == "held"
    assert audits("panel_meeting_held") == 1
    assert "Draft" not in chair.get(f"/panels/{meeting.id}/minutes").get_data(as_text=True)


def test_only_the_chair_side_marks_a_meeting_held(app, world, decided):
    meeting, _, _ = decided
    _move_to_the_past(meeting)
    early_help = signed_in(app, world.user("early_help"))
    assert early_help.post_form(f"/panels/{meeting.id}/held", {}).status_code == 403
    other_chair = make_user("panel_chair", world.service, "chair2@test.example")
    assert signed_in(app, other_chair).post_form(f"/panels/{meeting.id}/held", {}).status_code == 404
    db.session.expire_all()
    assert db.session.get(PanelMeeting, meeting.id).status == "published"


def test_a_decision_added_after_held_is_marked_late_in_the_minutes(app, world, chair, meeting):  # noqa: F811
    """Decisions made at the meeting are the minutes; one added once the meeting was marked as
    held is shown as late, in the page and in the PDF."""
    chair_user = world.user("panel_chair")
    first, second = publish_with(world, meeting, make_case(world, forename="Ellis"),
                                 make_case(world, forename="Tobias"))
    begin(meeting)
    review = meeting.held_at.date() + timedelta(days=42)
    service.record_decision(chair_user, first, "continue_support", "On time.", review)
    db.session.commit()
    service.mark_held(chair_user, meeting)
    db.session.commit()
    service.record_decision(chair_user, second, "continue_support", "Added afterwards.", review)
    db.session.commit()
    html = chair.get(f"/panels/{meeting.id}/minutes").get_data(as_text=True)
    assert html.count("Recorded after the meeting was marked as held") == 1
    ellis, tobias = html.split("Tobias", 1)
    assert "marked as held" not in ellis.split("Ellis", 1)[1] and "Recorded after the meeting" in tobias
    text = " ".join(pdf_text(chair.get(f"/panels/{meeting.id}/minutes/pdf").data).split())
    assert text.count("late: recorded after the meeting was marked as held") == 1


# ----- the actions reach their owners; the case keeps the panel history ------------------------------

def test_the_panels_actions_are_in_the_owners_my_actions(app, world, decided):
    early_help = signed_in(app, world.user("early_help"))
    mine = early_help.get("/actions").get_data(as_text=True)
    assert "Early help to visit Ellis at home" in mine and "morning check-in" not in mine
    school = signed_in(app, world.user("school_staff"))
    assert "School to set up a morning check-in" in school.get("/actions").get_data(as_text=True)
    notes = early_help.get("/notifications").get_data(as_text=True)
    assert "The attendance panel gave your agency an action" in notes


def test_the_case_page_shows_its_panel_history_but_not_to_the_police(app, world, decided):
    meeting, ellis, other = decided
    lead = signed_in(app, world.user("ewo"))
    page = lead.get(f"/cases/{ellis.id}").get_data(as_text=True)
    assert 'id="panel-history"' in page and "Refer to early help" in page and "Actions agreed: 2 (2 open)" in page
    assert "has not been to the attendance panel" in lead.get(f"/cases/{other.id}").get_data(as_text=True)
    share(world, ellis, world.police_org)
    police = signed_in(app, world.user("police"))
    restricted = police.get(f"/cases/{ellis.id}")
    assert restricted.status_code == 200 and 'id="panel-history"' not in restricted.get_data(as_text=True)


# ----- the overview -----------------------------------------------------------------------------------

def _weeks(pupil_id: int, start: date, percents: list[int]) -> None:
    for n, percent in enumerate(percents):
        week = start + timedelta(weeks=n)
        db.session.add(PupilWeek(pupil_id=pupil_id, week_start=week, possible=10, attended=percent // 10,
                                 last_date=week + timedelta(days=4)))
    db.session.commit()


def _held_meeting(world, when: date, *cases):
    chair_user = world.user("panel_chair")
    meeting = service.schedule_meeting(chair_user, datetime.combine(date.today() + timedelta(days=3), time(10),
                                                                    tzinfo=LONDON), place="Room 1")
    items = publish_with(world, meeting, *cases)
    meeting.held_at = datetime.combine(when, time(10), tzinfo=LONDON)
    db.session.commit()
    return meeting, items


def test_impact_compares_six_school_weeks_before_and_after_the_meeting_week(world):
    case = make_case(world)
    monday = date(2026, 1, 5)
    # 8 weeks at 50%, the meeting's week (90%, in neither window), a holiday week, 7 weeks at 80%.
    _weeks(case.pupil_id, monday, [50] * 8 + [90])
    db.session.add(PupilWeek(pupil_id=case.pupil_id, week_start=monday + timedelta(weeks=9), possible=0,
                             attended=0, last_date=monday + timedelta(weeks=9)))
    _weeks(case.pupil_id, monday + timedelta(weeks=10), [70] + [80] * 6)
    weeks = list(db.session.scalars(select(PupilWeek).where(PupilWeek.pupil_id == case.pupil_id)
                                    .order_by(PupilWeek.week_start)))
    before, after = overview.windows(weeks, monday + timedelta(weeks=8, days=2))
    assert [w.week_start for w in before] == [monday + timedelta(weeks=n) for n in range(2, 8)]
    assert [w.week_start for w in after] == [monday + timedelta(weeks=n) for n in range(10, 16)]


def test_the_overview_counts_decisions_actions_by_agency_and_the_average_change(app, world):
    chair_user = world.user("panel_chair")
    cases = [make_case(world, forename=name) for name in ("Ana", "Ben", "Cal")]
    share(world, cases[0], world.early_help_org)
    held = date(2026, 3, 4)  # a Wednesday
    meeting, items = _held_meeting(world, held, *cases)
    monday = held - timedelta(days=2)
    for case, (before, after) in zip(cases, [(60, 80), (70, 60), (50, 70)], strict=True):
        _weeks(case.pupil_id, monday - timedelta(weeks=6), [before] * 6)
        _weeks(case.pupil_id, monday + timedelta(weeks=1), [after] * 6)
    due_past, due_future = held + timedelta(days=7), date.today() + timedelta(days=30)
    for item, decision in zip(items, ["continue_support", "continue_support", "early_help"], strict=True):
        service.record_decision(chair_user, item, decision, "Reviewed with the family.",
                                date.today() + timedelta(days=40),
                                [{"description": "Visit", "owner_org": world.early_help_org if item is items[0]
                                  else world.school_a, "owner_user": None, "due": due_past},
                                 {"description": "Call", "owner_org": None, "owner_user": world.user("ewo"),
                                  "due": due_future}])
    done = db.session.scalar(select(Action).where(Action.owner_org_id == world.school_a.id).limit(1))
    from portal.cases import service as case_service
    case_service.complete_action(world.user("school_staff"), done, "Done.", done.version)

    page = signed_in(app, chair_user).get("/panels/overview")
    assert page.status_code == 200
    decisions = overview.decisions_in(select(PanelMeeting))
    impact = overview.impacts(decisions)
    assert sorted(i.change for i in impact) == [-10.0, 20.0, 20.0]
    rows = {r["key"]: r for r in overview.by_decision(decisions, impact)}
    assert (rows["continue_support"]["decisions"], rows["continue_support"]["average"]) == (2, 5.0)
    assert (rows["early_help"]["decisions"], rows["early_help"]["average"]) == (1, 20.0)
    assert rows["close"]["decisions"] == 0 and rows["close"]["average"] is None
    agencies = {r["agency"]: r for r in overview.by_agency(decisions, date.today())}
    assert agencies["Early Help"] == dict(agency="Early Help", open=0, overdue=1, done=0, cancelled=0)
    assert agencies["School A"] == dict(agency="School A", open=0, overdue=1, done=1, cancelled=0)
    assert agencies["Attendance Service"] == dict(agency="Attendance Service", open=3, overdue=0, done=0,
                                                  cancelled=0)
    html = page.get_data(as_text=True)
    assert "+5.0 points" in html and "+20.0 points" in html and "-10.0 points" in html


def test_the_overview_is_for_the_chair_side_and_a_chair_sees_their_own_meetings(app, world):
    case = make_case(world, forename="Dora")
    meeting, (item,) = _held_meeting(world, date(2026, 3, 4), case)
    service.record_decision(world.user("panel_chair"), item, "continue_support", "Keep going.",
                            date.today() + timedelta(days=40), [])
    for role in ("school_staff", "ewo", "early_help", "police", "social_care"):
        assert signed_in(app, world.user(role)).get("/panels/overview").status_code == 403
    assert "Dora" in signed_in(app, world.user("la_admin")).get("/panels/overview").get_data(as_text=True)
    other_chair = make_user("panel_chair", world.service, "chair2@test.example")
    page = signed_in(app, other_chair).get("/panels/overview").get_data(as_text=True)
    assert "Dora" not in page and "No decisions have been recorded yet" in page


def test_my_actions_heads_each_case_once(app, world, decided, day):  # noqa: F811
    _, ellis, _ = decided
    from portal.cases import service as case_service

    case_service.add_action(world.user("ewo"), ellis, "Early help to join the review", day + timedelta(days=9),
                            owner_org=world.early_help_org)
    html = signed_in(app, world.user("early_help")).get("/actions").get_data(as_text=True)
    assert "Early help to join the review" in html and "Early help to visit Ellis at home" in html
    assert html.count(f"Case: {ellis.pupil.display_name}") == 1


def test_times_are_24_hour_and_the_agendas_slot_column_is_not_called_minutes(app, world, chair, meeting):  # noqa: F811
    """The minutes say "10:00", not "10:00am"; the agenda's slot length is "Time allowed
    (minutes)", not a "Minutes" column beside the meeting's minutes."""
    publish_with(world, meeting, make_case(world, forename="Ellis"))
    minutes = chair.get(f"/panels/{meeting.id}/minutes").get_data(as_text=True)
    assert ", 10:00</h1>" in " ".join(minutes.split()).replace(" </h1>", "</h1>")
    assert "am</h1>" not in minutes and "10:00am" not in minutes
    text = " ".join(pdf_text(chair.get(f"/panels/{meeting.id}/minutes/pdf").data).split())
    assert ", 10:00" in text and "10:00am" not in text
    agenda = chair.get(f"/panels/{meeting.id}").get_data(as_text=True)
    assert ">Time allowed (minutes)</th>" in agenda and ">Minutes</th>" not in agenda


def test_redaction_takes_out_every_agenda_childs_name_and_contacts_from_every_item(chair, world, meeting,  # noqa: F811
                                                                                 day):  # noqa: F811
    """A sibling named in another child's rationale is taken out too, whatever the accents or
    case: Zoë on the agenda is also "Zoe" and "ZOE" in Tobias's rationale (issue 14.16)."""
    zoe = make_case(world, forename="Zoë")
    zoe.pupil.legal_surname = "Brennan"
    zoe.pupil.contacts.append(_contact("Siân Brennan"))
    tobias = make_case(world, forename="Tobias")
    tobias.pupil.legal_surname = "Hale"
    db.session.commit()
    first, second = publish_with(world, meeting, zoe, tobias)
    begin(meeting)
    service.record_decision(
        world.user("panel_chair"), second, "continue_support",
        "Tobias walks his sister Zoe to school; ZOE is often late too. Sian BRENNAN (their aunt) helps. "
        "Zoey and Zoetrope are other words.", day + timedelta(days=42), [])
    html = chair.get(f"/panels/{meeting.id}/minutes?version=redacted").get_data(as_text=True)
    text = pdf_text(chair.get(f"/panels/{meeting.id}/minutes/pdf?version=redacted").data)
    for document in (html, " ".join(text.split())):
        for name in ("Zoë", "Zoe ", "ZOE", "Brennan", "BRENNAN", "Sian", "Siân", "Tobias", "Hale"):
            assert name not in document
        assert "T. walks his sister Z. to school; Z. is often late too. S. B. (their aunt) helps." in document
        assert "Zoey and Zoetrope are other words." in document
    assert redact("Zoë, zoe, ZOE, Zoé", [zoe.pupil]) == "Z., Z., Z., Z."
