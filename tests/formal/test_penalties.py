"""Penalty notices with worked dates: amounts and deadlines of first and second notices (by hand
and by post, over Christmas's bank holidays), the cap of two within three years (a withdrawn
notice does not count), support first, one notice per liable parent, payment, prosecution,
the yearly figures, and a contact removed from the pupil."""
from __future__ import annotations

from datetime import date

import pytest

from portal.cases.service import support_evidence
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.formal import figures, notices, penalties
from portal.formal.letters import letter_fields_for_notice
from portal.formal.models import NoticeReason, NoticeStatus, NtiStatus, PenaltyNotice
from tests.clock import on
from tests.formal.helpers import make_formal_case

HOLIDAY = "An unauthorised term-time holiday: no notice to improve is needed."


def _draft(world, case, parents, day, reason="term_time_holiday", skip=HOLIDAY):
    with on(day):
        made = penalties.draft_notices(world.user("ewo"), case, parent_ids=[p.id for p in parents], reason=reason,
                                       skip_reason=skip)
        db.session.commit()
    return made


def _issue(world, notice, day, served_by="hand"):
    with on(day):
        penalties.issue(world.user("ewo"), notice, day, served_by, notice.version)
        db.session.commit()
    return notice


def test_a_first_notice_by_hand_80_within_21_days_160_within_28(world):
    case, mum, _dad, _gran = make_formal_case(world)
    notice = _issue(world, _draft(world, case, [mum], date(2026, 11, 16))[0], date(2026, 11, 16))
    assert notice.number == "PN-2026-0001" and notice.sequence == 1
    assert notice.deemed_served_on == date(2026, 11, 16)
    assert (notice.amount_first, notice.pay_first_by) == (80, date(2026, 12, 7))
    assert (notice.amount_full, notice.pay_full_by) == (160, date(2026, 12, 14))
    assert letter_fields_for_notice(notice) == {
        "number": "PN-2026-0001", "issued_on": "16 November 2026", "served_by": "by hand",
        "deemed_served_on": "16 November 2026", "amount_first": "£80", "pay_first_by": "7 December 2026",
        "amount_full": "£160", "pay_full_by": "14 December 2026", "reason": "Term-time holiday"}


def test_by_post_the_days_count_from_two_working_days_later(world):
    case, mum, dad, _gran = make_formal_case(world)
    # posted Friday 13 November: Monday 16 and Tuesday 17 are the two working days
    first = _issue(world, _draft(world, case, [mum], date(2026, 11, 13))[0], date(2026, 11, 13), "post")
    assert first.deemed_served_on == date(2026, 11, 17)
    assert (first.pay_first_by, first.pay_full_by) == (date(2026, 12, 8), date(2026, 12, 15))
    # posted Thursday 24 December: 25 (Christmas Day), 26-27 (weekend) and 28 (Boxing Day, observed) are
    # not working days; Tuesday 29 and Wednesday 30 are
    second = _issue(world, _draft(world, case, [dad], date(2026, 12, 24))[0], date(2026, 12, 24), "post")
    assert second.deemed_served_on == date(2026, 12, 30)
    assert (second.pay_first_by, second.pay_full_by) == (date(2027, 1, 20), date(2027, 1, 27))


def test_a_second_notice_within_three_years_is_160_flat_within_28_days(world):
    case, mum, _dad, _gran = make_formal_case(world)
    _issue(world, _draft(world, case, [mum], date(2025, 3, 3))[0], date(2025, 3, 3))
    second = _issue(world, _draft(world, case, [mum], date(2026, 11, 16))[0], date(2026, 11, 16), "post")
    assert second.sequence == 2
    assert second.deemed_served_on == date(2026, 11, 18)
    assert (second.amount_first, second.pay_first_by) == (None, None)
    assert (second.amount_full, second.pay_full_by) == (160, date(2026, 12, 16))
    assert letter_fields_for_notice(second)["amount_first"] == ""


def test_a_third_within_three_years_is_refused_but_a_withdrawn_one_does_not_count(world):
    case, mum, dad, _gran = make_formal_case(world)
    _issue(world, _draft(world, case, [mum], date(2024, 1, 10))[0], date(2024, 1, 10))
    withdrawn = _issue(world, _draft(world, case, [mum], date(2025, 3, 3))[0], date(2025, 3, 3))
    with on(date(2025, 3, 10)):
        penalties.withdraw(world.user("ewo"), withdrawn, "Served at the wrong address.", withdrawn.version)
        db.session.commit()
    second = _issue(world, _draft(world, case, [mum], date(2025, 6, 2))[0], date(2025, 6, 2))
    assert second.sequence == 2  # the withdrawn one in between does not count
    with on(date(2026, 11, 16)), pytest.raises(Refused) as refused:
        penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id, dad.id], reason="term_time_holiday",
                                skip_reason=HOLIDAY)
    message = refused.value.problems["parent_ids"]
    assert "Maria Notice has already had 2 penalty notices" in message and "prosecution" in message
    assert "Dan Notice" not in message  # the other parent has had none
    # three years and a day after the first, it no longer counts: a second notice again
    made = _draft(world, case, [mum], date(2027, 1, 11))
    assert made[0].sequence == 2
    facts = penalties.consideration(case)
    mum_row = next(p for p in facts["parents"] if p["contact"].id == mum.id)
    assert mum_row["counted"] == 2


