"""Demo pupils, this term's marks and last academic year's (for the dashboards' comparison with
the same period last year), with realistic patterns, imported through the real import path (so
the import's weekly summaries, flags and period totals follow). Deterministic: the same pupils
(and UPNs) and the same marks every time.

Last year: every pupil above their school's entry year was on its roll for the whole of the
previous academic year (their `on_roll_from` and enrolment start then); each keeps a pattern
close to this year's, some a little better, some worse."""
from __future__ import annotations

import csv
import os
import random
import tempfile
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.attendance import calc, calendar
from portal.attendance.imports import import_marks
from portal.attendance.models import ClosureKind, ImportJob, ImportStatus, SchoolClosure, Term
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind, SchoolPhase
from portal.pupils.models import Contact, Enrolment, Pupil
from portal.pupils.upn import make_upn

FORENAMES = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Freya",
             "Oscar", "Aisha", "Muhammad", "Zara", "Yusuf", "Priya", "Arjun", "Chloe", "Jacob", "Grace",
             "Theo", "Lily", "Harry", "Sofia", "Kai", "Maya", "Ethan", "Ruby", "Finley", "Hana", "Tomasz",
             "Zofia", "Kwame", "Ama", "Chidi", "Ngozi", "Connor", "Niamh", "Rhys", "Seren", "Ibrahim", "Layla",
             "Daniel", "Evie", "Samuel", "Poppy", "Reuben", "Hollie", "Jayden"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan",
            "Ahmed", "Hussain", "Begum", "Ali", "Singh", "Kaur", "Evans", "Thomas", "Roberts", "Walker",
            "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Clarke",
            "Nowak", "Kowalski", "Mensah", "Owusu", "Okafor", "Adeyemi", "O'Brien", "Murphy", "Lewis", "Morgan",
            "Campbell", "Stewart", "Begum", "Chowdhury", "Rahman", "Nguyen", "Santos", "Silva", "Costa", "Ionescu"]
RELATIONSHIPS = [("Mother", True), ("Father", True), ("Grandmother", False), ("Carer", True), ("Aunt", False)]
STREETS = ["Station Road", "Church Lane", "Victoria Street", "Park Avenue", "Mill Lane", "Kings Road",
           "Queens Drive", "Meadow Way", "Riverside Close", "Orchard Grove"]
# keyed by a school's phase, which may be unset (then every year group)
YEARS: dict[SchoolPhase | None, range] = {SchoolPhase.primary: range(0, 7), SchoolPhase.secondary: range(7, 12),
         SchoolPhase.special: range(3, 12), SchoolPhase.alternative_provision: range(9, 12),
         SchoolPhase.all_through: range(0, 12)}
PUPILS_PER_SCHOOL = 150


def _pattern(rng: random.Random) -> float:
    """A pupil's chance of missing a session: most attend well, some are at risk, some
    persistently absent, a few severely."""
    roll = rng.random()
    if roll < 0.74:
        return rng.uniform(0.0, 0.045)
    if roll < 0.86:
        return rng.uniform(0.055, 0.095)
    if roll < 0.97:
        return rng.uniform(0.11, 0.25)
    return rng.uniform(0.5, 0.7)


def school_days(start: date, end: date) -> list[date]:
    """The LA calendar's school days (no weekend, half-term, holiday or bank holiday): the demo
    writes no mark the import would refuse."""
    return calendar.for_la().school_days(start, end)


def seed_term_range(today: date) -> tuple[Term | None, date, date]:
    as_of = today - timedelta(days=1)
    while as_of.weekday() >= 5:
        as_of -= timedelta(days=1)
    term = db.session.scalar(select(Term).where(Term.start_date <= as_of).order_by(Term.start_date.desc()))
    if term is None:
        return None, as_of - timedelta(weeks=8), as_of
    end = min(as_of, term.end_date)
    days = school_days(term.start_date, end)
    return term, term.start_date, days[-1] if days else end  # the last school day (not a half-term day)


