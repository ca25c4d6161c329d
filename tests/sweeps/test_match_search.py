"""The search on the match page needs a name with a date of birth or an age: never a UPN, never
a name alone (the pages: test_match_page.py)."""
from __future__ import annotations

from datetime import date

import pytest

from portal.sweeps import match_search
from portal.sweeps.match_search import MatchSearch
from tests.sweeps.conftest import SWEEP_DAY

# ----- the rules of the search (service) -----------------------------------------------------

@pytest.mark.parametrize("search, fields", [
    (MatchSearch("Bella Moore"), {"date_of_birth"}),                   # a name alone: browsing
    (MatchSearch("", date(2013, 7, 1)), {"name"}),                     # a date of birth alone
    (MatchSearch("B801200005001", age=12), {"name"}),                  # a UPN
    (MatchSearch("Bella 2013", date(2013, 7, 1)), {"name"}),           # no numbers in a name
    (MatchSearch("B M", date(2013, 7, 1)), {"name"}),                  # initials alone
    (MatchSearch("Bella", age=30), {"age"}),
])
def test_a_search_needs_a_name_with_a_date_of_birth_or_an_age(search, fields):
    assert {f for f, _ in match_search.problems(search)} == fields
    with pytest.raises(ValueError):
        match_search.found_pupils(search, SWEEP_DAY)


def test_the_search_finds_by_the_start_of_names_and_the_date_of_birth_or_age(scene):
    bella = scene.pupil_b  # Bella Moore, born 1 Jul 2013: 13 on the sweep day (20 Nov 2026)

    def ids(search):
        return [p.id for p in match_search.found_pupils(search, SWEEP_DAY)]

    assert ids(MatchSearch("bel mo", date(2013, 7, 1))) == [bella.id]
    assert ids(MatchSearch("MOORE", age=13)) == [bella.id]
    assert ids(MatchSearch("Bella Moore", date(2013, 7, 2))) == []   # another day
    assert ids(MatchSearch("Bella Moore", age=12)) == []
    assert ids(MatchSearch("ella", date(2013, 7, 1))) == []          # not the start of a name