def test_issuing_a_draft_checks_the_cap_again(world):
    case, mum, _dad, _gran = make_formal_case(world)
    one, = _draft(world, case, [mum], date(2026, 11, 2))
    two, = _draft(world, case, [mum], date(2026, 11, 2))
    _issue(world, one, date(2026, 11, 2))
    _issue(world, two, date(2026, 11, 3))
    with on(date(2026, 11, 4)), pytest.raises(Refused):
        penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id], reason="other_unauthorised",
                                skip_reason=HOLIDAY)


def test_one_notice_per_liable_parent(world):
    case, mum, dad, gran = make_formal_case(world)
    made = _draft(world, case, [mum, dad, gran], date(2026, 11, 16))
    assert [(n.parent_name, n.number) for n in made] == [("Maria Notice", "PN-2026-0001"),
                                                         ("Dan Notice", "PN-2026-0002")]
    assert {n.reason for n in made} == {NoticeReason.term_time_holiday}


def test_refused_without_support_or_its_exception(world):
    case, mum, _dad, _gran = make_formal_case(world, support=False)
    with on(date(2026, 11, 16)), pytest.raises(Refused) as refused:
        penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id], reason="other_unauthorised",
                                skip_reason=HOLIDAY)
    assert "support" in refused.value.problems


def test_refused_without_an_nti_outcome_or_a_reason_to_skip_it(world):
    case, mum, _dad, _gran = make_formal_case(world)
    with on(date(2026, 11, 16)), pytest.raises(Refused) as refused:
        penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id], reason="other_unauthorised")
    assert "skip_reason" in refused.value.problems
    with on(date(2026, 11, 6)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3, parent_ids=[mum.id],
                                support_ids=[support_evidence(case)[0].id])
        db.session.commit()
    with on(date(2026, 11, 16)), pytest.raises(Refused) as refused:  # still in its improvement period
        penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id], reason="other_unauthorised")
    assert "improvement period" in refused.value.problems["skip_reason"]
    with on(date(2026, 11, 30)):
        notices.record_outcome(world.user("ewo"), nti, False, "", nti.version)
        made = penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id], reason="other_unauthorised")
    assert nti.status == NtiStatus.not_improved and made[0].nti_id == nti.id


def test_payment_amounts_and_the_28_days(world):
    case, mum, dad, _gran = make_formal_case(world)
    first = _issue(world, _draft(world, case, [mum], date(2026, 11, 16))[0], date(2026, 11, 16))
    with on(date(2026, 12, 8)):
        with pytest.raises(Refused) as refused:  # day 22: the reduced amount is gone
            penalties.record_payment(world.user("ewo"), first, date(2026, 12, 8), 80, first.version)
        assert refused.value.problems["amount"] == "On 8 December 2026 the amount due was £160"
        penalties.record_payment(world.user("ewo"), first, date(2026, 12, 7), 80, first.version)
        db.session.commit()
    assert first.status == NoticeStatus.paid and first.paid_amount == 80
    other = _issue(world, _draft(world, case, [dad], date(2026, 11, 16))[0], date(2026, 11, 16))
    with on(date(2026, 12, 14)), pytest.raises(Refused):  # not yet past the 28 days
        penalties.consider_prosecution(world.user("ewo"), other, other.version)
    with on(date(2026, 12, 15)):
        with pytest.raises(Refused):  # a payment after the 28 days is not accepted
            penalties.record_payment(world.user("ewo"), other, date(2026, 12, 15), 160, other.version)
        penalties.consider_prosecution(world.user("ewo"), other, other.version)
        db.session.commit()
    assert other.status == NoticeStatus.prosecution


def test_a_stale_write_is_a_conflict(world):
    case, mum, _dad, _gran = make_formal_case(world)
    notice, = _draft(world, case, [mum], date(2026, 11, 16))
    with on(date(2026, 11, 16)), pytest.raises(Conflict):
        penalties.issue(world.user("ewo"), notice, date(2026, 11, 16), "hand", notice.version + 1)


