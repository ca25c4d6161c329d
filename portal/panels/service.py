"""Panel use cases: meetings, members and attendance, and who may see the agenda and packs.

Each change lands with its audit entries in the caller's transaction (`portal.transaction`).
The agenda (`portal.panels.agenda`) and the decisions (`portal.panels.decisions`) have their
own modules; their use cases are re-exported here, so `service` is the one entry point for the views."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import bindparam, select

from portal import access, audit
from portal.cases.models import Case
from portal.concurrency import check_version
from portal.errors import Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import Organisation, User
from portal.panels.agenda import (  # noqa: F401
    add_item,
    build_agenda,
    due_cases,
    expected_times,
    move_item,
    remove_item,
    search_cases,
    set_slot,
    why_none_due,
)
from portal.panels.decisions import record_decision  # noqa: F401
from portal.panels.models import AgendaItem, MeetingStatus, PanelMeeting, PanelMember
from portal.panels.rules import (  # noqa: F401
    NeedsConfidentiality,
    NotVisible,
    active_items,
    day_label,
    meeting_date,
    meeting_link,
    meeting_write,
    require_manager,
    require_not_held,
)
from portal.statements import built_once
from portal.timeutil import as_utc, utcnow

# ----- meetings --------------------------------------------------------------------------------

def _check_details(held_at: datetime, place: str, online_link: str, *, moved: bool = True) -> None:
    problems = []
    if held_at is None or held_at.tzinfo is None:
        problems.append(("held_at", "Enter the date and time of the meeting"))
    elif moved and held_at <= utcnow():
        problems.append(("held_at", "The meeting must be in the future"))
    if not place.strip() and not online_link.strip():
        problems.append(("place", "Enter a place or an online meeting link"))
    if len(place) > 200:
        problems.append(("place", "The place must be 200 characters or fewer"))
    if online_link.strip() and (not online_link.strip().startswith("https://") or len(online_link) > 500
                                or any(c.isspace() for c in online_link.strip())):
        problems.append(("online_link", "Enter the link as a web address starting with https://"))
    if problems:
        raise Refused(problems=problems)


def schedule_meeting(actor: User, held_at: datetime, *, place: str = "", online_link: str = "",
                     chair: User | None = None, notes: str = "") -> PanelMeeting:
    if not access.can(actor, "run_panels"):
        raise Refused("Only a panel chair or an LA administrator can schedule a panel meeting.")
    chair = chair or actor
    if not access.can(chair, "run_panels") or not chair.active:
        raise Refused("The chair must be an active panel chair or LA administrator.", {"chair_id": "Select a chair"})
    _check_details(held_at, place, online_link)
    held_at = held_at.astimezone(timezone.utc)  # stored in UTC (SQLite keeps no offset)
    meeting = PanelMeeting(held_at=held_at, place=place.strip(), online_link=online_link.strip(),
                           chair_id=chair.id, notes=notes, status=MeetingStatus.scheduled)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "panel_meeting_scheduled", meeting,
                 changes={"held_at": {"from": None, "to": held_at.isoformat()},
                          "chair_id": {"from": None, "to": chair.id}})
    if chair.id != actor.id:
        notify.notify_users([chair], f"You are chairing the attendance panel on {day_label(meeting_date(meeting))}",
                            meeting_link(meeting))
    db.session.flush()
    return meeting


def _details(meeting: PanelMeeting) -> dict:
    return {"held_at": as_utc(meeting.held_at).isoformat(), "place": meeting.place,
            "online_link": meeting.online_link, "notes": meeting.notes}


@meeting_write
def update_meeting(actor: User, meeting: PanelMeeting, expected_version: int | None, *, held_at: datetime,
                   place: str, online_link: str, notes: str) -> None:
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    require_not_held(meeting)
    _check_details(held_at, place, online_link,
                   moved=held_at is None or held_at.tzinfo is None or held_at != as_utc(meeting.held_at))
    before = _details(meeting)
    held_at = held_at.astimezone(timezone.utc)  # stored in UTC (SQLite keeps no offset)
    meeting.held_at, meeting.place, meeting.online_link, meeting.notes = (held_at, place.strip(),
                                                                          online_link.strip(), notes)
    changes = audit.diff(before, _details(meeting))
    if not changes:
        db.session.rollback()  # nothing changed: no new version, no audit entry
        return
    audit.record(actor, "panel_meeting_updated", meeting, changes={k: v for k, v in changes.items() if k != "notes"},
                 summary="notes changed" if "notes" in changes else "")
    if "held_at" in changes and meeting.status == MeetingStatus.published:
        _notify_members(meeting, f"The attendance panel has moved to {day_label(meeting_date(meeting))}")
    db.session.flush()


@meeting_write
def publish(actor: User, meeting: PanelMeeting, expected_version: int | None = None) -> None:
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    if meeting.status != MeetingStatus.scheduled:
        raise Refused("The agenda is already published.")
    if not active_items(meeting):
        raise Refused("Add at least one case to the agenda before publishing it.")
    meeting.status = MeetingStatus.published
    meeting.published_at = utcnow()
    audit.record(actor, "panel_agenda_published", meeting, changes={"status": {"from": MeetingStatus.scheduled,
                                                                                   "to": MeetingStatus.published}})
    _notify_members(meeting, f"The agenda for the attendance panel on {day_label(meeting_date(meeting))} is published")
    db.session.flush()


@meeting_write
def mark_held(actor: User, meeting: PanelMeeting, expected_version: int | None = None,
              now: datetime | None = None) -> None:
    check_version(meeting, expected_version)
    require_manager(actor, meeting)
    if meeting.status != MeetingStatus.published:
        raise Refused("Only a meeting with a published agenda can be marked as held.")
    if as_utc(meeting.held_at) > (now or utcnow()):
        raise Refused("The meeting has not started yet.")
    meeting.status = MeetingStatus.held
    audit.record(actor, "panel_meeting_held", meeting, changes={"status": {"from": MeetingStatus.published,
                                                                              "to": MeetingStatus.held}})
    db.session.flush()


# ----- members ---------------------------------------------------------------------------------

def _notify_members(meeting: PanelMeeting, text: str) -> None:
    for member in db.session.scalars(select(PanelMember).where(PanelMember.meeting_id == meeting.id)):
        if member.user_id is not None:
            notify.notify_users([member.user], text, meeting_link(meeting))
        else:
            notify.notify_org(member.organisation_id, text, meeting_link(meeting))


def invite_user(actor: User, meeting: PanelMeeting, user: User) -> PanelMember:
    require_manager(actor, meeting)
    require_not_held(meeting)
    if not user.active:
        raise Refused("Only an active user can be invited.", {"user_id": "Select an active user"})
    if _personal_row(user, meeting) is not None:
        raise Refused(f"{user.name} is already invited.", {"user_id": "Already invited"})
    member = PanelMember(meeting_id=meeting.id, user_id=user.id, organisation_id=user.organisation_id)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "panel_member_invited", meeting, changes={"member": {"from": None, "to": user.id}},
                 summary=f"{user.name} ({user.organisation.name})")
    notify.notify_users([user], f"You are invited to the attendance panel on {day_label(meeting_date(meeting))}",
                        meeting_link(meeting))
    db.session.flush()
    return member


def invite_agency(actor: User, meeting: PanelMeeting, org: Organisation) -> PanelMember:
    """Invite an agency as a whole: any of its active users may attend and see the agenda."""
    require_manager(actor, meeting)
    require_not_held(meeting)
    if not org.active:
        raise Refused("Only an active organisation can be invited.", {"organisation_id": "Select an organisation"})
    if _agency_row(org.id, meeting) is not None:
        raise Refused(f"{org.name} is already invited.", {"organisation_id": "Already invited"})
    member = PanelMember(meeting_id=meeting.id, user_id=None, organisation_id=org.id)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "panel_agency_invited", meeting, changes={"agency": {"from": None, "to": org.id}},
                 summary=org.name)
    notify.notify_org(org.id, f"Your organisation is invited to the attendance panel on "
                              f"{day_label(meeting_date(meeting))}", meeting_link(meeting))
    db.session.flush()
    return member


def remove_member(actor: User, member: PanelMember) -> None:
    """Withdraw an invitation that has not been used (no confidentiality confirmation, no
    attendance recorded): a used one is part of the meeting's record."""
    meeting = member.meeting
    require_manager(actor, meeting)
    require_not_held(meeting)
    if member.confidentiality_confirmed_at is not None or member.present is not None or member.apologies:
        raise Refused("This member has already confirmed confidentiality or has attendance recorded.")
    audit.record(actor, "panel_member_removed", meeting, summary=member.label)
    db.session.delete(member)
    db.session.flush()


