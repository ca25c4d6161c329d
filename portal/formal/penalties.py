"""Penalty notices (national framework, August 2024).

- Considered, never automatic: after the threshold (10 unauthorised sessions in 10 school
  weeks), a notice to improve that ended without improvement, or a recorded reason none was
  offered (for example a term-time holiday); and only with support first (a support plan or a
  "support not appropriate" record, or the support the notice to improve cited).
- One notice per liable parent, numbered PN-<year>-<nnnn>. No more than two to the same parent
  for the same child within three years (withdrawn notices do not count): a third is refused,
  and other action (prosecution under s444, an education supervision order) is the way on.
- First notice: £80 within 21 days, £160 within 28 days; second within three years: £160 within
  28 days. Counted from the issue date, or, served by post, from the deemed delivery date (two
  working days after posting: weekdays that are not England's bank holidays).
- drafted -> issued -> paid | withdrawn | prosecution (unpaid after 28 days); drafted -> withdrawn.
Every change is audited and lands in the chronology, never in the police view."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.attendance.models import BankHoliday
from portal.cases import service as cases
from portal.cases.models import Case
from portal.concurrency import check_version, conflict_on_stale, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.formal.models import (
    NoticeReason,
    NoticeStatus,
    NoticeToImprove,
    NtiStatus,
    PenaltyNotice,
    ServedBy,
)
from portal.formal.notices import liable_parents, long_date
from portal.orgs.models import User
from portal.pupils.models import Contact
from portal.timeutil import LONDON, as_utc, today, utcnow

FIRST_AMOUNT, FULL_AMOUNT = 80, 160
FIRST_DAYS, FULL_DAYS = 21, 28
POST_WORKING_DAYS = 2
CAP_YEARS, CAP = 3, 2
DUE_SOON_DAYS = 7
OTHER_ACTION = ("Consider other action instead: prosecution under section 444 of the Education Act 1996, "
                "or an education supervision order.")


# ----- dates and amounts ---------------------------------------------------------------------

def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day`: weekdays that are not England's bank holidays."""
    bank = set(db.session.scalars(select(BankHoliday.date).where(
        BankHoliday.date.between(day, day + timedelta(days=n * 2 + 14)))))
    current, counted = day, 0
    while counted < n:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in bank:
            counted += 1
    return current


def deemed_served(issued_on: date, served_by: ServedBy) -> date:
    return add_working_days(issued_on, POST_WORKING_DAYS) if served_by == ServedBy.post else issued_on


def terms(sequence: int, served_on: date) -> dict:
    """What a notice asks for: the first notice £80 within 21 days, £160 within 28; a second
    within three years £160 within 28 days (no reduced amount)."""
    if sequence == 1:
        return {"amount_first": FIRST_AMOUNT, "pay_first_by": served_on + timedelta(days=FIRST_DAYS),
                "amount_full": FULL_AMOUNT, "pay_full_by": served_on + timedelta(days=FULL_DAYS)}
    return {"amount_first": None, "pay_first_by": None, "amount_full": FULL_AMOUNT,
            "pay_full_by": served_on + timedelta(days=FULL_DAYS)}


def amount_due(notice: PenaltyNotice, on: date) -> int | None:
    """The amount payable on a day (None: past the 28 days, no longer payable)."""
    if notice.pay_full_by is None or on > notice.pay_full_by:
        return None
    if notice.pay_first_by is not None and on <= notice.pay_first_by:
        return notice.amount_first
    return notice.amount_full


# ----- history and the cap -------------------------------------------------------------------

def _same_parent(pupil_id: int, contact_id: int | None, name: str):
    """The notices of this child to this parent: by the contact, or by the name a notice kept
    when its contact was removed from the pupil's record."""
    by_name = and_(PenaltyNotice.contact_id.is_(None), func.lower(PenaltyNotice.parent_name) == name.lower())
    who = or_(PenaltyNotice.contact_id == contact_id, by_name) if contact_id else by_name
    return and_(PenaltyNotice.pupil_id == pupil_id, who)


