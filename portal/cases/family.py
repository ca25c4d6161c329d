"""The whole family (issue 14.11): siblings, found by a shared parent/carer contact (the same
e-mail or phone) or the same home (postcode and first line of the address); what a viewer may
see of them on a case page; and whole-family cases, covering several children under the one
lead professional of the case. Each change flushes with its audit entry and its chronology
entries into the caller's transaction."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, union_all

from portal import access, audit
from portal.cases import service
from portal.cases.models import ACTIVE_CASE_STATES, Case, CaseChild, Referral, ReferralStatus
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.pupils.models import Contact, Pupil, email_key, phone_key, postcode_key
from portal.timeutil import utcnow

OPEN_REFERRAL_STATES = (ReferralStatus.draft, ReferralStatus.submitted, ReferralStatus.more_info)


# ----- finding siblings -----------------------------------------------------------------------

def normal_email(email: str) -> str:
    return email.strip().lower()


def normal_phone(phone: str) -> str:
    """Digits only, a +44 number as the national one (0...); too short to be a number: ""."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("44") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 7 else ""


def normal_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()


def first_line(address: str) -> str:
    """The first line of an address (up to the first comma or line break), compared without
    regard to case, spacing or punctuation: "12 Oak Road" = "12, oak road"."""
    parts = [p for p in re.split(r"[,\n]", address) if p.strip()]
    if not parts:
        return ""
    line = parts[0] if not parts[0].strip().isdigit() or len(parts) == 1 else f"{parts[0]} {parts[1]}"
    return " ".join(re.sub(r"[^\w\s]", " ", line.lower()).split())


@lru_cache(maxsize=8)
def _siblings_statement(by_email: bool, by_phone: bool, by_address: bool) -> Any:
    """The pupils matched by e-mail, by phone or by postcode, as `sibling_ids` asks for them (one
    statement per combination, built once; the values are bound parameters)."""
    parts: list = []
    if by_email:
        parts.append(select(Contact.pupil_id.label("pupil_id"), literal_column("'email'").label("by"),
                            literal_column("''").label("value"))
                     .where(email_key(Contact.email).in_(bindparam("emails", expanding=True))))
    if by_phone:
        parts.append(select(Contact.pupil_id, literal_column("'phone'"), func.coalesce(Contact.phone, ""))
                     .where(phone_key(Contact.phone).in_(bindparam("phones", expanding=True))))
    if by_address:
        parts.append(select(Pupil.id, literal_column("'address'"), func.coalesce(Pupil.address, ""))
                     .where(postcode_key(Pupil.postcode) == bindparam("postcode")))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def sibling_ids(pupil: Pupil) -> set[int]:
    """The pupils who share a parent/carer contact (the same e-mail, or the same phone number)
    or a home (the same postcode and first line of the address) with this pupil."""
    found: set[int] = set()
    emails = {normal_email(c.email) for c in pupil.contacts} - {""}
    phones = {normal_phone(c.phone) for c in pupil.contacts} - {""}
    postcode, line = normal_postcode(pupil.postcode or ""), first_line(pupil.address or "")
    # one query: the pupils matched by e-mail, by phone (checked again below) or by postcode
    params: dict[str, Any] = {}
    if emails:
        params["emails"] = sorted(emails)
    if phones:
        params["phones"] = sorted(phones | {"44" + p[1:] for p in phones if p.startswith("0")})
    if postcode and line:
        params["postcode"] = postcode
    if params:
        stmt = _siblings_statement(bool(emails), bool(phones), "postcode" in params)
        for row in db.session.execute(stmt, params):
            other_id, by, value = int(row[0]), str(row[1]), str(row[2] or "")
            if by == "email" or (by == "phone" and normal_phone(value) in phones) or (
                    by == "address" and first_line(value) == line):
                found.add(other_id)
    found.discard(pupil.id)
    return found


# ----- what a viewer sees ------------------------------------------------------------------------

