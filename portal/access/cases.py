"""Referrals, cases, their chronology and actions.

Schools see their own pupils' referrals and cases; EWOs those of the schools they serve; the
partner agencies exactly the cases shared with their organisation, the police in a restricted
view; the LA everything.
"""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import BindParameter, CompoundSelect, Integer, Select, bindparam, false, or_, select

from portal.access.policy import can, load_or_404, object_rule
from portal.access.pupils import school_ids_for
from portal.access.roles import (
    AGENCY_ROLES,
    EARLY_HELP,
    EWO,
    HEALTH,
    LA_ADMIN,
    POLICE,
    PRACTITIONER_ROLES,
    SCHOOL_STAFF,
    SOCIAL_CARE,
)
from portal.statements import StatementMemo

# ----- referrals ----------------------------------------------------------------------------

def referrals_for(user) -> Select:
    """Schools see their own referrals (drafts included); EWOs the submitted referrals of the
    schools they serve; the LA every submitted referral."""
    from portal.cases.models import Referral, ReferralStatus

    if user.role == SCHOOL_STAFF:
        return select(Referral).where(Referral.school_id == user.organisation_id)
    if user.role in (EWO, LA_ADMIN):
        return select(Referral).where(Referral.school_id.in_(school_ids_for(user)),
                                      Referral.status != ReferralStatus.draft)
    return select(Referral).where(false())


@object_rule("edit_referral")
def _may_edit_referral(user, referral) -> bool:
    return referral.editable


@object_rule("add_to_referral")
def _may_add_to_referral(user, referral) -> bool:
    from portal.cases.models import ReferralStatus

    return referral.status != ReferralStatus.draft


@object_rule("triage")
def can_triage(user, referral) -> bool:
    """The school's named EWO (or the LA) triages a submitted referral."""
    from portal.cases.models import ReferralStatus

    if referral.status != ReferralStatus.submitted:
        return False
    if user.role == LA_ADMIN:
        return True
    return user.role == EWO and referral.school.named_ewo_id == user.id


def get_referral_or_404(user, referral_id: int, need: str = "view"):
    """need: "view", "edit" (the school, while a draft or asked for more), "add" (the school
    adds information) or "triage" (the named EWO or the LA, while submitted)."""
    from portal.cases.models import Referral

    return load_or_404(referrals_for(user), Referral, referral_id, need, {
        "edit": lambda referral: can(user, "edit_referral", referral),
        "add": lambda referral: can(user, "add_to_referral"),
        "triage": lambda referral: can(user, "triage", referral)})


def sees_triage_queue(user) -> bool:
    """Those who triage land on the queue of referrals awaiting triage; schools on their own."""
    return can(user, "triage")


# ----- cases --------------------------------------------------------------------------------

def _active_share_for(org_id):
    from portal.cases.models import Case, CaseShare

    return select(CaseShare.case_id).where(CaseShare.organisation_id == org_id,
                                           CaseShare.withdrawn_at.is_(None)).correlate(Case)


def cases_for(user) -> Select:
    """Schools: cases of their pupils; EWOs: cases of the schools they serve; partner
    agencies: exactly the cases shared with their organisation (a withdrawn share hides the
    case at once); the LA: all. A practitioner also sees the cases they lead (issue 14.11)."""
    from portal.cases.models import Case
    from portal.pupils.models import Pupil

    leads = Case.lead_id == user.id
    if user.role in (SCHOOL_STAFF, EWO, LA_ADMIN):
        pupils = select(Pupil.id).where(Pupil.school_id.in_(school_ids_for(user)))
        in_scope = Case.pupil_id.in_(pupils)
        return select(Case).where(or_(in_scope, leads) if user.role == EWO else in_scope)
    if user.role in AGENCY_ROLES:
        shared = Case.id.in_(_active_share_for(user.organisation_id))
        return select(Case).where(or_(shared, leads) if user.role in PRACTITIONER_ROLES else shared)
    return select(Case).where(false())


def case_view(user) -> str:
    """How much of a case a role sees: the police see a restricted view (summary, actions and
    the chronology entries marked shareable with police; no register detail, cohorts, UPN,
    health notes or panel detail)."""
    return "police" if user.role == POLICE else "full"


def restricted_view(user) -> bool:
    """The police's restricted view of a case (see `case_view`)."""
    return case_view(user) == "police"