def history(pupil_id: int, contact_id: int | None, name: str, as_of: date | None = None,
            exclude: int | None = None) -> list[PenaltyNotice]:
    """Every notice to this parent for this child in the three years up to `as_of`, withdrawn
    ones included (shown, not counted), newest first. A draft counts from the day it was made."""
    as_of = as_of or today()
    since = years_before(as_of, CAP_YEARS)
    rows = db.session.scalars(select(PenaltyNotice).where(_same_parent(pupil_id, contact_id, name))
                              .order_by(PenaltyNotice.id.desc())).all()
    return [n for n in rows if n.id != exclude and since < notice_date(n) <= as_of]


def drafted_on(notice: PenaltyNotice) -> date:
    return as_utc(notice.created_at).astimezone(LONDON).date()


def notice_date(notice: PenaltyNotice) -> date:
    return notice.issued_on or drafted_on(notice)


def counted(notices: list[PenaltyNotice]) -> int:
    return sum(1 for n in notices if n.counts)


def cap_refusal(name: str, notices: list[PenaltyNotice]) -> str | None:
    if counted(notices) >= CAP:
        return (f"{name} has already had {CAP} penalty notices for this child within {CAP_YEARS} years "
                f"(withdrawn notices do not count): a third is not allowed. " + OTHER_ACTION)
    return None


# ----- consideration --------------------------------------------------------------------------

def latest_nti(case: Case) -> NoticeToImprove | None:
    return db.session.scalar(select(NoticeToImprove).where(NoticeToImprove.case_id == case.id)
                             .order_by(NoticeToImprove.issued_on.desc(), NoticeToImprove.id.desc()).limit(1))


def consideration(case: Case) -> dict:
    """What the officer weighs: threshold crossings, the NTI, the support evidence, and each
    liable parent's notices for this child in the last three years."""
    from portal.attendance.flags import crossings_for

    parents = []
    for contact in liable_parents(case.pupil):
        notices = history(case.pupil_id, contact.id, contact.name)
        parents.append({"contact": contact, "notices": notices, "counted": counted(notices),
                        "refusal": cap_refusal(contact.name, notices)})
    nti = latest_nti(case)
    return {"crossings": crossings_for(case.pupil_id), "nti": nti, "support": cases.support_evidence(case),
            "parents": parents}


def next_number(year: int) -> str:
    prefix = f"PN-{year}-"
    last = db.session.scalar(select(PenaltyNotice.number).where(PenaltyNotice.number.like(prefix + "%"))
                             .order_by(func.length(PenaltyNotice.number).desc(), PenaltyNotice.number.desc()).limit(1))
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def draft_notices(actor: User, case: Case, *, parent_ids: list[int], reason: str | None,
                  skip_reason: str = "") -> list[PenaltyNotice]:
    """One drafted notice per chosen liable parent, or a refusal saying why not."""
    if case.is_closed:
        raise Refused("The case is closed.")
    problems: dict[str, str] = {}
    kind = NoticeReason.get(reason)
    if kind is None:
        problems["reason"] = "Select the reason for the notice"
    nti = latest_nti(case)
    skip_reason = skip_reason.strip()
    if nti is not None and nti.in_period:
        problems["skip_reason"] = (f"The notice to improve's improvement period runs to {long_date(nti.period_end)}: "
                                   "record its outcome first")
    elif nti is not None and nti.status == NtiStatus.improved and not skip_reason:
        problems["skip_reason"] = ("The last notice to improve ended as improved: say why a penalty notice is "
                                   "considered now")
    elif nti is None and not skip_reason:
        problems["skip_reason"] = ("No notice to improve was offered: say why (for example an unauthorised "
                                   "term-time holiday)")
    support = cases.support_evidence(case)
    if not support and not (nti is not None and (nti.support_cited or nti.not_appropriate_rationale)):
        problems["support"] = "Support first: " + cases.SUPPORT_FIRST_MESSAGE
    chosen = [c for c in liable_parents(case.pupil) if c.id in set(parent_ids)]
    if not chosen:
        problems["parent_ids"] = "Select each liable parent who receives a notice"
    refusals = [r for c in chosen if (r := cap_refusal(c.name, history(case.pupil_id, c.id, c.name)))]
    if refusals:
        problems["parent_ids"] = " ".join(refusals)
    if problems:
        raise Refused("No penalty notice was drafted: " + "; ".join(problems.values()), problems)
    assert kind is not None
    made = []
    for contact in chosen:
        sequence = counted(history(case.pupil_id, contact.id, contact.name)) + 1
        notice = PenaltyNotice(number=next_number(today().year), case_id=case.id, pupil_id=case.pupil_id,
                               contact_id=contact.id, parent_name=contact.name,
                               nti_id=nti.id if nti is not None and nti.status == NtiStatus.not_improved else None,
                               skip_reason=skip_reason, reason=kind, sequence=sequence, drafted_by_id=actor.id)
        db.session.add(notice)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # another officer took the number at the same moment
            raise Refused("Another notice was numbered at the same moment: try again.") from None
        made.append(notice)
        audit.record(actor, "penalty_notice_drafted", notice,
                     summary=f"{notice.number}; case #{case.id}; {kind}; notice {sequence} within 3 years")
    cases.entry_from_elsewhere(
        case, actor, "decision",
        "Penalty notice drafted (" + kind.label.lower() + ") for " + " and ".join(n.parent_name for n in made) + "." +
        (f" No notice to improve first: {skip_reason}" if skip_reason and not made[0].nti_id else ""),
        police_text=None, occurred_at=utcnow())
    db.session.flush()
    return made


