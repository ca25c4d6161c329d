"""The search on the match page: when the pupil an EWO expects is not among the suggestions.

Matching is borough-wide (children give wrong schools), so this search reaches pupils the EWO
cannot otherwise see. It is therefore limited to what matching needs: a name together with a
date of birth or an age. Never a UPN, never a name alone (that would make it a borough-wide
pupil directory). Each word of the name must begin one of the pupil's names (legal or
preferred), and the pupil must be born on the date given or be the age given on the day of the
encounter. Every search is audited with its terms by the view.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.pupils.models import Pupil
from portal.sweeps import matching

MAX_WORDS = 4
MIN_WORD = 2      # letters: shorter words (initials) are ignored
MAX_FOUND = 20
AGE_RANGE = (4, 18)


@dataclass(frozen=True)
class MatchSearch:
    """What the EWO typed: a name, and a date of birth or an age."""
    name: str = ""
    date_of_birth: date | None = None
    age: int | None = None

    @property
    def words(self) -> list[str]:
        return [w for w in matching.normalise(self.name).split() if len(w) >= MIN_WORD][:MAX_WORDS]

    def terms(self) -> str:
        """The search as words, for the audit trail."""
        parts = [f"name “{self.name.strip()[:100]}”"]
        if self.date_of_birth is not None:
            parts.append(f"born {self.date_of_birth.isoformat()}")
        elif self.age is not None:
            parts.append(f"age {self.age}")
        return ", ".join(parts)


def problems(search: MatchSearch) -> list[tuple[str, str]]:
    """Why a search is refused: (field, message) pairs; none when it may run."""
    found = []
    if any(ch.isdigit() for ch in search.name):
        found.append(("name", "Search by the child’s name, not by a UPN or another number"))
    elif not search.words:
        found.append(("name", "Enter the child’s name, with the date of birth or the age"))
    if search.date_of_birth is None and search.age is None:
        found.append(("date_of_birth", "Enter the date of birth or the age, as well as the name"))
    low, high = AGE_RANGE
    if search.date_of_birth is None and search.age is not None and not low <= search.age <= high:
        found.append(("age", f"Enter an age between {low} and {high}"))
    return found


def _name_parts(p: Pupil) -> list[str]:
    return [part for name in (p.legal_forename, p.legal_surname, p.preferred_forename or "",
                              p.preferred_surname or "") for part in matching.normalise(name).split()]


def _names_fit(words: list[str], p: Pupil) -> bool:
    parts = _name_parts(p)
    return all(any(part.startswith(w) for part in parts) for w in words)


def found_pupils(search: MatchSearch, seen_on: date) -> list[Pupil]:
    """The pupils (borough-wide) the search finds, at most MAX_FOUND, by name. The search must
    have no `problems`. Pupils are first narrowed by the date of birth or the age in SQL (a
    day, or a year's births), then by name here, on normalised names (accents and apostrophes
    do not get in the way)."""
    if problems(search):
        raise ValueError("a refused search does not run")
    stmt = select(Pupil).options(selectinload(Pupil.school))
    if search.date_of_birth is not None:
        stmt = stmt.where(Pupil.date_of_birth == search.date_of_birth)
    else:
        assert search.age is not None  # problems() refuses a search with neither
        # Born between a little over age+1 and age years before the day; exact below.
        stmt = stmt.where(Pupil.date_of_birth.between(seen_on - timedelta(days=366 * (search.age + 1)),
                                                      seen_on - timedelta(days=365 * search.age)))
    pupils = db.session.scalars(stmt.order_by(Pupil.legal_surname, Pupil.legal_forename, Pupil.id)).all()
    if search.date_of_birth is None:
        pupils = [p for p in pupils if matching.age_on(p.date_of_birth, seen_on) == search.age]
    return [p for p in pupils if _names_fit(search.words, p)][:MAX_FOUND]
