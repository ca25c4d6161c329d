"""Panel services against the real database (no HTTP): meetings, the agenda, who sees it and
when, confidentiality before packs, attendance, and decisions that land on the case all
together or not at all."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytest
from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import access
from portal.audit import AuditEvent
from portal.cases.models import Action, Case, CaseShare, ChronologyEntry, Stage
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import OrgKind, User
from portal.panels import service
from portal.panels.models import DECISIONS, AgendaItem, PanelDecision, PanelMeeting, PanelMember
from portal.timeutil import LONDON, as_utc, utcnow
from tests.factories import make_org, make_pupil, make_user

# ----- helpers -------------------------------------------------------------------------------------


def stage(position: int) -> Stage:
    return db.session.scalar(select(Stage).where(Stage.position == position))


DUE = "due"  # make_case's default review: yesterday, so the chair may list the case


def make_case(world, *, position: int = 5, review: date | None | str = DUE, status: str = "open",
              school=None) -> Case:
    """A case of school A at an EWO-level stage, due for review (a chair lists only cases
    referred to the panel or due for review, or cases they can otherwise see)."""
    pupil = make_pupil(school or world.school_a)
    if review == DUE:
        review = utcnow().astimezone(LONDON).date() - timedelta(days=1)
    case = Case(pupil_id=pupil.id, lead_id=world.user("ewo").id, status=status, stage=stage(position),
                next_review=review)
    db.session.add(case)
    db.session.commit()
    return case


def at_ten(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=LONDON)


@pytest.fixture
def day() -> date:
    """The meeting's day: ten days from now."""
    return (utcnow() + timedelta(days=10)).astimezone(LONDON).date()


def schedule(world, day: date, **kw) -> PanelMeeting:
    kw.setdefault("place", "Civic Centre, Room 2")
    meeting = service.schedule_meeting(world.user("panel_chair"), at_ten(day), **kw)
    db.session.commit()  # the chair's request ends (services flush; the request commits)
    return meeting


@pytest.fixture
def meeting(world, day) -> PanelMeeting:
    return schedule(world, day)


def begin(time_machine, meeting: PanelMeeting) -> None:
    """The clock moves to the meeting's start: decisions may be recorded."""
    time_machine.move_to(as_utc(meeting.held_at) + timedelta(minutes=5))


def audits(verb: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.verb == verb))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def entries(case: Case, kind: str | None = None) -> list[ChronologyEntry]:
    query = select(ChronologyEntry).where(ChronologyEntry.case_id == case.id).order_by(ChronologyEntry.id)
    if kind:
        query = query.where(ChronologyEntry.kind == kind)
    return list(db.session.scalars(query))


def agenda(meeting: PanelMeeting) -> list[tuple[int, int]]:
    """(position, case id) of the items still on the agenda."""
    db.session.expire_all()
    return [(i.position, i.case_id) for i in service.active_items(meeting)]


def share(world, case: Case, org) -> None:
    db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="agreed",
                             shared_by_id=world.user("ewo").id))
    db.session.commit()


def published(world, meeting: PanelMeeting, *cases: Case) -> list[AgendaItem]:
    chair = world.user("panel_chair")
    items = [service.add_item(chair, meeting, case, "Listed by the chair") for case in cases]
    service.publish(chair, meeting)
    db.session.commit()
    return items


@contextmanager
def session_in_use(session: Session):
    """Run the services in another real ORM session (as a second request would)."""
    registry = db.session.registry
    previous = registry()
    registry.set(session)
    try:
        yield session
    finally:
        registry.set(previous)


# ----- meetings ------------------------------------------------------------------------------------

def test_schedule_a_meeting(world, day):
    chair = world.user("panel_chair")
    meeting = service.schedule_meeting(chair, at_ten(day), online_link="https://meet.example/panel",
                                       notes="Autumn panel")
    db.session.expire_all()
    meeting = db.session.get(PanelMeeting, meeting.id)
    assert meeting.status == "scheduled" and meeting.published_at is None and meeting.chair_id == chair.id
    assert as_utc(meeting.held_at) == at_ten(day)  # the same moment, stored in UTC
    assert service.meeting_date(meeting) == day
    assert audits("panel_meeting_scheduled") == 1


@pytest.mark.parametrize("kw, field", [
    ({"place": "", "online_link": ""}, "place"),
    ({"online_link": "javascript:alert(1)"}, "online_link"),
    ({"online_link": "http://meet.example/x"}, "online_link"),
])
def test_schedule_refuses_bad_details(world, day, kw, field):
    with pytest.raises(Refused) as err:
        schedule(world, day, **kw)
    assert field in list(err.value.problems)