def _personal_row(user: User, meeting: PanelMeeting) -> PanelMember | None:
    return access.personal_invitation(user, meeting)


def _agency_row(org_id: int, meeting: PanelMeeting) -> PanelMember | None:
    return access.agency_invitation(org_id, meeting)


def record_attendance(actor: User, meeting: PanelMeeting, marks: dict[int, str]) -> None:
    """marks: member id -> "present" | "apologies" | "absent" (members not named are unchanged)."""
    require_manager(actor, meeting)
    if meeting.status == MeetingStatus.scheduled:
        raise Refused("Publish the agenda before recording attendance.")
    members = {m.id: m for m in db.session.scalars(select(PanelMember).where(PanelMember.meeting_id == meeting.id))}
    values = {"present": (True, False), "apologies": (False, True), "absent": (False, False)}
    if any(mid not in members for mid in marks) or any(v not in values for v in marks.values()):
        raise Refused("Record each member as present, apologies or absent.")
    changes = {}
    for mid, mark in marks.items():
        member = members[mid]
        before = ("not recorded" if member.present is None and not member.apologies
                  else "present" if member.present else "apologies" if member.apologies else "absent")
        member.present, member.apologies = values[mark]
        if before != mark:
            changes[member.label] = {"from": before, "to": mark}
    if changes:
        audit.record(actor, "panel_attendance_recorded", meeting, changes=changes)
    db.session.flush()


