"""The pure attendance calculations (portal/attendance/calc.py) and the register-code table
(portal/attendance/codes.py), checked against DOMAIN.md."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.attendance import calc, codes
from portal.attendance.calc import Totals

# --- register codes -----------------------------------------------------------------------

# Written out literally from DOMAIN.md's "Register codes (from August 2024)" table.
DOMAIN_CATEGORIES = {
    "/": "present",
    "\\": "present",
    "L": "present",
    "K": "approved",
    "V": "approved",
    "P": "approved",
    "W": "approved",
    "B": "approved",
    "D": "not_possible",
    "C1": "authorised",
    "M": "authorised",
    "J1": "authorised",
    "S": "authorised",
    "X": "not_possible",
    "C2": "authorised",
    "C": "authorised",
    "T": "authorised",
    "R": "authorised",
    "I": "authorised",
    "E": "authorised",
    "Q": "not_possible",
    "Y1": "not_possible",
    "Y2": "not_possible",
    "Y3": "not_possible",
    "Y4": "not_possible",
    "Y5": "not_possible",
    "Y6": "not_possible",
    "Y7": "not_possible",
    "G": "unauthorised",
    "N": "unauthorised",
    "O": "unauthorised",
    "U": "unauthorised",
    "Z": "not_possible",
    "#": "not_possible",
}

CATEGORIES = {code: category for code, _label, category in codes.CODES}


def test_domain_table_has_34_codes():
    assert len(DOMAIN_CATEGORIES) == 34


def test_no_duplicate_codes():
    all_codes = [code for code, _label, _category in codes.CODES]
    assert len(all_codes) == len(set(all_codes))


def test_codes_are_exactly_the_domain_codes():
    assert set(CATEGORIES) == set(DOMAIN_CATEGORIES)


@pytest.mark.parametrize(("code", "category"), sorted(DOMAIN_CATEGORIES.items()))
def test_code_category_matches_domain(code, category):
    assert CATEGORIES[code] == category


def test_category_constants():
    assert (codes.PRESENT, codes.APPROVED, codes.AUTHORISED, codes.UNAUTHORISED,
            codes.NOT_POSSIBLE) == ("present", "approved", "authorised", "unauthorised",
                                    "not_possible")


def test_every_code_has_a_label_and_known_category():
    for code, label, category in codes.CODES:
        assert label.strip(), code
        assert category in codes.CATEGORY_LABELS, code


def test_penalty_codes_are_the_unauthorised_ones():
    assert {c for c, cat in CATEGORIES.items() if cat == "unauthorised"} == {"G", "N", "O", "U"}


# --- totals_for_codes ---------------------------------------------------------------------

def totals(*marks: str) -> Totals:
    return calc.totals_for_codes(marks, CATEGORIES)


def test_empty():
    assert totals() == Totals()
    assert totals().band == calc.NO_DATA
    assert totals().percent is None


@pytest.mark.parametrize("code", ["/", "\\", "L"])
def test_present_codes_attended(code):
    t = totals(code)
    assert (t.possible, t.attended, t.approved) == (1, 1, 0)


@pytest.mark.parametrize("code", ["K", "V", "P", "W", "B"])
def test_approved_codes_count_as_attended(code):
    t = totals(code)
    assert (t.possible, t.attended, t.approved) == (1, 1, 1)
    assert t.authorised == t.unauthorised == 0
    assert t.missed == 0


@pytest.mark.parametrize("code", ["C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E"])
def test_authorised_codes(code):
    t = totals(code)
    assert (t.possible, t.attended, t.authorised, t.unauthorised) == (1, 0, 1, 0)


@pytest.mark.parametrize("code", ["G", "N", "O", "U"])
def test_unauthorised_codes(code):
    t = totals(code)
    assert (t.possible, t.attended, t.authorised, t.unauthorised) == (1, 0, 0, 1)


@pytest.mark.parametrize("code", ["D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7",
                                  "Z", "#"])
def test_not_possible_codes_leave_the_denominator(code):
    t = totals("/", "\\", code)
    assert t.possible == 2
    assert t.attended == 2
    assert t.authorised == t.unauthorised == 0
    assert t.percent == 100.0


def test_closure_is_not_an_open_session():
    assert totals("#").open_sessions == 0
    assert totals("#", "#", "/").open_sessions == 1
    # Y4: the whole school site unexpectedly closed - the school was not open either.
    assert totals("Y4", "Y4").open_sessions == 0


@pytest.mark.parametrize("code", sorted(set(DOMAIN_CATEGORIES) - {"#", "Y4"}))
def test_other_codes_are_open_sessions(code):
    assert totals(code).open_sessions == 1


def test_late_codes():
    t = totals("L", "U", "/", "N")
    assert t.late == 2
    # L is present, U is unauthorised
    assert totals("L").attended == 1 and totals("L").late == 1
    assert totals("U").unauthorised == 1 and totals("U").late == 1
    assert totals("/").late == 0 and totals("N").late == 0


def test_worked_example():
    # Two school weeks (20 sessions) plus a training day closure (2 sessions):
    # 12 present (incl. 2 late), 2 off-site (trip, work experience), 2 illness, 1 medical,
    # 2 unauthorised (1 arrived after close, 1 no reason), 1 dual registration, 2 closure.
    marks = (["/", "\\"] * 5 + ["L", "L"]           # 12 present
             + ["V", "W"]                           # 2 approved
             + ["I", "I", "M"]                      # 3 authorised
             + ["U", "N"]                           # 2 unauthorised
             + ["D"]                                # not possible
             + ["#", "#"])                          # closure
    t = calc.totals_for_codes(marks, CATEGORIES)
    assert t == Totals(possible=19, attended=14, approved=2, authorised=3, unauthorised=2,
                       late=3, open_sessions=20)
    assert t.missed == 5
    assert t.percent == pytest.approx(100 * 14 / 19)  # 73.68...
    assert t.band == calc.PERSISTENT


def test_unknown_code_raises():
    with pytest.raises(KeyError):
        totals("??")


# --- band ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("attended", "possible", "expected"), [
    (100, 100, calc.EXPECTED),
    (95, 100, calc.EXPECTED),
    (190, 200, calc.EXPECTED),
    (361, 380, calc.EXPECTED),     # exactly 95% of a full year
    (189, 200, calc.AT_RISK),      # 94.5%
    (360, 380, calc.AT_RISK),      # 94.7%
    (91, 100, calc.AT_RISK),
    (172, 190, calc.AT_RISK),      # 90.53%
    (90, 100, calc.PERSISTENT),    # exactly 90%: missing 10% or more
    (171, 190, calc.PERSISTENT),   # exactly 90%
    (342, 380, calc.PERSISTENT),   # exactly 90% of a full year
    (89, 100, calc.PERSISTENT),
    (51, 100, calc.PERSISTENT),
    (50, 100, calc.SEVERE),        # exactly 50%: missing 50% or more
    (1, 2, calc.SEVERE),
    (49, 100, calc.SEVERE),
    (0, 100, calc.SEVERE),
    (0, 0, calc.NO_DATA),
])
def test_band(attended, possible, expected):
    assert calc.band(attended, possible) == expected


def test_band_negative_possible_is_no_data():
    assert calc.band(0, -1) == calc.NO_DATA


def test_band_labels_cover_all_bands():
    assert set(calc.BAND_LABELS) == set(calc.BANDS) | {calc.NO_DATA}


# --- percent ------------------------------------------------------------------------------

@pytest.mark.parametrize(("attended", "possible", "expected"), [
    (95, 100, 95.0),
    (171, 190, 90.0),
    (189, 200, 94.5),
    (0, 10, 0.0),
    (10, 10, 100.0),
])
def test_percent(attended, possible, expected):
    assert calc.percent(attended, possible) == pytest.approx(expected)


def test_percent_fraction():
    assert calc.percent(1, 3) == pytest.approx(33.3333, abs=1e-3)


def test_percent_no_possible_sessions():
    assert calc.percent(0, 0) is None


# --- week_start ---------------------------------------------------------------------------

@pytest.mark.parametrize("day", [date(2026, 9, 7) + timedelta(days=n) for n in range(7)],
                         ids=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
def test_week_start_every_day_of_the_week(day):
    assert calc.week_start(day) == date(2026, 9, 7)  # a Monday


def test_week_start_sunday_belongs_to_the_week_before():
    assert calc.week_start(date(2026, 9, 6)) == date(2026, 8, 31)  # Sunday -> previous Monday
    assert calc.week_start(date(2026, 9, 13)) == date(2026, 9, 7)


def test_week_start_first_day_of_autumn_term_2026():
    assert calc.week_start(date(2026, 9, 3)) == date(2026, 8, 31)  # Thursday 3 Sep


def test_week_start_across_a_year_end():
    assert calc.week_start(date(2027, 1, 1)) == date(2026, 12, 28)


# (school weeks and the rolling window come from the school calendar: test_calendar.py, test_flags.py)


# --- penalty threshold --------------------------------------------------------------------

@pytest.mark.parametrize(("sessions", "reached"), [(0, False), (9, False), (10, True),
                                                   (11, True), (40, True)])
def test_penalty_threshold_reached(sessions, reached):
    assert calc.penalty_threshold_reached(sessions) is reached


def test_penalty_threshold_means_considered_not_issued():
    assert calc.PENALTY_THRESHOLD_SESSIONS == 10
    # The function only reports that a notice must be considered: it returns a bool and
    # the calculation module has nothing that issues a notice.
    assert "considered" in calc.penalty_threshold_reached.__doc__
    assert not [name for name in dir(calc) if "issue" in name.lower()]


# --- Totals -------------------------------------------------------------------------------

def test_totals_add():
    a = Totals(possible=10, attended=8, approved=1, authorised=1, unauthorised=1, late=2,
               open_sessions=10)
    b = Totals(possible=6, attended=3, approved=0, authorised=2, unauthorised=1, late=1,
               open_sessions=8)
    assert a + b == Totals(possible=16, attended=11, approved=1, authorised=3, unauthorised=2,
                           late=3, open_sessions=18)
    assert a + Totals() == a
    assert Totals() + a == a


def test_totals_add_matches_counting_all_marks_together():
    first = ["/", "\\", "L", "N", "#"]
    second = ["V", "I", "U", "D", "/"]
    assert totals(*first) + totals(*second) == totals(*first, *second)


def test_totals_add_with_sum():
    parts = [totals("/", "N"), totals("/", "/"), totals("I", "/")]
    assert sum(parts, Totals()) == totals("/", "N", "/", "/", "I", "/")


def test_totals_derived_properties():
    t = Totals(possible=190, attended=171)
    assert t.missed == 19
    assert t.percent == pytest.approx(90.0)
    assert t.band == calc.PERSISTENT
    assert Totals(possible=190, attended=172).band == calc.AT_RISK


def test_change_in_points_is_points_of_change_points():
    """The integer shortcut the pictures use equals the Fraction route, including halves and signs."""
    import random

    rng = random.Random(16)
    cases = [((0, 0), (1, 2)), ((1, 2), (0, 0)), ((1, 2), (1, 2)), ((19, 20), (18, 20)), ((1, 3), (2, 3)),
             ((1, 2000), (0, 1000)), ((999, 1000), (1000, 1000)), ((1, 1), (0, 1)), ((0, 1), (1, 1))]
    for _ in range(3000):
        p1, p2 = rng.randint(1, 3000), rng.randint(1, 3000)
        cases.append(((rng.randint(0, p1), p1), (rng.randint(0, p2), p2)))
    for before, after in cases:
        assert calc.change_in_points(before, after) == calc.points(calc.change_points(before, after))
        assert str(calc.change_in_points(before, after)) == str(calc.points(calc.change_points(before, after)))