def test_schedule_refuses_the_past_and_other_roles(world):
    with pytest.raises(Refused) as err:
        schedule(world, (utcnow() - timedelta(days=1)).date())
    assert list(err.value.problems) == ["held_at"]
    with pytest.raises(Refused, match="panel chair or an LA administrator"):
        service.schedule_meeting(world.user("ewo"), at_ten(date.today() + timedelta(days=5)), place="Room 1")
    with pytest.raises(Refused, match="chair must be"):
        service.schedule_meeting(world.user("la_admin"), at_ten(date.today() + timedelta(days=5)), place="Room 1",
                                 chair=world.user("police"))
    assert count(PanelMeeting) == 0


def test_an_la_admin_schedules_for_a_chair_who_is_told(world, day):
    chair = world.user("panel_chair")
    meeting = service.schedule_meeting(world.user("la_admin"), at_ten(day), place="Room 1", chair=chair)
    assert meeting.chair_id == chair.id
    assert count(Notification, Notification.user_id == chair.id) == 1


def test_update_meeting_audits_what_changed_and_refuses_a_stale_version(world, meeting, day):
    chair = world.user("panel_chair")
    version = meeting.version
    service.update_meeting(chair, meeting, version, held_at=at_ten(day + timedelta(days=1)), place="Room 9",
                           online_link="", notes="")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "panel_meeting_updated")).one()
    assert set(event.changes) == {"held_at", "place"}
    with pytest.raises(Conflict):
        service.update_meeting(chair, meeting, version, held_at=at_ten(day), place="Room 1", online_link="",
                               notes="")


# ----- the agenda ----------------------------------------------------------------------------------

def test_build_agenda_from_review_dates_and_the_panel_stage(world, meeting, day):
    chair = world.user("panel_chair")
    referred = make_case(world, position=6, review=None)                      # referred by the lead
    referred_later_review = make_case(world, position=6, review=day + timedelta(days=20))
    review_before = make_case(world, review=day - timedelta(days=3))
    review_on_the_day = make_case(world, review=day, status="monitoring")
    review_after = make_case(world, review=day + timedelta(days=1))           # not yet due
    closed = make_case(world, review=day - timedelta(days=1), status="closed")
    no_review = make_case(world, review=None)                                 # at EWO level, no review

    # Already heard at an earlier panel, review set after this meeting: not due again.
    heard = make_case(world, position=6, review=day + timedelta(days=30))
    earlier = schedule(world, day - timedelta(days=1))
    earlier_item = AgendaItem(meeting_id=earlier.id, case_id=heard.id, position=1, reason_added="x",
                              added_by_id=chair.id)
    db.session.add(earlier_item)
    db.session.flush()
    db.session.add(PanelDecision(agenda_item_id=earlier_item.id, case_id=heard.id, decision="continue_support",
                                 rationale="Improving", next_review=heard.next_review, decided_by_id=chair.id))
    # Waiting on another meeting not yet held: left there.
    waiting = make_case(world, review=day - timedelta(days=2))
    other = schedule(world, day + timedelta(days=2))
    db.session.add(AgendaItem(meeting_id=other.id, case_id=waiting.id, position=1, reason_added="x",
                              added_by_id=chair.id))
    db.session.commit()

    added = service.build_agenda(chair, meeting, meeting.version)

    reasons = {item.case_id: item.reason_added for item in added}
    assert set(reasons) == {referred.id, referred_later_review.id, review_before.id, review_on_the_day.id}
    assert reasons[referred.id] == "Referred to the panel by the lead professional"
    assert reasons[referred_later_review.id] == "Referred to the panel by the lead professional"
    assert reasons[review_before.id] == f"Review due {review_before.next_review.strftime('%-d %b %Y')}"
    assert reasons[review_on_the_day.id].startswith("Review due")
    for case in (review_after, closed, no_review, heard, waiting):
        assert case.id not in reasons
    assert [p for p, _ in agenda(meeting)] == [1, 2, 3, 4]
    assert all(i.added_by_id == chair.id and i.slot_minutes == 15 for i in added)
    assert audits("agenda_item_added") == 4

    # Built again: nothing new (and a case removed with a reason is not put back).
    item = next(i for i in service.active_items(meeting) if i.case_id == review_before.id)
    service.remove_item(chair, item, "Attendance back to 96%: no need to discuss")
    assert service.build_agenda(chair, meeting) == []
    assert len(agenda(meeting)) == 3