@object_rule("lead_cases")
def can_lead(user, case) -> bool:
    """The lead professional (any practitioner: an EWO, an early help key worker, a social
    worker), the EWO serving the pupil's school, or the LA."""
    if user.role == LA_ADMIN:
        return True
    if user.role in PRACTITIONER_ROLES and case.lead_id == user.id:
        return True
    return user.role == EWO and case.pupil.school.named_ewo_id == user.id


def get_case_or_404(user, case_id: int, need: str = "view", options: tuple = ()):
    """The case, in the user's scope (else 404); `options`: loader options for what the page shows."""
    from portal.cases.models import Case

    return load_or_404(cases_for(user).options(*options), Case, case_id, need, {
        "lead": lambda case: can_lead(user, case),
        "add_action": lambda case: can(user, "add_action", case)})


def _case_page_loads() -> tuple:
    """What the case page shows of the case itself: its pupil and school, its stage, its lead."""
    from sqlalchemy.orm import joinedload

    from portal.cases.models import Case
    from portal.orgs.models import User
    from portal.pupils.models import Pupil

    return (joinedload(Case.pupil).joinedload(Pupil.school), joinedload(Case.stage),
            joinedload(Case.lead).joinedload(User.organisation))


def _build_case_page_scope(who) -> Select:
    from portal.cases.models import Case

    return cases_for(who).options(*_case_page_loads()).where(Case.id == bindparam("case_id", type_=Integer))


_case_page_scopes = StatementMemo(_build_case_page_scope)


def get_case_for_page_or_404(user, case_id: int):
    """`get_case_or_404(user, case_id)` with what the case page shows of it loaded: the same
    scope, as a statement built once per user (the case's id a parameter)."""
    from portal.cases.models import Case
    from portal.statements import Who

    return load_or_404(_case_page_scopes(Who.of(user)), Case, case_id, "view", id_param="case_id")


@object_rule("add_action")
def can_add_action(user, case) -> bool:
    """The lead side, the school and the agencies working with the family (not the police)."""
    return can_lead(user, case) or user.role in (SCHOOL_STAFF, SOCIAL_CARE, EARLY_HELP, HEALTH)


def visible_open_case(user, pupil_id: int):
    """The pupil's open case if the user may see it (e.g. shared with their agency), else None."""
    from portal.cases.models import Case, CaseStatus
    from portal.extensions import db

    return db.session.scalar(cases_for(user).where(Case.pupil_id == pupil_id, Case.status != CaseStatus.closed)
                             .order_by(Case.id.desc()).limit(1))


def visible_siblings(user, pupil_ids) -> set[int]:
    """Of these pupils (siblings of a child whose case the user sees: `cases.family`), the ones
    the user may see, and only those are listed, so a sibling's existence is never leaked: the
    pupils in their scope (a school: its own; an EWO: the schools they serve; the LA: all), the
    pupils with a case the user sees (a partner or the police: only a case shared with them),
    and the children of a whole-family case the user leads."""
    from portal.extensions import db

    ids = set(pupil_ids)
    if not ids:
        return set()
    from portal.statements import Who

    return set(db.session.scalars(_visible_siblings_statements(Who.of(user)), {"ids": sorted(ids)}))


def _build_visible_siblings(user) -> CompoundSelect:
    """`visible_siblings` as one statement per user (built once; the pupils' ids a parameter)."""
    from portal.cases.models import Case, CaseChild, CaseStatus
    from portal.pupils.models import Pupil

    ids: BindParameter[int] = bindparam("ids", expanding=True)
    in_scope = select(Pupil.id).where(Pupil.id.in_(ids), Pupil.school_id.in_(school_ids_for(user)))
    with_case = cases_for(user).where(Case.pupil_id.in_(ids)).with_only_columns(Case.pupil_id)
    led = (select(CaseChild.pupil_id).join(Case, Case.id == CaseChild.case_id)
           .where(CaseChild.pupil_id.in_(ids), CaseChild.removed_at.is_(None), Case.status != CaseStatus.closed,
                  Case.lead_id == user.id))
    return in_scope.union(with_case, led)


_visible_siblings_statements = StatementMemo(_build_visible_siblings)


def chronology_for(user, case) -> Select:
    """The chronology entries of a case the user may read: in the police view only those with a
    police wording (`ChronologyEntry.text_for`) and never a health note; struck-through entries
    only for the lead side and the LA."""
    return _chronology_rule(user, case, can_lead(user, case))


