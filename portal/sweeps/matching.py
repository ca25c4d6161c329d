"""Suggesting which pupil a child met in a sweep is: pure functions, no database.

A child gives a name, a date of birth or an age, and a school; any of them may be misspelt,
mis-remembered or made up. Each candidate gets a score out of 100 and the reasons for it in
words, so the education welfare officer sees why a pupil is suggested and decides.

Weights: surname 35, first name 30, date of birth 25 (exact; 12 when near: a day or month
off, day and month swapped, or a year out; 10 for an age that fits), school 10. Twins (same
surname, date of birth and school) differ only in their first names, so the first name
decides between them.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

SURNAME_WEIGHT = 35
FORENAME_WEIGHT = 30
DOB_EXACT = 25
DOB_NEAR = 12
AGE_FITS = 10
SCHOOL_WEIGHT = 10
MIN_SCORE = 40   # below this a pupil is not suggested
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class Given:
    """What the child said."""
    forename: str
    surname: str
    date_of_birth: date | None = None
    age: int | None = None
    school_id: int | None = None
    seen_on: date | None = None


@dataclass(frozen=True)
class Candidate:
    """A pupil on a roll, as the matcher needs them."""
    id: int
    forenames: tuple[str, ...]  # legal and preferred
    surnames: tuple[str, ...]
    date_of_birth: date
    school_id: int
    school_name: str = ""


@dataclass
class Suggestion:
    candidate: Candidate
    score: int
    reasons: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: "O'Brien-Smith " ->
    "obrien smith"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("’", "")
    text = re.sub(r"[^a-z]+", " ", text)
    return " ".join(text.split())


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity (0..1): forgiving of transposed and dropped letters, and of
    differences late in a name."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    window = max(len(a), len(b)) // 2 - 1
    a_hits = [False] * len(a)
    b_hits = [False] * len(b)
    matches = 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not b_hits[j] and b[j] == ch:
                a_hits[i] = b_hits[j] = True
                matches += 1
                break
    if matches == 0:
        return 0.0
    b_matched = [b[j] for j in range(len(b)) if b_hits[j]]
    transpositions = sum(1 for i, k in zip((i for i in range(len(a)) if a_hits[i]), range(matches), strict=False)
                         if a[i] != b_matched[k]) / 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def name_similarity(given: str, known: str) -> float:
    """The better of Jaro-Winkler and difflib's ratio on normalised names; a hyphenated or
    double name also matches on any of its parts (Smith ~ Smith-Jones) a little lower."""
    g, k = normalise(given), normalise(known)
    if not g or not k:
        return 0.0
    best = max(jaro_winkler(g, k), SequenceMatcher(None, g, k).ratio())
    g_parts, k_parts = g.split(), k.split()
    if len(g_parts) > 1 or len(k_parts) > 1:
        part = max(jaro_winkler(x, y) for x in g_parts for y in k_parts)
        best = max(best, part * 0.9)
    return best


def _dob_near(given: date, known: date) -> str | None:
    if given == known:
        return None
    if (given.day, given.month) == (known.month, known.day) and given.year == known.year:
        return "day and month swapped"
    same = [given.year == known.year, given.month == known.month, given.day == known.day]
    if sum(same) == 2:
        if given.year != known.year and abs(given.year - known.year) == 1:
            return "a year out"
        if given.month != known.month:
            return "the month differs"
        if given.day != known.day:
            return "the day differs"
    if abs((given - known).days) <= 2:
        return "within two days"
    return None


def age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _describe(label: str, sim: float, given: str, known: str) -> str:
    if normalise(given) == normalise(known):
        return f"{label} matches exactly ({known})"
    if sim >= 0.85:
        return f"{label} similar: “{given}” ~ “{known}”"
    return f"{label} partly similar: “{given}” ~ “{known}”"


def score(given: Given, cand: Candidate) -> Suggestion:
    """Score one candidate against what the child said."""
    reasons: list[str] = []
    total = 0.0

    surname_sim, surname = max(((name_similarity(given.surname, s), s) for s in cand.surnames if s),
                               default=(0.0, ""))
    forename_sim, forename = max(((name_similarity(given.forename, f), f) for f in cand.forenames if f),
                                 default=(0.0, ""))
    # Names given the other way round ("Khan Amir")
    swapped = min(max((name_similarity(given.surname, f) for f in cand.forenames if f), default=0.0),
                  max((name_similarity(given.forename, s) for s in cand.surnames if s), default=0.0))
    if swapped > max(surname_sim, forename_sim) and swapped >= 0.9:
        surname_sim = forename_sim = swapped * 0.9
        reasons.append("Names given the other way round")
    else:
        if surname_sim >= 0.7:
            reasons.append(_describe("Surname", surname_sim, given.surname, surname))
        else:
            reasons.append(f"Surname differs: “{given.surname}” / “{surname}”")
        if forename_sim >= 0.7:
            reasons.append(_describe("First name", forename_sim, given.forename, forename))
        else:
            reasons.append(f"First name differs: “{given.forename}” / “{forename}”")

    # Below 0.7 a name is as good as different: it earns nothing.
    total += SURNAME_WEIGHT * _scaled(surname_sim)
    total += FORENAME_WEIGHT * _scaled(forename_sim)

    if given.date_of_birth is not None:
        if given.date_of_birth == cand.date_of_birth:
            total += DOB_EXACT
            reasons.append("Date of birth matches")
        else:
            near = _dob_near(given.date_of_birth, cand.date_of_birth)
            if near:
                total += DOB_NEAR
                reasons.append(f"Date of birth close ({near})")
            else:
                reasons.append("Date of birth differs")
    elif given.age is not None and given.seen_on is not None:
        actual = age_on(cand.date_of_birth, given.seen_on)
        if actual == given.age:
            total += AGE_FITS
            reasons.append(f"Age fits ({actual})")
        elif abs(actual - given.age) == 1:
            total += AGE_FITS / 2
            reasons.append(f"Age nearly fits (gave {given.age}, is {actual})")
        else:
            reasons.append(f"Age does not fit (gave {given.age}, is {actual})")

    if given.school_id is not None:
        if given.school_id == cand.school_id:
            total += SCHOOL_WEIGHT
            reasons.append("Same school as given")
        else:
            reasons.append(f"Different school: on roll at {cand.school_name or 'another school'}")
    return Suggestion(cand, round(total), reasons)


def _scaled(sim: float) -> float:
    """0 at 0.7 similarity or below, 1 at an exact match."""
    return max(0.0, (sim - 0.7) / 0.3)


def suggest(given: Given, candidates, *, limit: int = MAX_SUGGESTIONS, min_score: int = MIN_SCORE,
            always: set[int] | frozenset[int] = frozenset()) -> list[Suggestion]:
    """The best candidates, best first (ties: by id, so the order is stable). Pupils in
    `always` (found by a search) are listed whatever their score."""
    scored = [score(given, c) for c in candidates]
    scored.sort(key=lambda s: (-s.score, s.candidate.id))
    top = [s for s in scored if s.score >= min_score][:limit]
    ids = {s.candidate.id for s in top}
    top += [s for s in scored if s.candidate.id in always and s.candidate.id not in ids]
    return top