def test_add_and_remove_need_a_reason_each_time(world, meeting):
    chair = world.user("panel_chair")
    first, second, third = make_case(world), make_case(world), make_case(world)
    for blank in ("", "   "):
        with pytest.raises(Refused) as err:
            service.add_item(chair, meeting, first, blank)
        assert list(err.value.problems)[0] == "reason"
    items = [service.add_item(chair, meeting, case, f"Requested by the EWO ({n})")
             for n, case in enumerate((first, second, third), start=1)]
    with pytest.raises(Refused, match="already on the agenda"):
        service.add_item(chair, meeting, second, "Again")
    closed = make_case(world, status="closed")
    with pytest.raises(Refused, match="No case with that number can be added"):  # the chair cannot see it
        service.add_item(chair, meeting, closed, "Closed case")
    with pytest.raises(Refused, match="closed"):  # an LA admin can
        service.add_item(world.user("la_admin"), meeting, closed, "Closed case")

    with pytest.raises(Refused) as err:
        service.remove_item(chair, items[1], " ")
    assert list(err.value.problems)[0] == "reason"
    service.remove_item(chair, items[1], "Family moved out of the borough")

    db.session.expire_all()
    removed = db.session.get(AgendaItem, items[1].id)
    assert removed.removed_at is not None and removed.removed_by_id == chair.id
    assert removed.removed_reason == "Family moved out of the borough"
    assert removed.reason_added == "Requested by the EWO (2)"
    assert agenda(meeting) == [(1, first.id), (2, third.id)]  # contiguous again
    with pytest.raises(Refused, match="already removed"):
        service.remove_item(chair, removed, "Twice")

    # Added back later: a new item at the end, the removal kept on record.
    back = service.add_item(chair, meeting, second, "The family is back in the borough")
    assert agenda(meeting) == [(1, first.id), (2, third.id), (3, second.id)]
    assert back.id != removed.id
    loaded = db.session.get(PanelMeeting, meeting.id)
    assert [i.case_id for i in loaded.active_items] == [first.id, third.id, second.id]
    assert len(loaded.items) == 4  # the removed item stays on record
    assert audits("agenda_item_added") == 4 and audits("agenda_item_removed") == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "agenda_item_removed")).one()
    assert "Family moved out of the borough" in event.summary


def test_only_the_chair_or_an_la_admin_changes_the_agenda(world, meeting):
    case = make_case(world)
    for key in ("ewo", "early_help"):
        with pytest.raises(Refused, match="chair or an LA administrator"):
            service.add_item(world.user(key), meeting, case, "Because")
    other_chair = make_user("panel_chair", world.service)
    with pytest.raises(Refused, match="chair or an LA administrator"):
        service.add_item(other_chair, meeting, case, "Because")
    service.add_item(world.user("la_admin"), meeting, case, "Because")
    assert len(agenda(meeting)) == 1


def test_order_and_expected_times(world, meeting, day):
    chair = world.user("panel_chair")
    a, b, c = make_case(world), make_case(world), make_case(world)
    ia = service.add_item(chair, meeting, a, "Listed")
    ib = service.add_item(chair, meeting, b, "Listed", slot_minutes=20)
    ic = service.add_item(chair, meeting, c, "Listed", slot_minutes=10)

    service.move_item(chair, ic, "up")
    assert agenda(meeting) == [(1, a.id), (2, c.id), (3, b.id)]
    service.move_item(chair, ic, "up")
    assert agenda(meeting) == [(1, c.id), (2, a.id), (3, b.id)]
    service.move_item(chair, ia, "down")
    assert agenda(meeting) == [(1, c.id), (2, b.id), (3, a.id)]
    with pytest.raises(Refused, match="already first"):
        service.move_item(chair, ic, "up")
    with pytest.raises(Refused, match="already last"):
        service.move_item(chair, ia, "down")
    service.set_slot(chair, ia, 25)
    with pytest.raises(Refused):
        service.set_slot(chair, ia, 0)
    assert audits("agenda_item_moved") == 3 and audits("agenda_item_slot_changed") == 1

    start = at_ten(day)
    times = [(item.case_id, s, e) for item, s, e in service.expected_times(meeting)]
    assert times == [
        (c.id, start, start + timedelta(minutes=10)),
        (b.id, start + timedelta(minutes=10), start + timedelta(minutes=30)),
        (a.id, start + timedelta(minutes=30), start + timedelta(minutes=55)),
    ]
    # A removed item gives its time back.
    service.remove_item(chair, ib, "Deferred to next month")
    assert [(i.case_id, s) for i, s, _ in service.expected_times(meeting)] == [
        (c.id, start), (a.id, start + timedelta(minutes=10))]


def test_every_agenda_change_moves_the_meeting_version(world, meeting):
    chair = world.user("panel_chair")
    version = meeting.version
    item = service.add_item(chair, meeting, make_case(world), "Listed", meeting.version)
    assert meeting.version == version + 1
    with pytest.raises(Conflict) as err:
        service.add_item(chair, meeting, make_case(world), "Listed", version)
    assert err.value.current.id == meeting.id
    service.remove_item(chair, item, "Not needed", meeting.version)
    assert meeting.version == version + 2