# ----- the notice's life ------------------------------------------------------------------------

def _chronicle(actor: User, notice: PenaltyNotice, text: str) -> None:
    """The chronology says what happened, never the notice's number, amounts or payment: partners
    who read the case's chronology see those only when the notice's details are shared."""
    cases.entry_from_elsewhere(notice.case, actor, "decision", f"Penalty notice to {notice.parent_name} "
                               f"({notice.reason.label.lower()}): {text}", police_text=None, occurred_at=utcnow())


@conflict_on_stale
def issue(actor: User, notice: PenaltyNotice, issued_on: date | None, served_by: str | None,
          expected_version: int | None) -> None:
    check_version(notice, expected_version)
    if not notice.is_drafted:
        raise Refused("Only a drafted notice can be issued.")
    problems = {}
    how = ServedBy.get(served_by)
    if how is None:
        problems["served_by"] = "Select how the notice was served"
    if issued_on is None:
        problems["issued_on"] = "Enter the date the notice was issued"
    elif issued_on > today():
        problems["issued_on"] = "The date the notice was issued must be today or in the past"
    elif notice.nti is not None and issued_on <= notice.nti.period_end:
        # a paper notice may be recorded after the fact, but never before its NTI's period ended
        problems["issued_on"] = ("The notice cannot be issued before the notice to improve's period ended on "
                                 + notice.nti.period_end.strftime("%-d %B %Y"))
    if problems:
        raise Refused("The notice was not issued: " + "; ".join(problems.values()), problems)
    assert issued_on is not None and how is not None
    earlier = history(notice.pupil_id, notice.contact_id, notice.parent_name, issued_on, exclude=notice.id)
    refusal = cap_refusal(notice.parent_name, earlier)
    if refusal:
        raise Refused(refusal, {"issued_on": refusal})
    notice.sequence = counted(earlier) + 1
    notice.issued_on, notice.served_by = issued_on, how
    notice.deemed_served_on = deemed_served(issued_on, how)
    for field, value in terms(notice.sequence, notice.deemed_served_on).items():
        setattr(notice, field, value)
    notice.issued_by_id = actor.id
    notice.status = NoticeStatus.issued
    _chronicle(actor, notice, f"issued {long_date(issued_on)}, served {how.label.lower()}.")
    audit.record(actor, "penalty_notice_issued", notice, changes={
        "status": {"from": NoticeStatus.drafted, "to": NoticeStatus.issued},
        "issued_on": {"from": None, "to": issued_on.isoformat()}, "served_by": {"from": None, "to": how}})
    flush_or_conflict(notice)


