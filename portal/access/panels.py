"""Panel meetings. A meeting is run by its chair (or an LA admin). Invited members, in person
or through their agency, see its agenda from publication until PANEL_ACCESS_DAYS after the
meeting; the police and members without a share of a case see a restricted pack."""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from portal.access.cases import case_view, cases_for
from portal.access.policy import can, load_or_404
from portal.access.roles import LA_ADMIN, PANEL_CHAIR
from portal.orgs.models import User


def panel_access_days() -> int:
    from flask import current_app

    return int(current_app.config.get("PANEL_ACCESS_DAYS", 7))


def can_manage_meeting(user, meeting) -> bool:
    """The meeting's chair, or an LA administrator."""
    if user.role == LA_ADMIN:
        return True
    return user.role == PANEL_CHAIR and meeting.chair_id == user.id


def personal_invitation(user, meeting):
    """The user's own PanelMember row for the meeting (None if there is none)."""
    from portal.extensions import db
    from portal.panels.models import PanelMember

    return db.session.scalar(select(PanelMember).where(PanelMember.meeting_id == meeting.id,
                                                       PanelMember.user_id == user.id))


def agency_invitation(org_id: int, meeting):
    """The invitation of an agency as a whole (None if there is none)."""
    from portal.extensions import db
    from portal.panels.models import PanelMember

    return db.session.scalar(select(PanelMember).where(PanelMember.meeting_id == meeting.id,
                                                       PanelMember.user_id.is_(None),
                                                       PanelMember.organisation_id == org_id))


def meeting_membership(user, meeting):
    """The user's own invitation, else their agency's (None: not invited)."""
    return personal_invitation(user, meeting) or agency_invitation(user.organisation_id, meeting)


def meeting_open_to(user, meeting, now=None) -> bool:
    """The chair and LA admins always; an invited member (in person or through their agency)
    from publication until PANEL_ACCESS_DAYS days after the meeting."""
    from datetime import timedelta

    from portal.timeutil import as_utc, utcnow

    if can_manage_meeting(user, meeting):
        return True
    if meeting.published_at is None or meeting_membership(user, meeting) is None:
        return False
    now = now or utcnow()
    until = as_utc(meeting.held_at) + timedelta(days=panel_access_days())
    return as_utc(meeting.published_at) <= now <= until


def invited_meetings(user) -> Select:
    """Meetings a user may list, whatever the date: LA admins all, a chair the meetings they
    chair, a member the published meetings they (or their agency) are invited to."""
    from sqlalchemy import and_, or_

    from portal.panels.models import PanelMeeting, PanelMember

    if user.role == LA_ADMIN:
        return select(PanelMeeting)
    invited = select(PanelMember.meeting_id).where(or_(
        PanelMember.user_id == user.id,
        and_(PanelMember.user_id.is_(None), PanelMember.organisation_id == user.organisation_id)))
    published = and_(PanelMeeting.id.in_(invited), PanelMeeting.published_at.is_not(None))
    if user.role == PANEL_CHAIR:
        return select(PanelMeeting).where(or_(PanelMeeting.chair_id == user.id, published))
    return select(PanelMeeting).where(published)


def meetings_for(user) -> Select:
    """Panel meetings a user may open now: `invited_meetings`, a member's only until the
    access window closes (PANEL_ACCESS_DAYS after the meeting)."""
    from datetime import timedelta

    from portal.timeutil import utcnow

    now = utcnow()
    return meetings_open_between(user, now - timedelta(days=panel_access_days()), now)


def meetings_open_between(user, cutoff, now) -> Select:
    """`meetings_for` with its window given: a member's meetings published by `now` and held since
    `cutoff` (values, or `bindparam()`s for a statement built once and run with the times)."""
    from sqlalchemy import or_

    from portal.panels.models import PanelMeeting

    stmt = invited_meetings(user)
    if user.role == LA_ADMIN:
        return stmt
    return stmt.where(or_(PanelMeeting.chair_id == user.id,
                          (PanelMeeting.held_at >= cutoff) & (PanelMeeting.published_at <= now)))


def get_meeting_or_404(user, meeting_id: int, need: str = "view"):
    """need="view": the chair, LA admins, or an invited member inside the access window;
    need="manage": the chair or an LA admin (403 for a member who can see it)."""
    from portal.panels.models import PanelMeeting

    return load_or_404(meetings_for(user), PanelMeeting, meeting_id, need,
                       {"manage": lambda meeting: can_manage_meeting(user, meeting)},
                       visible=lambda meeting: meeting_open_to(user, meeting))


def get_agenda_item_or_404(user, meeting_id: int, item_id: int, need: str = "view"):
    """An item of a meeting the user may see; removed items only for the chair side."""
    from portal.panels.models import AgendaItem

    meeting = get_meeting_or_404(user, meeting_id, need=need)
    return load_or_404(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id), AgendaItem, item_id,
                       visible=lambda item: item.removed_at is None or can_manage_meeting(user, meeting))