def test_two_chairs_reordering_at_once_one_gets_a_conflict(world, meeting):
    chair = world.user("panel_chair")
    a, b, c = (service.add_item(chair, meeting, make_case(world), "Listed") for _ in range(3))
    ids, cases = [a.id, b.id, c.id], [a.case_id, b.case_id, c.case_id]
    admin_id, version = world.user("la_admin").id, meeting.version
    db.session.commit()  # no open transaction in the first session (SQLite writers begin IMMEDIATE)

    other = Session(db.engine, expire_on_commit=False)
    try:
        theirs = other.get(AgendaItem, ids[2])  # the admin's page shows the agenda as it is now
        other_admin = other.get(User, admin_id)
        assert theirs.meeting.version == version
        other.commit()

        service.move_item(chair, db.session.get(AgendaItem, ids[0]), "down")  # the chair gets there first
        db.session.commit()  # the chair's request ends
        with session_in_use(other):
            with pytest.raises(Conflict) as err:
                service.move_item(other_admin, theirs, "up")
        current = err.value.current.version  # the newer meeting, to show the admin
        other.commit()
    finally:
        other.close()
    assert current == version + 1 == db.session.get(PanelMeeting, meeting.id).version
    assert [case for _, case in agenda(meeting)] == [cases[1], cases[0], cases[2]]
    assert audits("agenda_item_moved") == 1


def test_a_held_meeting_agenda_is_fixed(world, meeting):
    chair = world.user("panel_chair")
    [item] = published(world, meeting, make_case(world))
    with pytest.raises(Refused, match="not started"):
        service.mark_held(chair, meeting)
    service.mark_held(chair, meeting, now=as_utc(meeting.held_at) + timedelta(hours=2))
    with pytest.raises(Refused, match="held"):
        service.add_item(chair, meeting, make_case(world), "Late")
    with pytest.raises(Refused, match="held"):
        service.remove_item(chair, item, "Late")


# ----- publication, members and the access window --------------------------------------------------

def test_publish_needs_an_agenda_and_tells_the_members(world, meeting):
    chair = world.user("panel_chair")
    service.invite_user(chair, meeting, world.user("social_care"))
    service.invite_agency(chair, meeting, world.early_help_org)
    extra_eh = make_user("early_help", world.early_help_org)
    db.session.commit()
    with pytest.raises(Refused, match="at least one case"):
        service.publish(chair, meeting)
    service.add_item(chair, meeting, make_case(world), "Listed")
    service.publish(chair, meeting)
    assert meeting.status == "published" and meeting.published_at is not None
    for user in (world.user("social_care"), world.user("early_help"), extra_eh):
        texts = [n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]
        assert any("is published" in t for t in texts), user
    assert count(Notification, Notification.user_id == world.user("police").id) == 0
    with pytest.raises(Refused, match="already published"):
        service.publish(chair, meeting)


def test_invitations(world, meeting):
    chair = world.user("panel_chair")
    member = service.invite_user(chair, meeting, world.user("police"))
    assert member.organisation_id == world.police_org.id
    with pytest.raises(Refused, match="already invited"):
        service.invite_user(chair, meeting, world.user("police"))
    service.invite_agency(chair, meeting, world.early_help_org)
    with pytest.raises(Refused, match="already invited"):
        service.invite_agency(chair, meeting, world.early_help_org)
    assert access.meeting_membership(world.user("early_help"), meeting).user_id is None
    assert access.meeting_membership(world.user("social_care"), meeting) is None
    service.remove_member(chair, member)
    assert access.meeting_membership(world.user("police"), meeting) is None
    assert audits("panel_member_invited") == 1 and audits("panel_agency_invited") == 1
    assert audits("panel_member_removed") == 1


def test_members_see_the_agenda_from_publication_until_the_window_closes(world, meeting):
    chair, admin = world.user("panel_chair"), world.user("la_admin")
    member, by_agency, outsider = world.user("social_care"), world.user("early_help"), world.user("police")
    service.invite_user(chair, meeting, member)
    service.invite_agency(chair, meeting, world.early_help_org)
    service.add_item(chair, meeting, make_case(world), "Listed")
    now = utcnow()

    for user in (member, by_agency, outsider):  # before publication
        assert not access.meeting_open_to(user, meeting, now)
        assert service.agenda_for(user, meeting, now) == []
    assert access.meeting_open_to(chair, meeting, now) and access.meeting_open_to(admin, meeting, now)
    assert len(service.agenda_for(chair, meeting, now)) == 1

    service.publish(chair, meeting)
    published_at, held_at = as_utc(meeting.published_at), as_utc(meeting.held_at)
    assert not access.meeting_open_to(member, meeting, published_at - timedelta(seconds=1))
    for user in (member, by_agency):
        assert access.meeting_open_to(user, meeting, published_at)
        assert access.meeting_open_to(user, meeting, held_at + timedelta(days=7) - timedelta(minutes=1))
        assert not access.meeting_open_to(user, meeting, held_at + timedelta(days=7, minutes=1))
        assert service.agenda_for(user, meeting, held_at + timedelta(days=8)) == []
    assert len(service.agenda_for(member, meeting, held_at)) == 1
    assert not access.meeting_open_to(outsider, meeting, held_at)
    for user in (chair, admin):  # always
        assert access.meeting_open_to(user, meeting, held_at + timedelta(days=400))

    current_app.config["PANEL_ACCESS_DAYS"] = 2
    try:
        assert not access.meeting_open_to(member, meeting, held_at + timedelta(days=3))
    finally:
        del current_app.config["PANEL_ACCESS_DAYS"]
    assert access.meeting_open_to(member, meeting, held_at + timedelta(days=3))