@conflict_on_stale
def record_payment(actor: User, notice: PenaltyNotice, paid_on: date | None, amount: int | None,
                   expected_version: int | None) -> None:
    check_version(notice, expected_version)
    if notice.status not in (NoticeStatus.issued, NoticeStatus.prosecution):
        raise Refused("Only an issued notice can be paid.")
    problems = {}
    if paid_on is None:
        problems["paid_on"] = "Enter the date the payment was made"
    elif paid_on > today():
        problems["paid_on"] = "The date of payment must be today or in the past"
    elif notice.issued_on and paid_on < notice.issued_on:
        problems["paid_on"] = "The date of payment must be on or after the date the notice was issued"
    elif amount_due(notice, paid_on) is None:
        problems["paid_on"] = (f"The notice could be paid until {long_date(notice.pay_full_by)}: a later payment "
                               "is not accepted; consider prosecution")
    if amount is None or amount <= 0:
        problems["amount"] = "Enter the amount paid, in pounds"
    elif paid_on is not None and "paid_on" not in problems and amount != amount_due(notice, paid_on):
        problems["amount"] = f"On {long_date(paid_on)} the amount due was £{amount_due(notice, paid_on)}"
    if problems:
        raise Refused("The payment was not recorded: " + "; ".join(problems.values()), problems)
    assert paid_on is not None
    before = notice.status
    notice.status = NoticeStatus.paid
    notice.paid_on, notice.paid_amount = paid_on, amount
    _chronicle(actor, notice, "paid.")
    audit.record(actor, "penalty_notice_paid", notice, changes={"status": {"from": before, "to": NoticeStatus.paid},
                                                                "paid_amount": {"from": None, "to": amount}})
    flush_or_conflict(notice)


@conflict_on_stale
def withdraw(actor: User, notice: PenaltyNotice, reason: str, expected_version: int | None) -> None:
    check_version(notice, expected_version)
    if notice.status not in (NoticeStatus.drafted, NoticeStatus.issued, NoticeStatus.prosecution):
        raise Refused(f"A {notice.status.label.lower()} notice cannot be withdrawn.")
    if not reason.strip():
        raise Refused("Say why the notice is withdrawn.", {"reason": "Enter the reason the notice is withdrawn"})
    before = notice.status
    notice.status = NoticeStatus.withdrawn
    notice.withdrawn_at, notice.withdrawn_by_id = utcnow(), actor.id
    notice.withdraw_reason = reason.strip()
    _chronicle(actor, notice, f"withdrawn by {actor.name}: {notice.withdraw_reason}")
    audit.record(actor, "penalty_notice_withdrawn", notice,
                 changes={"status": {"from": before, "to": NoticeStatus.withdrawn}}, summary=reason[:200])
    flush_or_conflict(notice)


@conflict_on_stale
def consider_prosecution(actor: User, notice: PenaltyNotice, expected_version: int | None) -> None:
    check_version(notice, expected_version)
    if not notice.is_issued:
        raise Refused("Only an issued, unpaid notice goes on to prosecution.")
    if notice.pay_full_by is None or today() <= notice.pay_full_by:
        raise Refused(f"The notice can be paid until {long_date(notice.pay_full_by)}: wait until the 28 days "
                      "have passed.")
    notice.status = NoticeStatus.prosecution
    notice.prosecution_at, notice.prosecution_by_id = utcnow(), actor.id
    _chronicle(actor, notice, "unpaid after 28 days: prosecution under section 444 to be considered.")
    audit.record(actor, "penalty_notice_unpaid", notice,
                 changes={"status": {"from": NoticeStatus.issued, "to": NoticeStatus.prosecution}})
    flush_or_conflict(notice)


@conflict_on_stale
def share_details(actor: User, notice: PenaltyNotice, shared: bool, expected_version: int | None) -> None:
    """Whether the partners the case is shared with see the notice's amounts, number and payment."""
    check_version(notice, expected_version)
    if notice.details_shared == shared:
        return
    notice.details_shared = shared
    _chronicle(actor, notice, "details " + ("shared with" if shared else "no longer shared with")
               + " the partner agencies the case is shared with.")
    audit.record(actor, "penalty_details_shared" if shared else "penalty_details_unshared", notice,
                 changes={"details_shared": {"from": not shared, "to": shared}})
    flush_or_conflict(notice)


def notices_of_case(case: Case) -> list[PenaltyNotice]:
    return list(db.session.scalars(select(PenaltyNotice).where(PenaltyNotice.case_id == case.id)
                                   .order_by(PenaltyNotice.id.desc())))


def parent_contact(notice: PenaltyNotice) -> Contact | None:
    return db.session.get(Contact, notice.contact_id) if notice.contact_id else None