def test_overdue_due_soon_and_the_yearly_figures(world):
    from portal import access

    case, mum, dad, _gran = make_formal_case(world)
    paid = _issue(world, _draft(world, case, [mum], date(2026, 10, 1))[0], date(2026, 10, 1))
    with on(date(2026, 10, 5)):
        penalties.record_payment(world.user("ewo"), paid, date(2026, 10, 5), 80, paid.version)
        db.session.commit()
    unpaid = _issue(world, _draft(world, case, [dad], date(2026, 10, 1), reason="other_unauthorised")[0],
                    date(2026, 10, 1))
    summer = _issue(world, _draft(world, case, [dad], date(2026, 7, 1))[0], date(2026, 7, 1))  # 2025/26
    scope = access.penalty_notices_for(world.user("la_admin"))
    assert db.session.scalars(figures.overdue(scope, date(2026, 11, 2))).all() == [summer, unpaid]
    assert db.session.scalars(figures.due_soon(scope, date(2026, 10, 20))).all() == [unpaid]  # 22 Oct: £80
    numbers = figures.figures(2026)
    assert (numbers["issued"], numbers["issued_holiday"], numbers["issued_other"]) == (2, 1, 1)
    assert (numbers["paid"], numbers["paid_21"], numbers["outstanding"]) == (1, 1, 1)
    assert figures.figures(2025)["issued"] == 1


def test_a_contact_with_notices_can_be_removed_and_the_cap_still_counts_them(world):
    from portal.pupils import service as pupils

    case, mum, _dad, _gran = make_formal_case(world)
    _issue(world, _draft(world, case, [mum], date(2025, 3, 3))[0], date(2025, 3, 3))
    _issue(world, _draft(world, case, [mum], date(2026, 3, 2))[0], date(2026, 3, 2))
    with on(date(2026, 11, 6)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3, parent_ids=[mum.id],
                                support_ids=[support_evidence(case)[0].id])
        db.session.commit()
    pupils.remove_contact(world.user("school_staff"), case.pupil, mum)
    db.session.commit()
    kept = db.session.scalars(db.select(PenaltyNotice).order_by(PenaltyNotice.id)).all()
    assert [(n.contact_id, n.parent_name) for n in kept] == [(None, "Maria Notice"), (None, "Maria Notice")]
    assert penalties.counted(penalties.history(case.pupil_id, None, "maria notice", date(2026, 11, 16))) == 2
    db.session.refresh(nti.parents[0])
    assert (nti.parents[0].contact_id, nti.parents[0].parent_name) == (None, "Maria Notice")
    # the same parent added again (a new contact) is still at the cap for this child
    from portal.pupils.models import Contact

    again = Contact(pupil=case.pupil, name="Maria Notice", parental_responsibility=True)
    db.session.add(again)
    db.session.commit()
    with on(date(2026, 11, 16)), pytest.raises(Refused):
        penalties.draft_notices(world.user("ewo"), case, parent_ids=[again.id], reason="term_time_holiday",
                                skip_reason=HOLIDAY)


def test_numbers_go_on_past_9999_in_a_year(world):
    case, mum, _dad, _gran = make_formal_case(world)
    first, = _draft(world, case, [mum], date(2026, 11, 2))
    first.number = "PN-2026-9999"
    db.session.commit()
    with on(date(2026, 11, 2)):
        assert penalties.next_number(2026) == "PN-2026-10000"


def test_a_paper_notice_is_recorded_as_issued_before_its_draft_but_not_before_its_nti_ended(world):
    """An officer enters a notice served on paper last week: the issue date is the real one, and
    the deadlines count from it; but a notice after a notice to improve comes after its period."""
    case, mum, dad, _gran = make_formal_case(world)
    with on(date(2026, 10, 9)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 10, 9), weeks=3,
                                parent_ids=[mum.id, dad.id], support_ids=[support_evidence(case)[0].id])
        db.session.commit()
    with on(date(2026, 11, 30)):
        notices.record_outcome(world.user("ewo"), nti, False, "", nti.version)
        for_mum, for_dad = penalties.draft_notices(world.user("ewo"), case, parent_ids=[mum.id, dad.id],
                                                   reason="other_unauthorised")
        with pytest.raises(Refused) as refused:  # the period ran to 6 November (half-term skipped)
            penalties.issue(world.user("ewo"), for_mum, date(2026, 11, 6), "hand", for_mum.version)
        assert "period ended on 6 November 2026" in refused.value.problems["issued_on"]
        penalties.issue(world.user("ewo"), for_dad, date(2026, 11, 9), "hand", for_dad.version)
    assert (for_dad.pay_first_by, for_dad.pay_full_by) == (date(2026, 11, 30), date(2026, 12, 7))