@dataclass
class Sibling:
    pupil: Pupil
    attendance: str | None        # "87.5" (percent now), None in the police view
    case: Case | None             # the sibling's open case, when the viewer sees it
    referral: Referral | None     # the sibling's open referral, when the viewer sees it
    covered_by: Case | None       # the open whole-family case covering the sibling, when the viewer sees it
    in_this_case: bool            # covered by the case being viewed


def covering_case(pupil_id: int) -> Case | None:
    """The open whole-family case that covers this pupil (besides its own child), if any."""
    return db.session.scalar(select(Case).join(CaseChild, CaseChild.case_id == Case.id).where(
        CaseChild.pupil_id == pupil_id, CaseChild.removed_at.is_(None), Case.status.in_(ACTIVE_CASE_STATES))
        .order_by(Case.id.desc()).limit(1))


def children_of(case: Case) -> list[CaseChild]:
    """The siblings a whole-family case covers now (besides its own child)."""
    return list(db.session.scalars(select(CaseChild).where(CaseChild.case_id == case.id,
                                                           CaseChild.removed_at.is_(None))
                                   .order_by(CaseChild.id)))


def family_view(user: User, case: Case, records: frozenset[str] | None = None) -> dict[str, Any]:
    """What the case page shows of the family, as far as the user may see: the siblings (name,
    school, attendance now, their open case or referral), the children the case covers, and
    the whole-family case that covers this child, if another case does. `records`: the case's
    kinds of record, when known (`service.records_on_case`): no query for what is not there."""
    children = children_of(case) if service.may_have(records, "children") else []
    covered_ids = {c.pupil_id for c in children}
    candidates = sibling_ids(case.pupil) | covered_ids
    visible = access.visible_siblings(user, candidates)
    police = access.restricted_view(user)
    pupils: list[Pupil] = []
    cases: dict[int, Case] = {}
    referrals: dict[int, Referral] = {}
    covering: dict[int, Case] = {}
    covered = service.may_have(records, "covered")
    if visible or covered:
        seen_cases = access.cases_for(user).with_only_columns(Case.id)
    if visible:  # most children have no known siblings: then nothing more to ask
        pupils = list(db.session.scalars(select(Pupil).where(Pupil.id.in_(visible))
                                         .order_by(Pupil.legal_surname, Pupil.legal_forename, Pupil.id)))
        cases = {c.pupil_id: c for c in db.session.scalars(access.cases_for(user).where(
            Case.pupil_id.in_(visible), Case.status.in_(ACTIVE_CASE_STATES)).order_by(Case.id))}
        referrals = {r.pupil_id: r for r in db.session.scalars(access.referrals_for(user).where(
            Referral.pupil_id.in_(visible), Referral.status.in_(OPEN_REFERRAL_STATES)).order_by(Referral.id))}
        covering = {pupil_id: found for pupil_id, found in db.session.execute(
            select(CaseChild.pupil_id, Case).join(Case, Case.id == CaseChild.case_id).where(
                CaseChild.pupil_id.in_(visible), CaseChild.removed_at.is_(None),
                Case.status.in_(ACTIVE_CASE_STATES), Case.id.in_(seen_cases)))}
    from portal.attendance.calc import Totals
    from portal.attendance.summaries import year_totals_for

    totals = {} if police else year_totals_for([p.id for p in pupils])
    siblings = []
    for pupil in pupils:
        attendance = None
        if not police:
            attendance = totals.get(pupil.id, Totals()).percent_text
        siblings.append(Sibling(pupil=pupil, attendance=attendance, case=cases.get(pupil.id),
                                referral=referrals.get(pupil.id), covered_by=covering.get(pupil.id),
                                in_this_case=pupil.id in covered_ids))
    # the whole-family case covering this child (`covering_case`), and whether the user sees it, in one query
    row = db.session.execute(select(Case, Case.id.in_(seen_cases)).join(CaseChild, CaseChild.case_id == Case.id).where(
        CaseChild.pupil_id == case.pupil_id, CaseChild.removed_at.is_(None), Case.status.in_(ACTIVE_CASE_STATES))
        .order_by(Case.id.desc()).limit(1)).first() if covered else None
    return {
        "siblings": siblings,
        "whole_family": bool(children),
        "children": [s for s in siblings if s.in_this_case],
        "part_of": row[0] if row else None,
        "part_of_visible": bool(row and row[1]),
    }