PERSON_MARKS = {"present": (True, False), "apologies": (False, True)}


def add_attendee(actor: User, meeting: PanelMeeting, name: str, organisation: Organisation | None,
                 mark: str) -> PanelMember:
    """The chair records a person who attended (or sent apologies) for an agency, by name: someone
    without an account or a personal invitation (a health visitor, a colleague standing in)."""
    require_manager(actor, meeting)
    if meeting.status == MeetingStatus.scheduled:
        raise Refused("Publish the agenda before recording attendance.")
    name = " ".join((name or "").split())
    problems = []
    if not name:
        problems.append(("name", "Enter the person's name"))
    elif len(name) > 200:
        problems.append(("name", "The name must be 200 characters or fewer"))
    if organisation is None or not organisation.active:
        problems.append(("organisation_id", "Select the agency they came for"))
    if mark not in PERSON_MARKS:
        problems.append(("mark", "Select present or apologies"))
    if problems:
        raise Refused("The person was not added.", problems)
    assert organisation is not None  # refused above
    present, apologies = PERSON_MARKS[mark]
    member = PanelMember(meeting_id=meeting.id, user_id=None, person_name=name, organisation_id=organisation.id,
                         present=present, apologies=apologies)
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "panel_attendee_added", meeting, changes={member.label: {"from": None, "to": mark}})
    db.session.flush()
    return member


# ----- who sees the agenda and the packs -------------------------------------------------------

def has_confirmed(user: User, meeting: PanelMeeting) -> bool:
    row = _personal_row(user, meeting)
    return row is not None and row.confidentiality_confirmed_at is not None


def needs_confidentiality(user: User, meeting: PanelMeeting) -> bool:
    """Members (not the chair or LA admins) confirm the statement once per meeting."""
    return not access.can_manage_meeting(user, meeting) and not has_confirmed(user, meeting)


def confirm_confidentiality(actor: User, meeting: PanelMeeting, now: datetime | None = None) -> PanelMember:
    """The member `actor` confirms the confidentiality statement for this meeting (once; a
    second call changes nothing). Someone invited through their agency gets their own row."""
    if access.meeting_membership(actor, meeting) is None or not access.meeting_open_to(actor, meeting, now):
        raise NotVisible()
    row = _personal_row(actor, meeting)
    if row is not None and row.confidentiality_confirmed_at is not None:
        return row
    if row is None:
        row = PanelMember(meeting_id=meeting.id, user_id=actor.id, organisation_id=actor.organisation_id)
        db.session.add(row)
    row.confidentiality_confirmed_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "panel_confidentiality_confirmed", meeting, summary=f"member #{row.id}")
    db.session.flush()
    return row


def agenda_for(user: User, meeting: PanelMeeting, now: datetime | None = None) -> list[AgendaItem]:
    """The items a user may see now (removed items are the chair's record, not the agenda)."""
    return active_items(meeting) if access.meeting_open_to(user, meeting, now) else []


def open_pack(actor: User, item: AgendaItem, now: datetime | None = None) -> str:
    """A user opens the pack of one agenda item: checked, and the level of detail returned
    (the view that shows it audits it). NotVisible -> 404; NeedsConfidentiality -> ask for the
    confirmation."""
    meeting = item.meeting
    if not access.can_manage_meeting(actor, meeting):
        if item.removed_at is not None or not access.meeting_open_to(actor, meeting, now):
            raise NotVisible()
        if not has_confirmed(actor, meeting):
            raise NeedsConfidentiality("Confirm the confidentiality statement for this meeting first.")
    return access.pack_level(actor, meeting, item.case)


# ----- a case's panel history ------------------------------------------------------------------

def history_for_case(case: Case) -> list:
    """The panel's decisions on a case, newest first, with their meeting and actions."""
    return list(db.session.scalars(_history_statement(), {"case_id": case.id}).unique())


@built_once
def _history_statement():  # noqa: ANN202 - a statement
    from sqlalchemy.orm import joinedload

    from portal.cases.models import Action
    from portal.panels.models import PanelDecision

    return (select(PanelDecision).where(PanelDecision.case_id == bindparam("case_id"))
            .options(joinedload(PanelDecision.item).joinedload(AgendaItem.meeting),
                     joinedload(PanelDecision.actions).options(joinedload(Action.owner_user),
                                                               joinedload(Action.owner_org)))
            .order_by(PanelDecision.decided_at.desc(), PanelDecision.id.desc()))
