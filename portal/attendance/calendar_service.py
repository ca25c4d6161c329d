"""Changing the school calendar: the LA's term dates, England's bank holidays and each school's
INSET and closure days. Each change is checked (a `Refused` names the field), audited in the
caller's transaction, and drops the memoised calendars (`calendar.forget()`), so school days,
school weeks and deadlines follow at once."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal import audit, timeutil
from portal.attendance import calendar
from portal.attendance.models import BankHoliday, ClosureKind, SchoolClosure, Term
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db

TERM_NAMES = ("Autumn", "Spring", "Summer")
TERM_FIELDS = ("academic_year", "name", "start_date", "end_date", "half_term_start", "half_term_end")


def academic_year_of(day: date) -> str:
    """The academic year a date belongs to: 1 August to 31 July ("2026/27")."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def _day(d: date) -> str:
    return f"{d:%-d %B %Y}"


def term_problems(values: dict, term_id: int | None = None) -> dict[str, str]:
    """What is wrong with a term's dates ({field: message}); empty when they are good."""
    problems: dict[str, str] = {}
    name, start, end = values.get("name"), values.get("start_date"), values.get("end_date")
    half_start, half_end = values.get("half_term_start"), values.get("half_term_end")
    year = (values.get("academic_year") or "").strip()
    if name not in TERM_NAMES:
        problems["name"] = "Select Autumn, Spring or Summer"
    if start is None or end is None:
        return problems  # the form says which date is missing
    if end <= start:
        problems["end_date"] = "The last day of term must be after its first day"
    if (half_start is None) != (half_end is None):
        field = "half_term_end" if half_end is None else "half_term_start"
        problems[field] = "Enter both the first and the last day of half-term, or neither"
    elif half_start is not None and half_end is not None:
        if half_end < half_start:
            problems["half_term_end"] = "The last day of half-term must be on or after its first day"
        elif not (start < half_start and half_end < end):
            problems["half_term_start"] = (f"Half-term must fall inside the term, after {_day(start)} "
                                           f"and before {_day(end)}")
    if academic_year_of(start) != academic_year_of(end):
        problems.setdefault("end_date", "A term must begin and end in the same academic year (August to July)")
    elif year != academic_year_of(start):
        problems["academic_year"] = (f"The dates are in the academic year {academic_year_of(start)}, "
                                     f"not {year or 'the one entered'}")
    if problems:
        return problems
    others = select(Term).where(Term.id != term_id) if term_id is not None else select(Term)
    overlap = db.session.scalar(others.where(Term.start_date <= end, Term.end_date >= start)
                                .order_by(Term.start_date).limit(1))
    if overlap is not None:
        problems["start_date"] = (f"The term overlaps the {overlap.name} term {overlap.academic_year} "
                                  f"({_day(overlap.start_date)} to {_day(overlap.end_date)})")
    same = db.session.scalar(others.where(Term.academic_year == year, Term.name == name).limit(1))
    if same is not None:
        problems["name"] = f"{year} already has a {name} term: change that one instead"
    return problems


def add_term(actor, values: dict) -> Term:
    problems = term_problems(values)
    if problems:
        raise Refused(problems=problems)
    term = Term(**{f: values.get(f) for f in TERM_FIELDS})
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "term_added", term, summary=f"{term.name} term {term.academic_year}",
                 changes={k: {"from": None, "to": v} for k, v in audit.snapshot(term, TERM_FIELDS).items()})
    calendar.forget()
    return term


def update_term(actor, term: Term, expected_version: int | None, values: dict) -> Term:
    check_version(term, expected_version)
    problems = term_problems(values, term.id)
    if problems:
        raise Refused(problems=problems)
    before = audit.snapshot(term, TERM_FIELDS)
    for field in TERM_FIELDS:
        setattr(term, field, values.get(field))
    changes = audit.diff(before, audit.snapshot(term, TERM_FIELDS))
    if changes:
        audit.record(actor, "term_updated", term, summary=f"{term.name} term {term.academic_year}", changes=changes)
        flush_or_conflict(term)
    calendar.forget()
    return term


def remove_term(actor, term: Term) -> None:
    audit.record(actor, "term_removed", term, summary=f"{term.name} term {term.academic_year}",
                 changes={k: {"from": v, "to": None} for k, v in audit.snapshot(term, TERM_FIELDS).items()})
    db.session.delete(term)
    db.session.flush()
    calendar.forget()


