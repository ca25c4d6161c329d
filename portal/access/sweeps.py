"""Truancy sweeps, their encounters and follow-ups.

Taking part in a sweep is by named officer: its lead and the officers named on it. The agencies
listed on a sweep record who took part; they give their staff no access (every EWO belongs to
the attendance service and every officer to a force, so an agency rule would open every sweep
to all of them).

The police see the sweeps they take part in and the match result; EWOs the children still to
match, those matched to the schools they serve, and those they recorded or matched (a match to
a pupil of another school shows them only that school); schools the follow-ups for their own
pupils; the LA everything.
"""
from __future__ import annotations

from sqlalchemy import Select, false, select

from portal.access.policy import PERMISSIONS, can, load_or_404, object_rule
from portal.access.pupils import school_ids_for
from portal.access.roles import EWO, LA_ADMIN, POLICE, SCHOOL_STAFF


def _sweeps_taken_part_in(user) -> Select:
    """Ids of the sweeps a user leads or is named an officer on (not their agency's: see above)."""
    from sqlalchemy import or_

    from portal.sweeps.models import Sweep, SweepOfficer

    return select(Sweep.id).where(or_(
        Sweep.lead_id == user.id,
        Sweep.id.in_(select(SweepOfficer.sweep_id).where(SweepOfficer.user_id == user.id)),
    ))


def takes_part(user, sweep) -> bool:
    """The lead or a named officer."""
    return sweep.lead_id == user.id or any(o.user_id == user.id for o in sweep.officers)


@object_rule("record_sweeps")
def may_record_in(user, sweep) -> bool:
    """Encounters are recorded by those taking part in the sweep (and the LA)."""
    return user.role == LA_ADMIN or takes_part(user, sweep)


@object_rule("edit_sweeps")
def may_edit_sweep(user, sweep) -> bool:
    """A sweep's details and team are changed by its lead (and the LA)."""
    return user.role == LA_ADMIN or (sweep.lead_id == user.id and can(user, "edit_sweeps"))


def sweep_officers() -> Select:
    """The people who can lead or work on a sweep: active police officers and EWOs."""
    from sqlalchemy.orm import selectinload

    from portal.orgs.models import User

    return (select(User).where(User.role.in_(PERMISSIONS["take_part_in_sweeps"]), User.active.is_(True))
            .options(selectinload(User.organisation)).order_by(User.role.desc(), User.name))


def sees_some_encounters_only(user) -> bool:
    """EWOs see a sweep's children still to match and those of the schools they serve, not
    every child of the sweep (lists say "you can see")."""
    return user.role == EWO


def encounters_for(user) -> Select:
    """The police: the encounters of the sweeps they take part in. EWOs: the encounters still
    to match (and those found not on roll), those matched to pupils of the schools they serve,
    and those they recorded or matched. Schools: the encounters matched to their own pupils
    (seen through the follow-up). The LA: all."""
    from sqlalchemy import or_

    from portal.pupils.models import Pupil
    from portal.sweeps.models import Encounter, MatchStatus

    if user.role == LA_ADMIN:
        return select(Encounter)
    if user.role == POLICE:
        return select(Encounter).where(Encounter.sweep_id.in_(_sweeps_taken_part_in(user)))
    if user.role == EWO:
        pupils = select(Pupil.id).where(Pupil.school_id.in_(school_ids_for(user)))
        return select(Encounter).where(or_(Encounter.match_status != MatchStatus.matched,
                                           Encounter.pupil_id.in_(pupils), Encounter.recorded_by_id == user.id,
                                           Encounter.matched_by_id == user.id))
    if user.role == SCHOOL_STAFF:
        pupils = select(Pupil.id).where(Pupil.school_id == user.organisation_id)
        return select(Encounter).where(Encounter.match_status == MatchStatus.matched,
                                       Encounter.pupil_id.in_(pupils))
    return select(Encounter).where(false())


