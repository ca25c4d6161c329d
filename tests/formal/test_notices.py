"""Notices to improve, with worked dates on the 2026/27 calendar (autumn half-term 26-30 October
2026): the improvement period counted in school weeks, the record from the marks, support first,
one notice covering each liable parent, the outcome, and schools' requests."""
from __future__ import annotations

from datetime import date

import pytest

from portal.attendance import calendar as school_calendar
from portal.cases.service import support_evidence
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.formal import notices
from portal.formal.letters import letter_fields_for_nti
from portal.formal.models import NtiStatus, RequestStatus
from tests.clock import on
from tests.formal.helpers import make_formal_case, mark


def test_the_improvement_period_skips_the_half_term(world):
    cal = school_calendar.for_school(world.school_a.id)
    # issued Friday 9 October 2026: from Monday 12 October, 3 school weeks are the weeks of 12 and
    # 19 October and (after the half-term week of 26 October, no school week) of 2 November
    assert notices.improvement_period(cal, date(2026, 10, 9), 3) == (date(2026, 10, 12), date(2026, 11, 6))
    # without a half-term in the way: issued 6 November, 3 weeks end on Friday 27 November
    assert notices.improvement_period(cal, date(2026, 11, 6), 3) == (date(2026, 11, 9), date(2026, 11, 27))
    # issued on Friday 23 October (the last day before half-term): the period starts after it
    assert notices.improvement_period(cal, date(2026, 10, 23), 6) == (date(2026, 11, 2), date(2026, 12, 11))


def test_a_school_closure_day_does_not_end_a_week_but_a_whole_week_off_is_skipped(world):
    cal = school_calendar.Calendar(school_calendar.for_school(world.school_a.id).terms,
                                   school_calendar.for_school(world.school_a.id).bank_holidays,
                                   frozenset({date(2026, 11, 13)}))  # an INSET Friday
    assert notices.improvement_period(cal, date(2026, 11, 6), 3) == (date(2026, 11, 9), date(2026, 11, 27))
    assert notices.improvement_period(cal, date(2026, 11, 2), 1) == (date(2026, 11, 3), date(2026, 11, 6))


def test_an_nti_states_the_record_and_covers_each_liable_parent(world):
    case, mum, dad, _gran = make_formal_case(world)
    pupil = case.pupil
    mark(pupil, date(2026, 11, 2), "G")            # 2 sessions
    mark(pupil, date(2026, 11, 3), "O", ("AM",))   # 1
    mark(pupil, date(2026, 11, 4), "I")            # authorised: not counted
    mark(pupil, date(2026, 10, 27), "O")           # half-term: a stray mark, not a school day
    mark(pupil, date(2026, 11, 5), "U", ("PM",))   # 1
    db.session.commit()
    evidence = support_evidence(case)
    with on(date(2026, 11, 6)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3,
                                parent_ids=[mum.id, dad.id], support_ids=[evidence[0].id])
        db.session.commit()
    assert nti.unauthorised_sessions == 4
    # 10 school weeks back: 2 Nov, 19, 12, 5 Oct, 28, 21, 14, 7 Sep, 31 Aug and (summer term) 20 July
    assert (nti.qualifying_start, nti.qualifying_end) == (date(2026, 7, 20), date(2026, 11, 6))
    assert (nti.period_start, nti.period_end) == (date(2026, 11, 9), date(2026, 11, 27))
    assert nti.improvement == "No unauthorised absence during the improvement period"
    assert [p.parent_name for p in nti.parents] == ["Maria Notice", "Dan Notice"]
    assert "support plan" in nti.support_cited[0]["text"]
    fields = letter_fields_for_nti(nti)
    assert fields == {"issued_on": "6 November 2026", "period_start": "9 November 2026",
                      "period_end": "27 November 2026", "improvement": nti.improvement,
                      "unauthorised_sessions": "4", "qualifying_period": "20 July 2026 to 6 November 2026"}


def test_an_nti_is_refused_without_support_or_its_exception(world):
    case, mum, _dad, _gran = make_formal_case(world, support=False)
    with on(date(2026, 11, 6)):
        with pytest.raises(Refused) as refused:
            notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3, parent_ids=[mum.id],
                              support_ids=[], rationale="too short")
        assert "support_ids" in refused.value.problems
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3, parent_ids=[mum.id],
                                support_ids=[], rationale="An unauthorised term-time holiday of two weeks in October.")
    assert nti.not_appropriate_rationale.startswith("An unauthorised")