# ----- whole-family cases -------------------------------------------------------------------------

def _covered_text(case: Case) -> str:
    return f"whole-family case of {case.pupil.display_name}, led by {case.lead.name}"


def add_child(actor: User, case: Case, pupil: Pupil) -> CaseChild:
    """Cover a sibling by this (whole-family) case: the case's lead becomes the one lead
    professional for the child too. The sibling must be one the actor sees, and not covered by
    another open whole-family case."""
    if case.is_closed:
        raise Refused("The case is closed.")
    if pupil.id == case.pupil_id or pupil.id not in sibling_ids(case.pupil) \
            or pupil.id not in access.visible_siblings(actor, {pupil.id}):
        raise Refused("Choose a brother or sister of the child.", {"pupil_id": "Choose a sibling"})
    already = covering_case(pupil.id)
    if already is not None:
        raise Refused(f"{pupil.display_name} is already covered by "
                      + ("this case." if already.id == case.id else "another whole-family case."),
                      {"pupil_id": "Choose a sibling not yet covered"})
    own = db.session.scalar(select(Case).where(Case.pupil_id == pupil.id, Case.status.in_(ACTIVE_CASE_STATES),
                                               Case.id != case.id).order_by(Case.id.desc()).limit(1))
    if own is not None and children_of(own):
        raise Refused(f"{pupil.display_name}'s own case is a whole-family case: add the children to that one.",
                      {"pupil_id": "Choose a sibling whose case covers no other child"})
    child = CaseChild(case_id=case.id, pupil_id=pupil.id, added_by_id=actor.id)
    db.session.add(child)
    db.session.flush()
    school = pupil.school.name
    service.entry_from_elsewhere(case, actor, "decision",
                                 f"Whole-family case: {pupil.display_name} ({school}) added; "
                                 f"{case.lead.name} is the lead professional for the family.",
                                 police_text=None, occurred_at=utcnow())
    if own is not None:
        service.entry_from_elsewhere(own, actor, "decision",
                                     f"{pupil.display_name} is now part of the {_covered_text(case)}.",
                                     police_text=None, occurred_at=utcnow())
    audit.record(actor, "case_child_added", case, changes={"children": {"from": None, "to": pupil.id}},
                 summary=f"pupil #{pupil.id}")
    db.session.flush()
    return child


def remove_child(actor: User, case: Case, pupil_id: int, reason: str) -> None:
    """Stop covering a sibling by the whole-family case (the row is kept, ended)."""
    child = next((c for c in children_of(case) if c.pupil_id == pupil_id), None)
    if child is None or pupil_id not in access.visible_siblings(actor, {pupil_id}):
        raise Refused("That child is not covered by this case.", {"pupil_id": "Choose a child the case covers"})
    if not reason.strip():
        raise Refused("Say why the child is no longer covered by the whole-family case.",
                      {"reason": "Enter the reason"})
    child.removed_at = utcnow()
    child.removed_by_id = actor.id
    pupil = child.pupil
    service.entry_from_elsewhere(case, actor, "decision",
                                 f"Whole-family case: {pupil.display_name} removed. Reason: {reason}",
                                 police_text=None, occurred_at=utcnow())
    own = db.session.scalar(select(Case).where(Case.pupil_id == pupil_id, Case.status.in_(ACTIVE_CASE_STATES))
                            .order_by(Case.id.desc()).limit(1))
    if own is not None:
        service.entry_from_elsewhere(own, actor, "decision",
                                     f"{pupil.display_name} is no longer part of the {_covered_text(case)}.",
                                     police_text=None, occurred_at=utcnow())
    audit.record(actor, "case_child_removed", case, changes={"children": {"from": pupil_id, "to": None}},
                 summary=reason[:200])
    db.session.flush()
