"""Suggesting the pupil a child met in a sweep is: pure scoring, no database."""
from __future__ import annotations

from datetime import date

from portal.sweeps.matching import Candidate, Given, age_on, jaro_winkler, normalise, score, suggest

SEEN = date(2026, 11, 20)


def cand(id, fore, sur, dob, school=1, pref=""):
    return Candidate(id, (fore, pref), (sur, ""), dob, school, f"School {school}")


POOL = [
    cand(1, "Oliver", "Smith", date(2014, 3, 9)),
    cand(2, "Olivia", "Smyth", date(2014, 3, 9), school=2),
    cand(3, "Jack", "Brown", date(2013, 1, 20)),
    cand(4, "Amir", "Khan", date(2012, 6, 1), school=3),
    cand(5, "Aisha", "Khan", date(2012, 6, 1), school=3),
    cand(6, "Zofia", "Nowak", date(2015, 9, 30)),
]


def test_normalise_drops_accents_punctuation_and_case():
    assert normalise("  Zoë O'Brien-Smith ") == "zoe obrien smith"
    assert jaro_winkler("martha", "marhta") > 0.95
    assert jaro_winkler("", "x") == 0.0


def test_exact_match_scores_full_marks_with_reasons():
    best = suggest(Given("Oliver", "Smith", date(2014, 3, 9), school_id=1, seen_on=SEEN), POOL)[0]
    assert best.candidate.id == 1
    assert best.score == 100
    assert "Surname matches exactly (Smith)" in best.reasons
    assert "First name matches exactly (Oliver)" in best.reasons
    assert "Date of birth matches" in best.reasons
    assert "Same school as given" in best.reasons


def test_near_miss_spelling_still_ranks_the_pupil_first():
    ranked = suggest(Given("Olivur", "Smiht", date(2014, 3, 9), school_id=1, seen_on=SEEN), POOL)
    assert ranked[0].candidate.id == 1
    assert 60 <= ranked[0].score < 100
    assert any(r.startswith("Surname similar") for r in ranked[0].reasons)


def test_date_of_birth_with_day_and_month_swapped_is_near():
    s = score(Given("Zofia", "Nowak", date(2015, 9, 30)), POOL[5])
    assert s.score == 90  # names 65 + exact DOB 25, no school given
    swapped = score(Given("Jack", "Brown", date(2013, 1, 20)), POOL[2])
    assert swapped.score == 90
    near = score(Given("Jack", "Brown", date(2013, 2, 20)), POOL[2])
    assert "Date of birth close (the month differs)" in near.reasons
    assert near.score == 65 + 12


def test_wrong_school_is_shown_and_costs_only_the_school_points():
    ranked = suggest(Given("Amir", "Khan", date(2012, 6, 1), school_id=1, seen_on=SEEN), POOL)
    assert ranked[0].candidate.id == 4
    assert ranked[0].score == 90
    assert "Different school: on roll at School 3" in ranked[0].reasons


def test_twins_same_dob_school_and_surname_the_first_name_decides():
    ranked = suggest(Given("Aisha", "Khan", date(2012, 6, 1), school_id=3, seen_on=SEEN), POOL)
    assert [s.candidate.id for s in ranked[:2]] == [5, 4]
    assert ranked[0].score == 100
    assert ranked[0].score - ranked[1].score >= 25
    assert any(r.startswith("First name differs") for r in ranked[1].reasons)


def test_age_instead_of_date_of_birth():
    assert age_on(date(2012, 6, 1), SEEN) == 14
    s = score(Given("Amir", "Khan", age=14, seen_on=SEEN), POOL[3])
    assert "Age fits (14)" in s.reasons
    wrong = score(Given("Amir", "Khan", age=9, seen_on=SEEN), POOL[3])
    assert "Age does not fit (gave 9, is 14)" in wrong.reasons
    assert s.score > wrong.score


def test_names_given_the_other_way_round():
    s = score(Given("Khan", "Amir", date(2012, 6, 1)), POOL[3])
    assert "Names given the other way round" in s.reasons
    assert 60 <= s.score < 100  # suggested, below a true match


def test_preferred_name_counts():
    known_as = cand(7, "Alexander", "Green", date(2014, 1, 1), pref="Alex")
    s = score(Given("Alex", "Green", date(2014, 1, 1)), known_as)
    assert "First name matches exactly (Alex)" in s.reasons


def test_strangers_are_not_suggested_unless_searched_for():
    given = Given("Harry", "Potter", date(2010, 7, 31), seen_on=SEEN)
    assert suggest(given, POOL) == []
    assert [s.candidate.id for s in suggest(given, POOL, always={3})] == [3]
