"""The school's own stages (issue 17): a pupil's first-day calls and stage meetings are seen by
those who see the pupil (the school's staff, its named EWO, the LA: `pupils_for`) and logged or
corrected by the staff of the pupil's school; partners and the police see none of it. The
weekly key-actions list is the school's: its staff use it, its named EWO may read it, nobody
else (not even the LA: it is the school's own working list)."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.policy import load_or_404, object_rule
from portal.access.pupils import pupils_for
from portal.access.roles import EWO, SCHOOL_STAFF
from portal.orgs.models import Organisation, OrgKind


def is_own_school_staff(user, school_id: int | None) -> bool:
    """Staff of this school (they log, correct and allocate)."""
    return user.role == SCHOOL_STAFF and school_id is not None and user.organisation_id == school_id


def key_action_school_ids(user) -> Select:
    """The schools whose key-actions list a user may open: their own school's staff, its named EWO."""
    if user.role == SCHOOL_STAFF:
        return select(Organisation.id).where(Organisation.id == user.organisation_id,
                                             Organisation.kind == OrgKind.school)
    if user.role == EWO:
        return select(Organisation.id).where(Organisation.named_ewo_id == user.id)
    return select(Organisation.id).where(false())


def get_key_action_school_or_404(user, school_id: int, need: str = "view") -> Organisation:
    """The school of a key-actions list (404 outside `key_action_school_ids`); need="edit": its
    own staff (else 403)."""
    return load_or_404(select(Organisation).where(Organisation.id.in_(key_action_school_ids(user))), Organisation,
                       school_id, need, {"edit": lambda school: is_own_school_staff(user, school.id)})


def get_key_action_or_404(user, school, item_id: int):
    """One item of the school's list (the school already loaded through the loader above)."""
    from portal.schoolstages.models import KeyAction

    return load_or_404(select(KeyAction).where(KeyAction.school_id == school.id), KeyAction, item_id)


def _pupil_ids(user) -> Select:
    from portal.pupils.models import Pupil

    return pupils_for(user).with_only_columns(Pupil.id)


def get_first_day_call_or_404(user, pupil, call_id: int, need: str = "view"):
    """A call logged for this pupil (in the user's scope); need="edit": the pupil's school's staff."""
    from portal.schoolstages.models import FirstDayCall

    scope = select(FirstDayCall).where(FirstDayCall.pupil_id == pupil.id, FirstDayCall.pupil_id.in_(_pupil_ids(user)))
    return load_or_404(scope, FirstDayCall, call_id, need,
                       {"edit": lambda call: is_own_school_staff(user, call.school_id)})


def get_stage_meeting_or_404(user, pupil, meeting_id: int, need: str = "view"):
    """A stage meeting logged for this pupil (in the user's scope); need="edit": the pupil's school's staff."""
    from portal.schoolstages.models import StageMeeting

    scope = select(StageMeeting).where(StageMeeting.pupil_id == pupil.id, StageMeeting.pupil_id.in_(_pupil_ids(user)))
    return load_or_404(scope, StageMeeting, meeting_id, need,
                       {"edit": lambda meeting: is_own_school_staff(user, meeting.school_id)})


@object_rule("log_school_stages")
def _may_log_for(user, pupil) -> bool:
    """The staff of the pupil's school log its calls and meetings."""
    return is_own_school_staff(user, pupil.school_id)