def managed_meetings(user) -> Select:
    """The meetings whose outcomes a user oversees (the panel overview): LA admins all, a
    chair the meetings they chair."""
    from portal.panels.models import PanelMeeting

    if user.role == LA_ADMIN:
        return select(PanelMeeting)
    if user.role == PANEL_CHAIR:
        return select(PanelMeeting).where(PanelMeeting.chair_id == user.id)
    abort(403)


def minutes_versions(user, meeting) -> tuple[str, ...]:
    """The versions of a meeting's minutes a user may open: everyone who may see the meeting
    the redacted one; the chair side, and members who confirmed the confidentiality
    statement, the restricted one too (with children's names)."""
    row = personal_invitation(user, meeting)
    if can_manage_meeting(user, meeting) or (row is not None and row.confidentiality_confirmed_at is not None):
        return ("restricted", "redacted")
    return ("redacted",)


def panel_history_visible(user, case) -> bool:
    """The panel's decisions on a case show on the case page, except in the police view."""
    return case_view(user) != "police"


# How much of a case's summary pack a member sees (`pack_level`), and what each level shows
# besides why the case is listed, the school, year, stage and next review.
PACK_LEVELS = {
    # the chair side, and those who see the case in full elsewhere: attendance (now and at
    # opening, its trend since the last review), the barriers, the recent chronology, the
    # last decision with its rationale, the open actions
    "full": ("attendance", "barriers", "chronology", "last_decision", "rationale", "actions"),
    # the police, when the case is shared with them: their restricted view (no attendance
    # figures, UPN, barriers (health among them), health notes or panel rationale; the
    # chronology entries in their own wording only, as on the case)
    "police": ("chronology", "last_decision", "actions"),
    # any other member (their agency has no share of the case): nothing more
    "summary": (),
}


def sees_case_record(user, case) -> bool:
    """The case is in the user's scope (`cases_for`): its pack links to the case record."""
    from portal.cases.models import Case
    from portal.extensions import db

    return db.session.scalar(cases_for(user).with_only_columns(Case.id).where(Case.id == case.id)) is not None


def pack_level(user, meeting, case) -> str:
    """How much of a case's summary pack `user` sees at `meeting` (see PACK_LEVELS): "full" for
    the meeting's chair and LA admins, who run it, and for members who see the case in full
    anyway (the pupil's school and EWO, an agency it is shared with); "police" for the police
    when it is shared with them; "summary" for every other member."""
    if can_manage_meeting(user, meeting):
        return "full"
    return case_view(user) if sees_case_record(user, case) else "summary"


def pack_shows(level: str, part: str) -> bool:
    """Whether a pack at `level` shows `part` ("attendance", "rationale", ...)."""
    return part in PACK_LEVELS[level]


def sees_panel_rationale(user, meeting) -> bool:
    """The minutes give the police the decisions without the panel's rationale (the police
    view holds no panel detail); every other reader gets it."""
    return case_view(user) != "police"


def agenda_cases_for(user, meeting) -> Select:
    """The cases a chair (or LA admin) may list on a meeting's agenda by number: open or
    monitored cases referred to the panel (at the panel stage) or due for review by the
    meeting's day, which the panel exists to discuss, plus the cases the user can otherwise see
    (`cases_for`). Listing a case lets the chair invite people to read its pack, so no other
    case may be listed."""
    from sqlalchemy import and_, or_

    from portal.cases.models import ACTIVE_CASE_STATES, Case, Stage
    from portal.panels.rules import PANEL_STAGE_POSITION, meeting_date

    panel_stage = select(Stage.id).where(Stage.position == PANEL_STAGE_POSITION)
    due = and_(Case.status.in_(ACTIVE_CASE_STATES),
               or_(Case.stage_id.in_(panel_stage), Case.next_review <= meeting_date(meeting)))
    visible = Case.id.in_(cases_for(user).with_only_columns(Case.id))
    return select(Case).where(or_(due, visible))


def case_for_agenda(user, meeting, case_id: int):
    """The case numbered `case_id` if the user may list it on the meeting's agenda (see
    `agenda_cases_for`), else None, whether or not such a case exists."""
    from portal.cases.models import Case
    from portal.extensions import db
    from portal.params import MAX_ID

    if not can(user, "run_panels"):
        abort(403)
    if not isinstance(case_id, int) or not 1 <= case_id <= MAX_ID:
        return None
    return db.session.scalar(agenda_cases_for(user, meeting).where(Case.id == case_id))


def may_list_on_agenda(user, meeting, case) -> bool:
    """`case_for_agenda` for a case already loaded (the service checks it again)."""
    return can(user, "run_panels") and case_for_agenda(user, meeting, case.id) is not None


def panel_chairs() -> Select:
    """The people who can chair a meeting."""
    return select(User).where(User.role.in_((PANEL_CHAIR, LA_ADMIN)), User.active.is_(True)).order_by(User.name)

