"""The merge fields of one letter, read from the pupil, the case and the register, as plain
strings (`merge.Fields`): a template never touches a model."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.attendance import calc
from portal.attendance.models import AttendanceMark, RegisterCode
from portal.attendance.summaries import school_window_start
from portal.cases.models import Case
from portal.cases.service import support_evidence
from portal.extensions import db
from portal.letters.merge import EXTRA, Fields
from portal.orgs.models import User
from portal.pupils.models import Contact, Pupil
from portal.timeutil import LONDON, as_utc, today


def long_date(day: date) -> str:
    return day.strftime("%-d %B %Y")


def record_between(pupil: Pupil, start: date, end: date) -> calc.Totals:
    """The pupil's register totals from `start` to `end` (both included), by the one definition
    of the measures (`calc.totals_for_codes`)."""
    categories = dict(db.session.execute(select(RegisterCode.code, RegisterCode.category)).all())
    codes = db.session.scalars(select(AttendanceMark.code).where(
        AttendanceMark.pupil_id == pupil.id, AttendanceMark.date >= start, AttendanceMark.date <= end))
    return calc.totals_for_codes(codes, categories)


def default_period(pupil: Pupil) -> tuple[date, date]:
    """The rolling window of the last 10 school weeks up to today (else the last 70 days)."""
    end = today()
    start = school_window_start(pupil.school_id, end)
    return (start or date.fromordinal(end.toordinal() - 70)), end


def support_offered(case: Case | None) -> list[dict[str, str]]:
    """The support plans of the case's chronology (not struck through), oldest first: what was
    offered, cited by date. A "support not appropriate" rationale is not support offered."""
    if case is None:
        return []
    items = []
    for entry in reversed(support_evidence(case)):
        if entry.kind == "support_plan" and entry.support_name:
            day = as_utc(entry.occurred_at).astimezone(LONDON).date()
            items.append({"date": long_date(day), "text": entry.support_name})
    return items


# A notice's fields a letter may leave out: a second penalty notice has no reduced amount.
OPTIONAL_EXTRA = frozenset({("penalty", "amount_first"), ("penalty", "pay_first_by")})


def clean_extra(extra: dict | None) -> dict[str, dict[str, str]]:
    """Only the allowed keys of the `extra` namespace, as strings."""
    extra = extra or {}
    return {group: {key: str(extra[group][key]) for key in keys if key in (extra.get(group) or {})}
            for group, keys in EXTRA.items() if isinstance(extra.get(group), dict)}


def fields_for(pupil: Pupil, case: Case | None, recipient: Contact, sender: User, start: date, end: date,
               extra: dict | None = None) -> Fields:
    totals = record_between(pupil, start, end)
    lead = case.lead if case is not None else sender
    return Fields(
        pupil={"name": pupil.display_name, "first_name": pupil.preferred_forename or pupil.legal_forename,
               "date_of_birth": long_date(pupil.date_of_birth), "year_group": pupil.year_label},
        school={"name": pupil.school.name, "address": str(getattr(pupil.school, "address", "") or "")},
        parent={"name": recipient.name},
        today=long_date(today()),
        lead_officer={"name": lead.name},
        sender={"name": sender.name, "organisation": sender.organisation.name},
        record={"start": long_date(start), "end": long_date(end),
                "attendance": f"{totals.percent_text}%" if totals.percent_text is not None else "no sessions recorded",
                "unauthorised_sessions": str(totals.unauthorised), "possible_sessions": str(totals.possible)},
        support=support_offered(case),
        extra=clean_extra(extra),
    )


def sample_fields() -> Fields:
    """Made-up values, to preview a template while it is written."""
    return Fields(
        pupil={"name": "Sam Example", "first_name": "Sam", "date_of_birth": "4 May 2015", "year_group": "Year 6"},
        school={"name": "Example Primary School", "address": ""}, parent={"name": "Pat Example"},
        today=long_date(today()), lead_officer={"name": "Erin Officer"},
        sender={"name": "Erin Officer", "organisation": "Attendance Service"},
        record={"start": "1 September 2026", "end": long_date(today()), "attendance": "84.2%",
                "unauthorised_sessions": "12", "possible_sessions": "120"},
        support=[{"date": "2 October 2026", "text": "Weekly mentoring and a breakfast club place"}],
        extra={"nti": {"issued_on": "1 November 2026", "period_start": "2 November 2026",
                       "period_end": "4 December 2026", "improvement": "No unauthorised absence",
                       "unauthorised_sessions": "12", "qualifying_period": "the last 10 school weeks"},
               "penalty": {"number": "PN-2026-0001", "issued_on": "7 December 2026", "served_by": "post",
                           "deemed_served_on": "9 December 2026", "amount_first": "£80",
                           "pay_first_by": "30 December 2026", "amount_full": "£160",
                           "pay_full_by": "6 January 2027", "reason": "Unauthorised absence"}},
    )
