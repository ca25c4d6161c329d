"""Targeting Support Meetings. The LA books them and sees all; a school's named EWO runs its
school's meetings; a school's staff see their own school's; an invited partner organisation
sees the meetings it was invited to, with the cohort items only, and a pupil's item only when
the pupil's case is shared with it (`cases_for`). Pupil names (and the key-group lists) only
for the LA, the EWO and the school's own staff."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.cases import cases_for
from portal.access.policy import load_or_404
from portal.access.pupils import school_ids_for
from portal.access.roles import EWO, LA_ADMIN, SCHOOL_STAFF


def tsms_for(user) -> Select:
    """The meetings a user may open: the LA all; an EWO those of the schools they serve (or
    that they run); school staff their school's; anyone else those their organisation was
    invited to."""
    from sqlalchemy import or_

    from portal.tsm.models import SupportMeeting, TsmPartner

    if user.role == LA_ADMIN:
        return select(SupportMeeting)
    if user.role == EWO:
        return select(SupportMeeting).where(or_(SupportMeeting.school_id.in_(school_ids_for(user)),
                                                SupportMeeting.ewo_id == user.id))
    if user.role == SCHOOL_STAFF:
        return select(SupportMeeting).where(SupportMeeting.school_id == user.organisation_id)
    if user.organisation_id is None:
        return select(SupportMeeting).where(false())
    invited = select(TsmPartner.meeting_id).where(TsmPartner.organisation_id == user.organisation_id)
    return select(SupportMeeting).where(SupportMeeting.id.in_(invited))


def can_run_tsm(user, meeting) -> bool:
    """Record items, notes and mark held: the LA, or an EWO serving the school (or running it)."""
    if user.role == LA_ADMIN:
        return True
    return user.role == EWO and (meeting.ewo_id == user.id or meeting.school.named_ewo_id == user.id)


def get_tsm_or_404(user, tsm_id: int, need: str = "view"):
    """need="view": anyone in `tsms_for`; need="run": the EWO side or the LA (else 403). The
    meeting comes with what its pages show of it (school, term, people, partners)."""
    from sqlalchemy.orm import joinedload

    from portal.tsm.models import SupportMeeting, TsmPartner

    scope = tsms_for(user).options(
        joinedload(SupportMeeting.school), joinedload(SupportMeeting.term), joinedload(SupportMeeting.ewo),
        joinedload(SupportMeeting.school_lead),
        joinedload(SupportMeeting.partners).joinedload(TsmPartner.organisation))  # one statement: a kept page's check
    return load_or_404(scope, SupportMeeting, tsm_id, need,
                       {"run": lambda meeting: can_run_tsm(user, meeting)})


def sees_tsm_pupils(user, meeting) -> bool:
    """Pupil names and the key groups' pupils: the LA, the EWO side and the school's own staff."""
    if user.role == LA_ADMIN or can_run_tsm(user, meeting):
        return True
    if user.role == EWO:
        return meeting.school.named_ewo_id == user.id
    return user.role == SCHOOL_STAFF and user.organisation_id == meeting.school_id


def tsm_visible_pupil_ids(user, meeting, pupil_ids) -> set[int]:
    """Of these pupils, those whose items `user` may see at `meeting`: all for the school side;
    for a partner, the pupils with a case shared with their organisation."""
    from portal.cases.models import Case
    from portal.extensions import db

    ids = {i for i in pupil_ids if i is not None}
    if sees_tsm_pupils(user, meeting):
        return ids
    if not ids:
        return set()
    return set(db.session.scalars(cases_for(user).with_only_columns(Case.pupil_id).where(Case.pupil_id.in_(ids))))


def tsm_items_for(user, meeting) -> list:
    """The items of a meeting a user may read (see `tsm_visible_pupil_ids`)."""
    from sqlalchemy.orm import joinedload

    from portal.extensions import db
    from portal.orgs.models import User
    from portal.tsm.models import TsmItem

    items = list(db.session.scalars(select(TsmItem).where(TsmItem.meeting_id == meeting.id).options(
        joinedload(TsmItem.pupil), joinedload(TsmItem.owner_user).joinedload(User.organisation),
        joinedload(TsmItem.owner_org)).order_by(TsmItem.id)))
    visible = tsm_visible_pupil_ids(user, meeting, [i.pupil_id for i in items])
    return [i for i in items if i.pupil_id is None or i.pupil_id in visible]


def get_tsm_item_or_404(user, meeting, item_id: int):
    """One item of a meeting, if the user may read it (else 404)."""
    from portal.tsm.models import TsmItem

    return load_or_404(select(TsmItem).where(TsmItem.meeting_id == meeting.id), TsmItem, item_id,
                       visible=lambda item: item.pupil_id is None
                       or item.pupil_id in tsm_visible_pupil_ids(user, meeting, [item.pupil_id]))


def tsm_actions_for(user) -> Select:
    """The TSM actions owned by the user or their organisation ("My actions")."""
    from sqlalchemy import or_

    from portal.tsm.models import NextStep, TsmItem

    return select(TsmItem).where(TsmItem.next_step != NextStep.no_further_action,
                                 or_(TsmItem.owner_user_id == user.id, TsmItem.owner_org_id == user.organisation_id))


def can_complete_tsm_action(user, item) -> bool:
    """The owner (or someone of the owning organisation), or whoever runs the meeting."""
    if item.owner_user_id == user.id:
        return True
    if item.owner_org_id is not None and item.owner_org_id == user.organisation_id:
        return True
    return can_run_tsm(user, item.meeting)


def get_tsm_action_or_404(user, item_id: int, need: str = "view"):
    """A TSM action the user owns (in person or through their organisation), or an item of a
    meeting they may open and read; need="complete": the owner side or whoever runs the
    meeting (else 403)."""
    from sqlalchemy import or_

    from portal.tsm.models import SupportMeeting, TsmItem

    owned = tsm_actions_for(user).with_only_columns(TsmItem.id)
    scope = select(TsmItem).where(or_(TsmItem.id.in_(owned),
                                      TsmItem.meeting_id.in_(tsms_for(user).with_only_columns(SupportMeeting.id))))
    return load_or_404(scope, TsmItem, item_id, need,
                       {"complete": lambda item: can_complete_tsm_action(user, item)},
                       visible=lambda item: can_complete_tsm_action(user, item) or tsm_pupil_visible(user, item))


def tsm_pupil_visible(user, item) -> bool:
    """Whether My actions may name the pupil of a TSM action."""
    if item.pupil_id is None:
        return True
    return item.pupil_id in tsm_visible_pupil_ids(user, item.meeting, [item.pupil_id])


def tsm_referral_item(user, pupil, item_id: int | None):
    """The TSM item that pre-fills a referral: a pupil's "referral to the EWO" step, of a
    meeting the user may open, for this pupil (else None: the form is simply empty)."""
    from portal.extensions import db
    from portal.params import MAX_ID
    from portal.tsm.models import NextStep, SupportMeeting, TsmItem

    if item_id is None or not 1 <= item_id <= MAX_ID:
        return None
    return db.session.scalar(select(TsmItem).where(
        TsmItem.id == item_id, TsmItem.pupil_id == pupil.id, TsmItem.next_step == NextStep.ewo_referral,
        TsmItem.meeting_id.in_(tsms_for(user).with_only_columns(SupportMeeting.id))))


def tsm_schools_for(user) -> Select:
    """The schools whose TSM coverage a user sees: the LA all, an EWO the schools they serve."""
    from portal.orgs.models import Organisation

    return select(Organisation).where(Organisation.id.in_(school_ids_for(user)), Organisation.active.is_(True))