def test_meetings_for(world, meeting, day):
    chair = world.user("panel_chair")
    other = service.schedule_meeting(world.user("la_admin"), at_ten(day + timedelta(days=7)), place="Room 3",
                                     chair=make_user("panel_chair", world.service))
    service.invite_user(chair, meeting, world.user("social_care"))

    def listed(user):
        return {m.id for m in db.session.scalars(access.invited_meetings(user))}

    assert listed(world.user("la_admin")) == {meeting.id, other.id}
    assert listed(chair) == {meeting.id}
    assert listed(world.user("social_care")) == set()  # not published yet
    published(world, meeting, make_case(world))
    assert listed(world.user("social_care")) == {meeting.id}
    assert listed(world.user("police")) == set()


# ----- confidentiality and packs ---------------------------------------------------------------------

def test_members_confirm_confidentiality_once_before_seeing_packs(world, meeting):
    chair, member = world.user("panel_chair"), world.user("social_care")
    service.invite_user(chair, meeting, member)
    [item] = published(world, meeting, make_case(world))

    assert service.needs_confidentiality(member, meeting)
    with pytest.raises(service.NeedsConfidentiality):
        service.open_pack(member, item)
    assert audits("panel_pack_viewed") == 0

    service.confirm_confidentiality(member, meeting)
    service.confirm_confidentiality(member, meeting)  # once per meeting: the second changes nothing
    assert audits("panel_confidentiality_confirmed") == 1
    assert not service.needs_confidentiality(member, meeting)

    assert service.open_pack(member, item) == "summary"  # not shared with social care
    assert service.open_pack(member, item) == "summary"
    # (the page that shows the pack audits every view: tests/panels/test_views.py)

    # Another meeting asks again.
    later = schedule(world, service.meeting_date(meeting) + timedelta(days=28))
    service.invite_user(chair, later, member)
    [later_item] = published(world, later, make_case(world))
    with pytest.raises(service.NeedsConfidentiality):
        service.open_pack(member, later_item)


def test_someone_invited_through_their_agency_confirms_for_themselves(world, meeting):
    chair = world.user("panel_chair")
    service.invite_agency(chair, meeting, world.early_help_org)
    colleague = make_user("early_help", world.early_help_org)
    db.session.commit()
    [item] = published(world, meeting, make_case(world))
    row = service.confirm_confidentiality(world.user("early_help"), meeting)
    assert row.user_id == world.user("early_help").id and row.organisation_id == world.early_help_org.id
    assert service.open_pack(world.user("early_help"), item) == "summary"
    with pytest.raises(service.NeedsConfidentiality):
        service.open_pack(colleague, item)


def test_packs_outside_the_window_or_the_agenda_are_not_visible(world, meeting):
    chair, member = world.user("panel_chair"), world.user("social_care")
    service.invite_user(chair, meeting, member)
    with pytest.raises(service.NotVisible):
        service.confirm_confidentiality(member, meeting)  # not published yet
    first, second = published(world, meeting, make_case(world), make_case(world))
    service.confirm_confidentiality(member, meeting)
    service.remove_item(chair, second, "Deferred")
    with pytest.raises(service.NotVisible):
        service.open_pack(member, second)
    with pytest.raises(service.NotVisible):
        service.open_pack(member, first, as_utc(meeting.held_at) + timedelta(days=8))
    with pytest.raises(service.NotVisible):
        service.open_pack(world.user("police"), first)
    assert audits("panel_pack_viewed") == 0
    # The chair and LA admins: always, no confirmation asked.
    assert service.open_pack(chair, second, as_utc(meeting.held_at) + timedelta(days=400)) == "full"
    assert service.open_pack(world.user("la_admin"), first) == "full"


def test_a_case_otherwise_shared_with_the_members_agency_shows_in_full(world, meeting):
    chair = world.user("panel_chair")
    case = make_case(world)
    share(world, case, world.early_help_org)
    share(world, case, world.police_org)
    for key in ("early_help", "police", "social_care", "school_staff", "school_staff_b"):
        service.invite_user(chair, meeting, world.user(key))
    [item] = published(world, meeting, case)
    expected = {"early_help": "full", "police": "police", "social_care": "summary", "school_staff": "full",
                "school_staff_b": "summary"}
    for key, level in expected.items():
        service.confirm_confidentiality(world.user(key), meeting)
        assert service.open_pack(world.user(key), item) == level, key