def _chronology_rule(user, case, lead: bool) -> Select:
    """`chronology_for`, with whether the user is on the lead side given. Reads the user's role
    alone and the case's id alone (`chronology_statement` builds it with the id a parameter)."""
    from portal.cases.models import ChronologyEntry

    stmt = select(ChronologyEntry).where(ChronologyEntry.case_id == case.id)
    if restricted_view(user):
        stmt = stmt.where(ChronologyEntry.police_text.is_not(None), ChronologyEntry.health.is_(False))
    if not lead:
        stmt = stmt.where(ChronologyEntry.struck_at.is_(None))
    hidden = _penalty_documents_hidden(user, case)
    if hidden is not None:  # a frozen penalty notice letter's line (issue 15)
        from portal.cases.models import CaseDocument

        stmt = stmt.where(ChronologyEntry.id.not_in(select(CaseDocument.entry_id).where(CaseDocument.id.in_(hidden))))
    return stmt


class _RoleOnly(NamedTuple):
    """What `_chronology_rule` reads of a user."""
    role: str


class _CaseIdParam:
    """A case whose id is the bound parameter `case_id` (what `_chronology_rule` reads of a case)."""
    id = bindparam("case_id", type_=Integer)


def _build_chronology(role: str, lead: bool) -> Select:
    return _chronology_rule(_RoleOnly(role), _CaseIdParam, lead)


_chronology_statements = StatementMemo(_build_chronology, maxsize=64)


def chronology_statement(user, case) -> tuple[Select, dict]:
    """`chronology_for(user, case)` as a statement built once per role and lead side, and its
    parameters (the case's id): the same rows, without building the statement on every request."""
    return _chronology_statements(user.role, can_lead(user, case)), {"case_id": case.id}


def _penalty_documents_hidden(user, case):
    from portal.access.letters import penalty_documents_hidden

    return penalty_documents_hidden(user, case)


def get_entry_or_404(user, case, entry_id: int):
    from portal.cases.models import ChronologyEntry

    return load_or_404(chronology_for(user, case), ChronologyEntry, entry_id)


def may_correct_entry(user, case, entry) -> bool:
    """The author of an entry, or the lead side, adds a correction."""
    return entry.author_id == user.id or can_lead(user, case)


def police_see_own_entries(author) -> bool:
    """What the police record is theirs to see in their restricted view."""
    return author.role == POLICE


# ----- actions ------------------------------------------------------------------------------

def actions_for(user) -> Select:
    """Actions on the cases a user can see."""
    from portal.cases.models import Action, Case

    return select(Action).where(Action.case_id.in_(cases_for(user).with_only_columns(Case.id)))


@object_rule("update_actions")
def can_update_action(user, action) -> bool:
    """The owner (or someone of the owning agency), the case lead side, or the LA."""
    if user.role == LA_ADMIN or can_lead(user, action.case):
        return True
    if action.owner_user_id == user.id:
        return True
    return action.owner_org_id is not None and action.owner_org_id == user.organisation_id


def get_action_or_404(user, action_id: int, need: str = "view"):
    """An action of a case the user can see; need="update": the owner side (else 403)."""
    from portal.cases.models import Action

    return load_or_404(actions_for(user), Action, action_id, need,
                       {"update": lambda action: can_update_action(user, action)})


# ----- documents ----------------------------------------------------------------------------

def may_add_document(user, case) -> bool:
    """Those who may add to the case's chronology attach documents to it (while it is open)."""
    return can(user, "view_cases") and not case.is_closed


def documents_for(user, case) -> Select:
    """The documents of a case the user may download: kept (not removed); in the police view
    only those chosen for the police, and never medical evidence."""
    from portal.cases.models import CaseDocument, DocumentStatus

    stmt = select(CaseDocument).where(CaseDocument.case_id == case.id, CaseDocument.status == DocumentStatus.kept)
    if restricted_view(user):
        stmt = stmt.where(CaseDocument.police_shareable.is_(True), CaseDocument.health.is_(False))
    hidden = _penalty_documents_hidden(user, case)
    if hidden is not None:  # a frozen penalty notice letter (issue 15)
        stmt = stmt.where(CaseDocument.id.not_in(hidden))
    return stmt


def may_remove_document(user, case, document) -> bool:
    """The person who attached it, or the lead side."""
    return document.uploaded_by_id == user.id or can_lead(user, case)


def get_document_or_404(user, case, document_id: int, need: str = "view"):
    """need: "view" (download) or "remove" (the uploader or the lead side, else 403)."""
    from portal.cases.models import CaseDocument

    return load_or_404(documents_for(user, case), CaseDocument, document_id, need,
                       {"remove": lambda document: may_remove_document(user, case, document)})