def test_a_back_dated_nti_cites_only_the_support_offered_before_it(world):
    """Recorded after the fact, a notice of 8 September 2026 cannot cite the support plan of 10
    September (the helper's): the support it states is the support offered before it."""
    case, mum, _dad, _gran = make_formal_case(world)
    evidence = support_evidence(case)
    with on(date(2026, 11, 6)):
        with pytest.raises(Refused) as refused:
            notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 9, 8), weeks=3, parent_ids=[mum.id],
                              support_ids=[evidence[0].id])
        assert "cannot cite support recorded after it" in refused.value.problems["support_ids"]
        assert "support plan of 10 Sep 2026" in refused.value.problems["support_ids"]
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 9, 10), weeks=3, parent_ids=[mum.id],
                                support_ids=[evidence[0].id])  # the same day is before it
    assert nti.support_cited[0]["id"] == evidence[0].id


@pytest.mark.parametrize("weeks", [2, 7, None])
def test_the_period_is_3_to_6_school_weeks(world, weeks):
    case, mum, _dad, _gran = make_formal_case(world)
    with on(date(2026, 11, 6)), pytest.raises(Refused) as refused:
        notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=weeks, parent_ids=[mum.id],
                          support_ids=[support_evidence(case)[0].id])
    assert "weeks" in refused.value.problems


def test_only_parents_with_parental_responsibility(world):
    case, _mum, _dad, gran = make_formal_case(world)
    with on(date(2026, 11, 6)), pytest.raises(Refused) as refused:
        notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3, parent_ids=[gran.id],
                          support_ids=[support_evidence(case)[0].id])
    assert "parent_ids" in refused.value.problems


def _nti(world, case, mum):
    with on(date(2026, 11, 6)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3, parent_ids=[mum.id],
                                support_ids=[support_evidence(case)[0].id])
        db.session.commit()
    return nti


def test_the_outcome_waits_for_the_end_of_the_period_and_shows_the_record_over_it(world):
    case, mum, _dad, _gran = make_formal_case(world)
    nti = _nti(world, case, mum)
    mark(case.pupil, date(2026, 11, 16), "N")
    mark(case.pupil, date(2026, 11, 30), "N")  # after the period: not counted
    db.session.commit()
    with on(date(2026, 11, 27)), pytest.raises(Refused):
        notices.record_outcome(world.user("ewo"), nti, False, "", nti.version)
    with on(date(2026, 11, 30)):
        assert notices.period_record(nti) == 2
        notices.record_outcome(world.user("ewo"), nti, False, "Two sessions missed", nti.version)
        db.session.commit()
    assert nti.status == NtiStatus.not_improved and nti.period_unauthorised == 2


def test_a_stale_outcome_is_a_conflict(world):
    case, mum, _dad, _gran = make_formal_case(world)
    nti = _nti(world, case, mum)
    with on(date(2026, 11, 30)), pytest.raises(Conflict):
        notices.record_outcome(world.user("ewo"), nti, True, "", nti.version - 1)


def test_a_school_request_is_accepted_by_raising_the_nti_or_declined(world):
    case, mum, _dad, _gran = make_formal_case(world)
    staff = world.user("school_staff")
    with pytest.raises(Refused):
        notices.request_nti(staff, case, "short")
    item = notices.request_nti(staff, case, "Twelve sessions of holiday in October; mentoring offered since September.")
    with pytest.raises(Refused):  # one open request at a time
        notices.request_nti(staff, case, "Twelve sessions of holiday in October; mentoring offered since September.")
    db.session.commit()
    with on(date(2026, 11, 6)):
        nti = notices.raise_nti(world.user("ewo"), case, issued_on=date(2026, 11, 6), weeks=3, parent_ids=[mum.id],
                                support_ids=[support_evidence(case)[0].id], request=item)
        db.session.commit()
    assert item.status == RequestStatus.accepted and nti.request_id == item.id
    second = notices.request_nti(staff, case, "Another fortnight of unauthorised absence in November, sadly.")
    with pytest.raises(Refused):
        notices.decline_request(world.user("ewo"), second, " ", second.version)
    notices.decline_request(world.user("ewo"), second, "An NTI is already running.", second.version)
    assert second.status == RequestStatus.declined
