"""What the panel's use cases share: who runs a meeting, its day, the agenda in order, and
the guard that turns a stale meeting into a Conflict."""
from __future__ import annotations

from datetime import date, datetime
from functools import wraps

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal import access
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.panels.models import AgendaItem, MeetingStatus, PanelMeeting
from portal.timeutil import LONDON, as_utc, utcnow

PANEL_STAGE_POSITION = 6  # "Multi-agency attendance panel": the lead refers a case by moving it here
SLOT_RANGE = (5, 120)  # minutes
# One answer for a case number that does not exist and one the chair may not list: the
# message never tells which (`access.case_for_agenda`).
NOT_LISTABLE = ("No case with that number can be added. Enter the number of a case referred to the panel, "
                "due for review by the day of the meeting, or one you can see.")


class NotVisible(Exception):
    """The user may not see this meeting's agenda (now): the view answers 404."""


class NeedsConfidentiality(Refused):
    """A member must confirm the confidentiality statement for this meeting first."""


# ----- small helpers ---------------------------------------------------------------------------

def meeting_date(meeting: PanelMeeting) -> date:
    """The meeting's day in Europe/London (reviews and due dates are dates)."""
    return meeting_day(meeting.held_at)


def meeting_day(held_at: datetime) -> date:
    """`meeting_date` from the meeting's `held_at` alone."""
    return as_utc(held_at).astimezone(LONDON).date()


def has_started(meeting: PanelMeeting, now: datetime | None = None) -> bool:
    """The meeting's start time has come: only then may decisions be recorded or it be marked held."""
    return as_utc(meeting.held_at) <= (now or utcnow())


def start_label(meeting: PanelMeeting) -> str:
    """The meeting's start in London, 24-hour ("16 Dec 2026 at 10:00")."""
    return as_utc(meeting.held_at).astimezone(LONDON).strftime("%-d %b %Y at %H:%M")


def day_label(value: date) -> str:
    return value.strftime("%-d %b %Y")


def meeting_link(meeting: PanelMeeting) -> str:
    return f"/panels/{meeting.id}"


def require_manager(actor: User, meeting: PanelMeeting) -> None:
    """Who manages a meeting is decided by the access policy (`access.can_manage_meeting`)."""
    if not access.can_manage_meeting(actor, meeting):
        raise Refused("Only the meeting's chair or an LA administrator can do this.")


def require_not_held(meeting: PanelMeeting) -> None:
    if meeting.status == MeetingStatus.held:
        raise Refused("The meeting has been held: its agenda and invitations can no longer change.")


def touch(meeting: PanelMeeting) -> None:
    """Mark the meeting changed, so its version moves (and a stale agenda write is refused)."""
    meeting.updated_at = utcnow()


def meeting_write(func):
    """A stale meeting (someone changed it or its agenda meanwhile) is a Conflict, whether it
    surfaces at any flush of the call; nothing of the call is kept."""

    @wraps(func)
    def wrapper(actor, obj, *args, **kwargs):
        meeting_id = obj.id if isinstance(obj, PanelMeeting) else obj.meeting_id
        try:
            return func(actor, obj, *args, **kwargs)
        except StaleDataError:
            db.session.rollback()
            meeting = db.session.get(PanelMeeting, meeting_id)
            db.session.refresh(meeting)
            raise Conflict(meeting) from None

    return wrapper


def active_items(meeting: PanelMeeting) -> list[AgendaItem]:
    return list(db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                            AgendaItem.removed_at.is_(None))
                                   .order_by(AgendaItem.position, AgendaItem.id)))
