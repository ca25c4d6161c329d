"""Sharing a CME enquiry with a partner agency (issue 18): a CME officer or LA admin shares it
with children's social care or the police, with a reason, and may withdraw the share (with a
reason; the share stays in the enquiry's history). Each change writes its audit entry in the
caller's transaction (`portal.transaction`); nothing here commits."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.cme.models import CmeEnquiry, CmeShare
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import Organisation, OrgKind, User
from portal.timeutil import utcnow

SHARE_KINDS = (OrgKind.social_care, OrgKind.police)
REASON_MAX = 2000


def partner_organisations() -> list[Organisation]:
    """The agencies an enquiry may be shared with: active children's social care and police."""
    return list(db.session.scalars(select(Organisation).where(Organisation.active.is_(True),
                                                              Organisation.kind.in_(SHARE_KINDS))
                                   .order_by(Organisation.kind, Organisation.name)))


def shares_of(enquiry_id: int) -> list[CmeShare]:
    """Every share of an enquiry, withdrawn ones too (its history), oldest first."""
    return list(db.session.scalars(select(CmeShare).where(CmeShare.enquiry_id == enquiry_id)
                                   .options(joinedload(CmeShare.organisation), joinedload(CmeShare.shared_by),
                                            joinedload(CmeShare.withdrawn_by))
                                   .order_by(CmeShare.id)))


def active_share(enquiry_id: int, organisation_id: int) -> CmeShare | None:
    return db.session.scalar(select(CmeShare).where(CmeShare.enquiry_id == enquiry_id,
                                                    CmeShare.organisation_id == organisation_id,
                                                    CmeShare.withdrawn_at.is_(None)))


def _reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(problems={"reason": message})
    if len(reason) > REASON_MAX:
        raise Refused(problems={"reason": f"The reason must be {REASON_MAX} characters or fewer"})
    return reason


def share(actor: User, enquiry: CmeEnquiry, org: Organisation | None, reason: str | None) -> CmeShare:
    """Share the enquiry with a partner agency: children's social care or the police only."""
    problems: dict[str, str] = {}
    if org is None or org.kind not in SHARE_KINDS or not org.active:
        problems["organisation_id"] = "Select children's social care or the police"
    text = (reason or "").strip()
    if not text:
        problems["reason"] = "Enter why the enquiry is shared"
    if problems:
        raise Refused(problems=problems)
    assert org is not None
    text = _reason(text, "Enter why the enquiry is shared")
    if active_share(enquiry.id, org.id) is not None:
        raise Refused(problems={"organisation_id": f"The enquiry is already shared with {org.name}"})
    item = CmeShare(enquiry_id=enquiry.id, organisation_id=org.id, reason=text, shared_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "cme_enquiry_shared", enquiry, changes={"shared_with": {"from": None, "to": org.name}},
                 summary=text[:200])
    notify.notify_org(org.id, "A CME enquiry has been shared with your organisation", f"/cme/shared/{enquiry.id}")
    return item


def withdraw(actor: User, item: CmeShare, reason: str | None, expected_version: int | None) -> CmeShare:
    """Withdraw a share: the agency loses the enquiry at once; the share stays in the history."""
    check_version(item, expected_version)
    if not item.active:
        raise Refused("This share was already withdrawn")
    text = _reason(reason, "Enter why the share is withdrawn")
    item.withdrawn_at = utcnow()
    item.withdrawn_by_id = actor.id
    item.withdraw_reason = text
    flush_or_conflict(item)
    audit.record(actor, "cme_share_withdrawn", item.enquiry,
                 changes={"shared_with": {"from": item.organisation.name, "to": None}}, summary=text[:200])
    return item