LAST_YEAR_EXTENTS = ("year", "term", "none")


def last_year_range(today: date, extent: str = "year") -> tuple[date, date] | None:
    """The days of the academic year before the demo's term that get marks: from its first day
    to its last ("year"), or to the end of its term of the same name as the demo's ("term":
    this term, half-term and year to date each have last year's same period); None for
    "none", or when the calendar holds no terms for that year."""
    term, _, _ = seed_term_range(today)
    if term is None or extent == "none":
        return None
    year = calc.previous_academic_year(term.academic_year)
    in_year = Term.academic_year == year
    start, end = db.session.execute(select(func.min(Term.start_date), func.max(Term.end_date)).where(in_year)).one()
    if start is None:
        return None
    if extent == "term":
        end = db.session.scalar(select(Term.end_date).where(in_year, Term.name == term.name)) or end
    return start, end


def seed_pupils(today: date, last_year_extent: str = "year") -> int:
    """Create the demo pupils and their marks (this term's, and last academic year's to the
    extent asked) if there are no pupils yet."""
    if db.session.scalar(select(Pupil.id).limit(1)) is not None:
        return 0
    last_year = last_year_range(today, last_year_extent)
    rng = random.Random(2026)
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school)
                                 .order_by(Organisation.urn)).all()
    pupils: list[tuple[Pupil, float]] = []
    for s_index, school in enumerate(schools):
        establishment = f"{2000 + s_index * 7:04d}"
        years = YEARS.get(school.phase, range(0, 12))
        for i in range(PUPILS_PER_SCHOOL):
            nc_year = rng.choice(list(years))
            age = nc_year + 5
            academic_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
            dob = date(academic_start.year - age - 1, 9, 1) + timedelta(days=rng.randrange(365))
            fore, sur = rng.choice(FORENAMES), rng.choice(SURNAMES)
            pupil = Pupil(
                upn=make_upn(establishment, 2015 + (i % 10), i + 1),
                legal_forename=fore, legal_surname=sur,
                preferred_forename=("Alex" if fore == "Alexander" else None),
                date_of_birth=dob, nc_year=nc_year, school_id=school.id,
                on_roll_from=academic_start + timedelta(days=2),
                address=f"{rng.randrange(1, 180)} {rng.choice(STREETS)}, Demo Borough",
                postcode=(f"DB{rng.randrange(1, 9)} {rng.randrange(1, 9)}"
                          f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"),
                sen_support=rng.random() < 0.13,
                ehc_plan=rng.random() < (0.6 if school.phase == SchoolPhase.special else 0.03),
                fsm=rng.random() < 0.24, looked_after=rng.random() < 0.015, social_worker=rng.random() < 0.04,
                eal=rng.random() < 0.2, alternative_provision=school.phase == SchoolPhase.alternative_provision,
            )
            if last_year is not None and nc_year > years[0]:  # on roll here since last year
                pupil.on_roll_from = last_year[0]
            pupil.refresh_search_text()
            relationship, pr = rng.choice(RELATIONSHIPS)
            contact_name = f"{rng.choice(FORENAMES)} {sur}"
            rng.randrange(10000, 99999)  # drawn as before, so the rest of the demo stays the same
            # one number per family: a shared number links siblings (issue 14.11)
            pupil.contacts.append(Contact(name=contact_name, relationship_to_pupil=relationship,
                                          phone=f"07700 9{s_index}{i:04d}", parental_responsibility=pr,
                                          email=f"parent{s_index}{i}@example.org"))
            pupil.enrolments.append(Enrolment(school_id=school.id, start_date=pupil.on_roll_from))
            db.session.add(pupil)
            pupils.append((pupil, _pattern(rng)))
    db.session.commit()
    _seed_marks(pupils, rng, today, last_year)
    return len(pupils)


def _code(rng: random.Random, miss: float, session: str, spell: int | None) -> tuple[str, int | None]:
    """One session's code for a pupil who misses a session with chance `miss`, and what is
    left of a run of illness."""
    if spell:
        return "I", (spell - 1 or None)
    if rng.random() < miss:
        roll = rng.random()
        if roll < 0.35:
            return "I", (rng.randrange(2, 6) if rng.random() < 0.1 else None)
        if roll < 0.45:
            return "M", None
        if roll < 0.75:
            return "N", None
        if roll < 0.9:
            return "O", None
        if roll < 0.95:
            return "G", None
        return "U", None
    return ("L" if rng.random() < 0.02 else ("/" if session == "AM" else "\\")), None


def _write_last_year(writer, pupils, last_year: tuple[date, date], today: date) -> None:
    """Last academic year's marks of the pupils on roll then, from their own generator (this
    year's marks stay as they were)."""
    rng = random.Random(2025)
    days = school_days(last_year[0], min(last_year[1], today - timedelta(days=1)))
    for pupil, miss in pupils:
        if pupil.on_roll_from > last_year[0]:
            continue
        # most pupils much as this year; some better, some worse
        then = min(0.75, max(0.0, miss * rng.uniform(0.6, 1.3) + rng.choice((0.0, 0.0, 0.0, 0.02, -0.01))))
        spell = None
        for day in days:
            iso = day.isoformat()
            for session in ("AM", "PM"):
                code, spell = _code(rng, then, session, spell)
                writer.writerow([pupil.upn, iso, session, code])


def _seed_marks(pupils, rng: random.Random, today: date, last_year: tuple[date, date] | None = None) -> None:
    term, start, end = seed_term_range(today)
    days = school_days(start, end)
    # One school's INSET (training) day, entered on its calendar and marked # in its register
    first_school = db.session.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.school)
                                     .order_by(Organisation.urn))
    inset = days[len(days) // 3] if len(days) > 10 else None
    if inset is not None and first_school is not None:
        db.session.add(SchoolClosure(school_id=first_school, date=inset, kind=ClosureKind.inset,
                                     note="Staff training: safeguarding and attendance"))
        db.session.commit()
        calendar.forget()
    handle, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(handle, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["upn", "date", "session", "code"])
        for pupil, miss in pupils:
            spell = None  # a run of illness
            for day in days:
                for session in ("AM", "PM"):
                    if day == inset and pupil.school_id == first_school:
                        code = "#"
                    else:
                        code, spell = _code(rng, miss, session, spell)
                    writer.writerow([pupil.upn, day.isoformat(), session, code])
        if last_year is not None:
            _write_last_year(writer, pupils, last_year, today)
    job = ImportJob(kind="marks", school_id=None, uploaded_by_id=None, uploaded_from="seed-demo",
                    filename="demo-marks.csv", path=path, size_bytes=os.path.getsize(path),
                    status=ImportStatus.running)
    db.session.add(job)
    db.session.commit()
    import_marks(job, today=today)
    os.remove(path)


def write_samples(folder: str, today: date) -> None:
    """The sample files under samples/: marks for a few pupils of the first school on the last
    seeded day, and two new pupils for it."""
    first = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.school)
                              .order_by(Organisation.urn))
    assert first is not None, "the demo schools are seeded before the samples"
    pupils = db.session.scalars(select(Pupil).where(Pupil.school_id == first.id).order_by(Pupil.id).limit(6)).all()
    _, _, last = seed_term_range(today)
    with open(os.path.join(folder, "attendance-marks.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["upn", "date", "session", "code"])
        sessions = [("/", "\\"), ("L", "\\"), ("N", "N"), ("I", "I"), ("/", "M"), ("U", "\\")]
        for p, (am, pm) in zip(pupils, sessions, strict=False):
            w.writerow([p.upn, last.isoformat(), "AM", am])
            w.writerow([p.upn, last.isoformat(), "PM", pm])