def terms_by_year() -> list[tuple[str, list[Term]]]:
    """Every term entered, grouped by academic year, newest year first."""
    years: dict[str, list[Term]] = {}
    for term in db.session.scalars(select(Term).order_by(Term.start_date)):
        years.setdefault(term.academic_year, []).append(term)
    return sorted(years.items(), reverse=True)


# ----- bank holidays -------------------------------------------------------------------------

def add_bank_holidays(until: int, actor_label: str, source=None) -> dict[int, int]:
    """England's bank holidays (the `holidays` package, or `source(years)` giving {date: name})
    for every year from the first held up to `until` that has none yet. {year: holidays added}."""
    if source is None:
        import holidays

        def source(years):
            return holidays.country_holidays("GB", subdiv="ENG", years=years)

    held_years = {d.year for d in db.session.scalars(select(BankHoliday.date))}
    first = min(held_years) if held_years else timeutil.today().year
    missing = [y for y in range(first, until + 1) if y not in held_years]
    added: dict[int, int] = {}
    if not missing:
        return added
    for day, name in sorted(source(missing).items()):
        if day.year in missing:
            db.session.add(BankHoliday(date=day, name=str(name)[:80]))
            added[day.year] = added.get(day.year, 0) + 1
    db.session.flush()
    if added:
        audit.record(None, "bank_holidays_added", object_type="BankHoliday", actor_label=actor_label,
                     summary=f"England's bank holidays for {', '.join(str(y) for y in sorted(added))} "
                             f"({sum(added.values())} days)",
                     changes={str(y): {"from": 0, "to": n} for y, n in sorted(added.items())})
    calendar.forget()
    return added


def bank_holidays() -> list[BankHoliday]:
    return list(db.session.scalars(select(BankHoliday).order_by(BankHoliday.date)))


# ----- each school's own closure days --------------------------------------------------------

def closures_for(school_id: int) -> list[SchoolClosure]:
    return list(db.session.scalars(select(SchoolClosure).where(SchoolClosure.school_id == school_id)
                                   .order_by(SchoolClosure.date)))


def closure_problem(school_id: int, day: date) -> str | None:
    """Why a school cannot add a closure day on this date (None: it can)."""
    la = calendar.for_la()
    terms = la.terms
    reason = la.closed_reason(day)
    if reason is not None:
        return f"Schools are already closed that day: {reason}"
    if not any(t.start <= day <= t.end for t in terms):
        if terms:
            return (f"{_day(day)} is outside the terms the LA has entered ({_day(terms[0].start)} to "
                    f"{_day(terms[-1].end)}): enter a day in term time")
        return "The LA has not entered any term dates yet"
    if db.session.scalar(select(SchoolClosure.id).where(SchoolClosure.school_id == school_id,
                                                        SchoolClosure.date == day)) is not None:
        return f"The school already has a closure day on {_day(day)}"
    return None


def add_closure(actor, school_id: int, day: date, kind: str, note: str = "") -> SchoolClosure:
    problem = closure_problem(school_id, day)
    if problem:
        raise Refused(problems={"date": problem})
    closure = SchoolClosure(school_id=school_id, date=day, kind=ClosureKind(kind), note=note.strip()[:200],
                            created_by_id=actor.id)
    db.session.add(closure)
    db.session.flush()
    audit.record(actor, "school_closure_added", closure, summary=f"{_day(day)} ({closure.kind.value})",
                 changes={"school_id": {"from": None, "to": school_id}, "date": {"from": None, "to": day.isoformat()},
                          "kind": {"from": None, "to": closure.kind.value},
                          "note": {"from": None, "to": closure.note}})
    calendar.forget()
    return closure


def remove_closure(actor, closure: SchoolClosure) -> None:
    audit.record(actor, "school_closure_removed", closure, summary=f"{_day(closure.date)} ({closure.kind.value})",
                 changes={"school_id": {"from": closure.school_id, "to": None},
                          "date": {"from": closure.date.isoformat(), "to": None},
                          "kind": {"from": closure.kind.value, "to": None}, "note": {"from": closure.note, "to": None}})
    db.session.delete(closure)
    db.session.flush()
    calendar.forget()