def test_the_pack_level_is_an_access_rule(world, meeting):
    """`access.pack_level`: the chair side runs the meeting (full); members see the case as they
    see it elsewhere (full, or the police's restricted view); members without a share of the
    case the minimum summary."""
    case, other = make_case(world), make_case(world)
    share(world, case, world.police_org)
    share(world, case, world.social_care_org)
    expected = {
        "panel_chair": ("full", "full"), "la_admin": ("full", "full"),
        "school_staff": ("full", "full"), "ewo": ("full", "full"),
        "social_care": ("full", "summary"), "police": ("police", "summary"),
        "early_help": ("summary", "summary"), "school_staff_b": ("summary", "summary"),
    }
    for key, levels in expected.items():
        assert (access.pack_level(world.user(key), meeting, case),
                access.pack_level(world.user(key), meeting, other)) == levels, key
    assert access.PACK_LEVELS["summary"] == ()
    for part in ("attendance", "rationale"):
        assert access.pack_shows("full", part) and not access.pack_shows("police", part)
    assert access.pack_shows("police", "actions") and not access.pack_shows("summary", "actions")


# ----- attendance ----------------------------------------------------------------------------------

def test_attendance_and_apologies(world, meeting):
    chair = world.user("panel_chair")
    sc = service.invite_user(chair, meeting, world.user("social_care"))
    police = service.invite_user(chair, meeting, world.user("police"))
    eh = service.invite_agency(chair, meeting, world.early_help_org)
    with pytest.raises(Refused, match="Publish"):
        service.record_attendance(chair, meeting, {sc.id: "present"})
    published(world, meeting, make_case(world))
    service.record_attendance(chair, meeting, {sc.id: "present", police.id: "apologies", eh.id: "absent"})
    db.session.expire_all()
    rows = {m.id: (m.present, m.apologies) for m in db.session.scalars(select(PanelMember))}
    assert rows == {sc.id: (True, False), police.id: (False, True), eh.id: (False, False)}
    with pytest.raises(Refused):
        service.record_attendance(chair, meeting, {sc.id: "late"})
    with pytest.raises(Refused):
        service.record_attendance(chair, meeting, {999999: "present"})
    with pytest.raises(Refused, match="chair or an LA administrator"):
        service.record_attendance(world.user("ewo"), meeting, {sc.id: "present"})
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "panel_attendance_recorded")).one()
    assert len(event.changes) == 3


# ----- decisions -------------------------------------------------------------------------------------

def test_the_decisions_offered():
    keys = [k for k, _ in DECISIONS]
    assert len(keys) == len(set(keys)) == 9
    assert keys[0] == "continue_support" and keys[-1] == "close"


@pytest.fixture
def heard(world, meeting, day, time_machine):
    """A case shared with early help, on a published agenda."""
    case = make_case(world, position=6, review=day - timedelta(days=1))
    share(world, case, world.early_help_org)
    [item] = published(world, meeting, case)
    begin(time_machine, meeting)
    return item


def snapshot_of(case: Case) -> dict:
    db.session.expire_all()
    return {
        "decisions": count(PanelDecision),
        "entries": count(ChronologyEntry, ChronologyEntry.case_id == case.id),
        "actions": count(Action),
        "audit": count(AuditEvent),
        "notifications": count(Notification),
        "next_review": db.session.get(Case, case.id).next_review,
        "case_version": db.session.get(Case, case.id).version,
    }


def test_a_decision_lands_on_the_case(world, heard, day):
    chair, ewo, eh = world.user("panel_chair"), world.user("ewo"), world.user("early_help")
    case = heard.case
    review = day + timedelta(weeks=6)
    decision = service.record_decision(chair, heard, "early_help", "  Barriers at home; family agrees  ", review, [
        {"description": "Home visit with the family", "owner_user": ewo, "due": day + timedelta(days=7)},
        {"description": "Offer a family support worker", "owner_org": world.early_help_org,
         "due": day + timedelta(days=14)},
    ])

    db.session.expire_all()
    record = db.session.get(PanelDecision, decision.id)
    assert (record.decision, record.rationale, record.next_review) == ("early_help",
                                                                       "Barriers at home; family agrees", review)
    assert record.agenda_item_id == heard.id and record.case_id == case.id and record.decided_by_id == chair.id
    case = db.session.get(Case, case.id)
    assert case.next_review == review
    actions = db.session.scalars(select(Action).where(Action.case_id == case.id).order_by(Action.id)).all()
    assert [(a.description, a.owner_user_id, a.owner_org_id, a.panel_decision_id) for a in actions] == [
        ("Home visit with the family", ewo.id, None, record.id),
        ("Offer a family support worker", None, world.early_help_org.id, record.id),
    ]
    assert [a.id for a in record.actions] == [a.id for a in actions]
    [entry] = entries(case, "decision")
    assert "Refer to early help" in entry.text and "Barriers at home" in entry.text
    assert review.strftime("%-d %b %Y") in entry.text
    assert not entry.police_shareable  # panel minutes are confidential
    assert len(entries(case, "action")) == 2
    assert audits("panel_decision_recorded") == 1 and audits("action_added") == 2 and audits("case_review_set") == 1
    texts = {u: [n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == u.id))]
             for u in (ewo, eh)}
    assert any("gave you an action" in t for t in texts[ewo])
    assert any("decision on your case" in t for t in texts[ewo])  # the lead
    assert any("gave your agency an action" in t for t in texts[eh])