def sweeps_for(user) -> Select:
    """Sweeps a user may open: those they take part in, and (EWOs) those with an encounter
    for them to match or follow; the LA all."""
    from sqlalchemy import or_

    from portal.sweeps.models import Encounter, Sweep

    if not can(user, "view_sweeps"):
        return select(Sweep).where(false())
    if user.role == LA_ADMIN:
        return select(Sweep)
    if user.role == POLICE:
        return select(Sweep).where(Sweep.id.in_(_sweeps_taken_part_in(user)))
    in_scope = encounters_for(user).with_only_columns(Encounter.sweep_id)
    return select(Sweep).where(or_(Sweep.id.in_(_sweeps_taken_part_in(user)), Sweep.id.in_(in_scope)))


def get_sweep_or_404(user, sweep_id: int, need: str = "view"):
    """need="record": the user takes part in the sweep (or is an LA admin); need="edit": the
    sweep's lead (or an LA admin); else 403."""
    from portal.sweeps.models import Sweep

    return load_or_404(sweeps_for(user), Sweep, sweep_id, need,
                       {"record": lambda sweep: can(user, "record_sweeps", sweep),
                        "edit": lambda sweep: can(user, "edit_sweeps", sweep)})


def get_encounter_or_404(user, encounter_id: int, need: str = "view"):
    """need="match": EWOs and the LA (403 for the police who can see it)."""
    from portal.sweeps.models import Encounter

    return load_or_404(encounters_for(user), Encounter, encounter_id, need,
                       {"match": lambda encounter: can(user, "match_encounters")})


def encounter_view(user) -> str:
    """The police see who the child was matched to, never the pupil's attendance or case
    (unless a case is shared with them, and then through the case)."""
    return "police" if user.role == POLICE else "full"


@object_rule("see_matched_pupil")
def sees_matched_pupil(user, encounter) -> bool:
    """Who an encounter was matched to, beyond the pupil's school. An EWO who matched (or
    recorded) a child found to be a pupil of a school they do not serve sees only that school:
    the follow-up went to that school and its named EWO, and the pupil's record and case stay
    theirs."""
    if encounter.pupil is None or user.role in (LA_ADMIN, POLICE):
        return True
    return user.role == EWO and encounter.pupil.school.named_ewo_id == user.id


def sweep_figure_scope(user) -> tuple[Select, Select | None]:
    """What a user's sweep figures count: the encounters they may open and, when not all of
    those, the follow-ups whose state they may know (None: those of every counted encounter).
    An EWO's figures count only the children they can open and the follow-ups they can open."""
    if user.role == EWO:
        return encounters_for(user), followups_for(user)
    return encounters_for(user), None


@object_rule("follow_up_encounters")
def may_follow_up(user, follow_up) -> bool:
    """The pupil's school, its named EWO (or the EWO the follow-up was sent to), the LA: the
    same as `followups_for`, for one follow-up."""
    if user.role == LA_ADMIN:
        return True
    if user.role == SCHOOL_STAFF:
        return follow_up.school_id == user.organisation_id
    return user.role == EWO and (follow_up.school.named_ewo_id == user.id or follow_up.ewo_id == user.id)


def followups_for(user) -> Select:
    """Schools: follow-ups for their own pupils; EWOs: those of the schools they serve (and
    any named to them); the LA: all."""
    from sqlalchemy import or_

    from portal.sweeps.models import FollowUp

    if user.role == LA_ADMIN:
        return select(FollowUp)
    if user.role == SCHOOL_STAFF:
        return select(FollowUp).where(FollowUp.school_id == user.organisation_id)
    if user.role == EWO:
        return select(FollowUp).where(or_(FollowUp.school_id.in_(school_ids_for(user)), FollowUp.ewo_id == user.id))
    return select(FollowUp).where(false())


def get_followup_or_404(user, followup_id: int):
    from portal.sweeps.models import FollowUp

    return load_or_404(followups_for(user), FollowUp, followup_id)

