"""What a subject access export holds about one pupil: the pupil's record, attendance, sweeps
and Targeting Support Meetings here; casework (referrals, cases, chronology, actions, panels,
formal notices and steps, letters, documents) in `casework`.

Each section is a list of plain records (dicts of str, int, bool, None, lists and dicts), the
same for the HTML and the JSON. Every text passes through the `Redactor`, so no other child's
name or UPN is in the export; every person named is noted in `People` for redaction review."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from portal.attendance import summaries
from portal.attendance.models import AttendanceMark, MarkChange, PupilFlag, PupilWeek, RegisterCode, ThresholdCrossing
from portal.extensions import db
from portal.notifications.models import Notification
from portal.orgs.models import User
from portal.pupils.models import COHORT_FLAGS, Pupil
from portal.subject_access.redact import People, Redactor
from portal.sweeps.models import Encounter, FollowUp
from portal.timeutil import LONDON, as_utc
from portal.tsm.models import TsmItem

# a link to one record (a case, a referral, a follow-up...): only the subject's own are followed
RECORD_LINK = re.compile(r"^/[a-z-]+/\d+")


@dataclass
class Section:
    key: str     # the file name: sections/<key>.html, json/<key>.json
    title: str
    records: list[dict[str, Any]]
    note: str = ""
    tabular: bool = False  # many flat records of the same fields: shown as one table


@dataclass
class Export:
    pupil: Pupil
    sections: list[Section] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (path in the ZIP, content)
    people: People = field(default_factory=People)
    redactor: Redactor | None = None

    def add(self, key: str, title: str, records: list[dict[str, Any]], note: str = "", tabular: bool = False) -> None:
        assert self.redactor is not None
        self.sections.append(Section(key, title, [self.redactor.value(r) for r in records], note, tabular))


def plain(value: Any) -> Any:
    """A value as the export writes it: times in London (ISO, to the minute), dates ISO."""
    if isinstance(value, datetime):
        return as_utc(value).astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def record(**values: Any) -> dict[str, Any]:
    return {k: plain(v) for k, v in values.items()}


def build(pupil: Pupil) -> Export:
    from portal.subject_access import casework

    export = Export(pupil)
    export.redactor = Redactor(pupil)
    found = casework.Found.gather(pupil)
    _other_children(export.redactor, pupil, found)
    _pupil(export)
    _attendance(export)
    casework.add_sections(export, found)
    _sweeps(export)
    _tsm(export)
    _notifications(export, found)
    for section in export.sections:
        export.people.find_in(section.key, _texts(section.records))
    return export


def _texts(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)


def _other_children(redactor: Redactor, pupil: Pupil, found) -> None:
    """Every other child the records may name: siblings (a shared contact or home), the
    children of the cases the pupil is in, the other cases of the same panel meetings, and the
    other children met on the same sweeps."""
    from portal.cases import family

    other_ids = set(family.sibling_ids(pupil)) | found.other_pupil_ids
    encounters = list(db.session.scalars(select(Encounter).where(
        Encounter.sweep_id.in_(select(Encounter.sweep_id).where(Encounter.pupil_id == pupil.id)),
        or_(Encounter.pupil_id.is_(None), Encounter.pupil_id != pupil.id))))
    for met in encounters:
        redactor.add_name(met.forename, met.surname, parts=False)  # the matched pupil's own name: add_pupil
        if met.pupil_id is not None:
            other_ids.add(met.pupil_id)
    other_ids.discard(pupil.id)
    if other_ids:
        for other in db.session.scalars(select(Pupil).where(Pupil.id.in_(other_ids))):
            redactor.add_pupil(other)


def _pupil(export: Export) -> None:
    p, people = export.pupil, export.people
    export.add("pupil", "The pupil's record", [record(
        id=p.id, upn=p.upn, legal_forename=p.legal_forename, legal_surname=p.legal_surname,
        preferred_forename=p.preferred_forename, preferred_surname=p.preferred_surname,
        date_of_birth=p.date_of_birth, year_group=p.year_label, school=p.school.name, on_roll_from=p.on_roll_from,
        address=p.address, postcode=p.postcode,
        cohorts=[label for attr, label, _ in COHORT_FLAGS if getattr(p, attr)], recorded_at=p.created_at)])
    export.add("contacts", "Parents and carers", [record(
        name=people.person(c.name, "parent or carer", c.relationship_to_pupil), relationship=c.relationship_to_pupil,
        phone=c.phone, email=c.email, parental_responsibility=c.parental_responsibility) for c in p.contacts])
    export.add("enrolments", "Schools attended (enrolments)", [record(
        school=e.school.name, start_date=e.start_date, end_date=e.end_date) for e in p.enrolments])


def _attendance(export: Export) -> None:
    p = export.pupil
    summary = summaries.pupil_summary(p)
    totals = []
    for label, period, t in (("This term", summary.term, summary.term_totals),
                             ("This academic year", summary.year, summary.year_totals)):
        if period is not None:
            totals.append(record(period=f"{label}: {period.label}", start=period.start, end=period.end,
                                 possible_sessions=t.possible, attended=t.attended, approved_activity=t.approved,
                                 authorised_absence=t.authorised, unauthorised_absence=t.unauthorised, late=t.late,
                                 attendance_percent=t.percent_text))
    weeks = [record(week_starting=w.week_start, possible_sessions=w.possible, attended=w.attended,
                    approved_activity=w.approved, authorised_absence=w.authorised,
                    unauthorised_absence=w.unauthorised, late=w.late)
             for w in db.session.scalars(select(PupilWeek).where(PupilWeek.pupil_id == p.id)
                                         .order_by(PupilWeek.week_start))]
    flags = [record(flag=f.flag, from_date=f.from_date, to_date=f.to_date, figure=f.figure, detail=f.detail)
             for f in db.session.scalars(select(PupilFlag).where(PupilFlag.pupil_id == p.id)
                                         .order_by(PupilFlag.from_date, PupilFlag.id))]
    crossings = [record(event="Penalty notice threshold reached (10 unauthorised sessions in 10 school weeks)",
                        window_start=c.window_start, window_end=c.window_end, unauthorised_sessions=c.unauthorised)
                 for c in db.session.scalars(select(ThresholdCrossing).where(ThresholdCrossing.pupil_id == p.id)
                                             .order_by(ThresholdCrossing.window_start))]
    export.add("attendance_summary", "Attendance summaries",
               totals + weeks + flags + crossings,
               note="Totals for this term and year, then week by week, then statutory flags and threshold crossings.")
    meanings = {c.code: (c.meaning, c.category) for c in db.session.scalars(select(RegisterCode))}
    marks = [record(date=m.date, session=m.session, code=m.code, meaning=meanings.get(m.code, ("", ""))[0],
                    counts_as=meanings.get(m.code, ("", ""))[1])
             for m in db.session.scalars(select(AttendanceMark).where(AttendanceMark.pupil_id == p.id)
                                         .order_by(AttendanceMark.date, AttendanceMark.session))]
    export.add("attendance_marks", "Attendance marks (the register)", marks, tabular=True)
    changes = [record(date=c.date, session=c.session, original_code=c.old_code, amended_code=c.new_code,
                      reason=c.reason, amended_at=c.changed_at,
                      amended_by=export.people.person(c.changed_by_name, "staff", c.changed_by_position or ""),
                      position=c.changed_by_position)
               for c in db.session.scalars(select(MarkChange).where(MarkChange.pupil_id == p.id)
                                           .order_by(MarkChange.date, MarkChange.session, MarkChange.id))]
    export.add("attendance_amendments", "Amended attendance marks", changes, tabular=True)


def _sweeps(export: Export) -> None:
    p, people = export.pupil, export.people
    rows = []
    for met in db.session.scalars(select(Encounter).where(Encounter.pupil_id == p.id).order_by(Encounter.seen_at)):
        sweep = met.sweep
        follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.encounter_id == met.id,
                                                               FollowUp.pupil_id == p.id).order_by(FollowUp.id))
        rows.append(record(
            sweep_date=sweep.held_on, sweep_time=sweep.window, sweep_area=sweep.area,
            sweep_lead=people.user(sweep.lead),
            officers=[people.user(u) for u in sweep.officer_users], seen_at=met.seen_at, location=met.location,
            officer=people.user(met.officer), recorded_by=people.user(met.recorded_by),
            name_given=met.child_name, date_of_birth_given=met.date_of_birth, age_given=met.age,
            school=met.school_label, exclusion=met.label("exclusion"), accompanied=met.label("accompanied"),
            reason=met.reason, reason_accepted=met.reason_accepted, outcome=met.label("outcome"),
            outcome_note=met.outcome_note, safeguarding_concern=met.concern, concern_note=met.concern_note,
            match=met.match_status.label, matched_by=people.user(met.matched_by), matched_at=met.matched_at,
            match_note=met.match_note,
            follow_ups=[record(status=f.status.label, due_on=f.due_on, school=f.school.name, ewo=people.user(f.ewo),
                               contact_outcome=f.contact_outcome, outcome=f.outcome,
                               completed_by=people.user(f.completed_by), completed_at=f.completed_at,
                               cancelled_reason=f.cancelled_reason) for f in follow_ups]))
    export.add("sweeps", "Truancy sweep encounters", rows,
               note="Only the encounters matched to this pupil; other children met on the same sweeps are left out.")


def _tsm(export: Export) -> None:
    p, people = export.pupil, export.people
    rows = [record(meeting_at=i.meeting.held_at, school=i.meeting.school.name, discussed=i.discussed,
                   next_step=i.next_step.label,
                   owner=people.user(i.owner_user) or (i.owner_org.name if i.owner_org else ""),
                   due_date=i.due_date, note=i.note, status=i.status.label, recorded_at=i.recorded_at,
                   completed_by=people.user(i.completed_by), completed_at=i.completed_at)
            for i in db.session.scalars(select(TsmItem).where(TsmItem.pupil_id == p.id).order_by(TsmItem.id))]
    export.add("support_meetings", "Targeting Support Meetings", rows)


def _notifications(export: Export, found) -> None:
    """The in-app notifications about the pupil's own records: those linking to the pupil's
    own cases, referrals or sweep follow-ups, and those naming the pupil that link to no other
    record (a Targeting Support Meeting action). E-mails name no child: they are not included."""
    from portal.cases.models import Referral
    from portal.notifications.notify import child_label

    p = export.pupil
    own = {f"/cases/{c.id}" for c in found.own_cases} | {f"/pupils/{p.id}"}
    own |= {f"/referrals/{i}" for i in db.session.scalars(select(Referral.id).where(Referral.pupil_id == p.id))}
    own |= {f"/follow-ups/{i}" for i in db.session.scalars(select(FollowUp.id).where(FollowUp.pupil_id == p.id))}
    named = f": {child_label(p)}"
    rows = []
    maybe = [Notification.text.endswith(named, autoescape=True), Notification.link.in_(own)]
    maybe += [Notification.link.startswith(link + mark, autoescape=True) for link in own for mark in "#?"]
    for note, user in db.session.execute(select(Notification, User).join(User, User.id == Notification.user_id)
                                         .where(or_(*maybe)).order_by(Notification.created_at, Notification.id)):
        base = note.link.split("#", 1)[0].split("?", 1)[0]
        record_link = RECORD_LINK.match(base)
        if (record_link and record_link.group(0) in own) or (not record_link and note.text.endswith(named)):
            rows.append(record(to=export.people.user(user), text=note.text, link=note.link,
                               created_at=note.created_at, read_at=note.read_at))
    export.add("notifications", "Notifications to staff", rows,
               note="In-app notifications about this pupil's own records.")