def test_a_failing_action_insert_leaves_no_decision(world, heard, day):
    """The second action's owner is a user row that does not exist (deleted meanwhile): the
    database refuses the INSERT (foreign key) after the decision, the chronology, the first
    action and the new review were already flushed. Nothing of it may remain."""
    chair = world.user("panel_chair")
    case = heard.case
    before = snapshot_of(case)
    gone = User(id=987654, name="Left the LA", email="gone@test.example", role="ewo",
                organisation_id=world.school_a.id)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()[:3]))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with pytest.raises(IntegrityError) as err:
            service.record_decision(chair, db.session.get(AgendaItem, heard.id), "continue_support", "Improving",
                                    day + timedelta(weeks=6), [
                                        {"description": "Weekly check-in", "owner_user": world.user("ewo"),
                                         "due": day + timedelta(days=7)},
                                        {"description": "Mentoring", "owner_user": gone,
                                         "due": day + timedelta(days=7)},
                                    ])
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert err.value.statement.split()[:3] == ["INSERT", "INTO", "actions"]
    # What was really written in the transaction before the failing INSERT:
    written = statements[:statements.index("INSERT INTO actions")]
    for done in ("INSERT INTO panel_decisions", "INSERT INTO chronology_entries", "UPDATE cases SET",
                 "INSERT INTO audit_events"):
        assert done in written, done
    assert statements.count("INSERT INTO actions") == 2  # the first action, then the one that failed
    assert snapshot_of(case) == before
    assert before["decisions"] == 0 and before["actions"] == 0
    assert entries(case, "decision") == [] and audits("panel_decision_recorded") == 0

    # The session is clean: the corrected decision goes through.
    service.record_decision(chair, db.session.get(AgendaItem, heard.id), "continue_support", "Improving",
                            day + timedelta(weeks=6), [{"description": "Weekly check-in",
                                                        "owner_user": world.user("ewo"),
                                                        "due": day + timedelta(days=7)}])
    assert count(PanelDecision) == 1 and count(Action) == 1


def test_a_refused_action_owner_or_a_missing_due_date_writes_nothing(world, heard, day):
    chair = world.user("panel_chair")
    case = heard.case
    before = snapshot_of(case)
    with pytest.raises(Refused) as err:
        service.record_decision(chair, heard, "continue_support", "Improving", day + timedelta(weeks=6), [
            {"description": "Weekly check-in", "owner_user": world.user("ewo"), "due": day + timedelta(days=7)},
            {"description": "Patrol the park", "owner_org": world.police_org, "due": day + timedelta(days=7)},
            {"description": "Ring the family", "owner_user": world.user("school_staff"), "due": None},
            {"description": " ", "owner_user": world.user("ewo"), "owner_org": world.school_a,
             "due": day - timedelta(days=1)},
        ])
    assert list(err.value.problems) == ["actions-1-owner", "actions-2-due", "actions-3-description",
                                                  "actions-3-owner", "actions-3-due"]
    assert "Share the case" in err.value.message
    db.session.rollback()
    assert snapshot_of(case) == before


@pytest.mark.parametrize("decision, rationale, review_days, field", [
    ("continue_support", "   ", 42, "rationale"),
    ("", "Because", 42, "decision"),
    ("adjourn", "Because", 42, "decision"),
    ("continue_support", "Because", None, "next_review"),
    ("continue_support", "Because", 0, "next_review"),
    ("prosecution_consideration", "No engagement", 42, "decision"),  # no support offered logged
])
def test_a_decision_needs_its_parts(world, heard, day, decision, rationale, review_days, field):
    review = None if review_days is None else day + timedelta(days=review_days)
    with pytest.raises(Refused) as err:
        service.record_decision(world.user("panel_chair"), heard, decision, rationale, review)
    assert list(err.value.problems) == [field]
    db.session.rollback()
    assert count(PanelDecision) == 0


@pytest.mark.parametrize("decision", ["formal_support", "eso_application"])
def test_formal_decisions_need_a_support_plan_not_a_one_line_offer(world, heard, day, decision):
    case = heard.case
    chair = world.user("panel_chair")
    db.session.add(ChronologyEntry(case_id=case.id, kind="support_offered", occurred_at=utcnow(),
                                   author_id=world.user("ewo").id, text="x"))
    db.session.commit()
    with pytest.raises(Refused) as err:
        service.record_decision(chair, heard, decision, "Attendance contract agreed", day + timedelta(weeks=6))
    assert "support plan" in err.value.problems["decision"]
    db.session.rollback()
    assert count(PanelDecision) == 0
    db.session.add(ChronologyEntry(case_id=case.id, kind="support_plan", occurred_at=utcnow(),
                                   author_id=world.user("ewo").id, text="Agreed with the family",
                                   support_name="Weekly mentoring and a bus pass", review_on=day))
    db.session.commit()
    service.record_decision(chair, db.session.get(type(heard), heard.id), decision, "Attendance contract agreed",
                            day + timedelta(weeks=6))
    assert count(PanelDecision) == 1


def test_a_recorded_support_not_appropriate_allows_a_formal_decision(world, heard, day):
    db.session.add(ChronologyEntry(case_id=heard.case.id, kind="support_not_appropriate", occurred_at=utcnow(),
                                   author_id=world.user("ewo").id, not_appropriate_reason="term_time_holiday",
                                   text="Two weeks abroad in term time; the request was refused in writing."))
    db.session.commit()
    service.record_decision(world.user("panel_chair"), heard, "prosecution_consideration", "Holiday taken",
                            day + timedelta(weeks=6))
    assert count(PanelDecision) == 1


def test_close_needs_no_review_date(world, heard):
    review_before = heard.case.next_review
    service.record_decision(world.user("panel_chair"), heard, "close", "Attendance at 97% for a term", None)
    db.session.expire_all()
    assert db.session.get(Case, heard.case_id).next_review == review_before


def test_illegal_decisions_are_refused(world, meeting, day, time_machine):
    chair = world.user("panel_chair")
    case, other = make_case(world), make_case(world)
    item = service.add_item(chair, meeting, case, "Listed")
    with pytest.raises(Refused, match="Publish the agenda"):
        service.record_decision(chair, item, "continue_support", "Because", day + timedelta(weeks=6))
    removed = service.add_item(chair, meeting, other, "Listed")
    service.remove_item(chair, removed, "Deferred")
    service.publish(chair, meeting)
    with pytest.raises(Refused, match="once the meeting has started"):
        service.record_decision(chair, item, "continue_support", "Because", day + timedelta(weeks=6))
    begin(time_machine, meeting)
    with pytest.raises(Refused, match="removed from the agenda"):
        service.record_decision(chair, removed, "continue_support", "Because", day + timedelta(weeks=6))
    for key in ("ewo", "early_help"):
        with pytest.raises(Refused, match="chair or an LA administrator"):
            service.record_decision(world.user(key), item, "continue_support", "Because", day + timedelta(weeks=6))
    service.record_decision(world.user("la_admin"), item, "continue_support", "Because", day + timedelta(weeks=6))
    db.session.commit()  # the admin's request ends
    with pytest.raises(Refused, match="already recorded"):
        service.record_decision(chair, item, "continue_support", "Again", day + timedelta(weeks=6))
    with pytest.raises(Refused, match="decided on this case"):
        service.remove_item(chair, item, "Too late")
    assert count(PanelDecision) == 1


def test_a_decision_on_a_closed_case_is_refused(world, heard, day):
    case = heard.case
    case.status = "closed"
    db.session.commit()
    with pytest.raises(Refused, match="closed"):
        service.record_decision(world.user("panel_chair"), heard, "continue_support", "x", day + timedelta(weeks=6))


def test_a_decision_recorded_meanwhile_in_another_session_is_a_conflict(world, heard, day):
    """Two people record the decision on one item at once: the unique item refuses the second
    INSERT, which comes back as a Conflict showing the decision that won."""
    item_id, case_id = heard.id, heard.case_id
    chair_id, admin_id = world.user("panel_chair").id, world.user("la_admin").id
    db.session.commit()

    other = Session(db.engine, expire_on_commit=False)
    try:
        theirs = other.get(AgendaItem, item_id)
        assert theirs.decision is None and theirs.meeting.status == "published"  # loaded before ours
        assert theirs.case.lead is not None and theirs.case.pupil is not None and theirs.case.shares
        other_admin = other.get(User, admin_id)
        other.commit()

        service.record_decision(db.session.get(User, chair_id), db.session.get(AgendaItem, item_id),
                                "continue_support", "Ours", day + timedelta(weeks=6))
        db.session.commit()  # our request ends
        with session_in_use(other):
            with pytest.raises(Conflict) as err:
                service.record_decision(other_admin, theirs, "early_help", "Theirs", day + timedelta(weeks=5))
            assert err.value.current.rationale == "Ours"
        other.commit()
    finally:
        other.close()
    db.session.expire_all()
    assert count(PanelDecision) == 1 and count(Action) == 0
    assert db.session.get(Case, case_id).next_review == day + timedelta(weeks=6)
    assert audits("panel_decision_recorded") == 1


def test_agency_of_another_kind_is_still_a_valid_agency_owner_when_shared(world, heard, day):
    health = make_org(OrgKind.health, "Community Paediatrics")
    share(world, heard.case, health)
    service.record_decision(world.user("panel_chair"), heard, "continue_support", "Health input needed",
                            day + timedelta(weeks=6), [{"description": "Nurse review", "owner_org": health,
                                                        "due": day + timedelta(days=10)}])
    assert db.session.scalar(select(Action.owner_org_id)) == health.id
