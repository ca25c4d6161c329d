"""Sweep use cases: run a sweep, record the children met, match each to a pupil (or find
them not on roll), follow each match up. Each writes with its audit entry in the caller's transaction
(`portal.transaction`); what lands on a pupil's case lands in the same transaction."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm.attributes import flag_modified

from portal import access, audit
from portal.attendance import calendar
from portal.cases import service as cases
from portal.concurrency import check_version, conflict_on_stale, flush_or_conflict
from portal.errors import Conflict, Refused
from portal.extensions import db
from portal.notifications import notify
from portal.orgs.models import Organisation, User
from portal.pupils.models import Pupil
from portal.statements import built_once, rows_of
from portal.sweeps import match_search, matching
from portal.sweeps.match_search import MatchSearch
from portal.sweeps.models import (
    ACCOMPANIED,
    CONTACT_OUTCOMES,
    EXCLUSION,
    LABELS,
    OUTCOMES,
    SCHOOL_STATUSES,
    Encounter,
    FollowUp,
    FollowUpStatus,
    MatchStatus,
    Sweep,
    SweepAgency,
    SweepOfficer,
)
from portal.timeutil import LONDON, as_utc, utcnow


def _officer(user: User | None) -> bool:
    """Police officers and EWOs lead and work on sweeps (`take_part_in_sweeps`)."""
    return user is not None and user.active and access.can(user, "take_part_in_sweeps")
FOLLOW_UP_SCHOOL_DAYS = 1
POOL_LIMIT = 5000  # pupils scored for one encounter




def seen_on(encounter: Encounter) -> date:
    return as_utc(encounter.seen_at).astimezone(LONDON).date()


def follow_up_due(school_id: int, seen: date) -> date:
    """When a follow-up of a child seen on `seen` is due: FOLLOW_UP_SCHOOL_DAYS school days
    later by the school's own calendar (terms, bank holidays, its INSET and closure days)."""
    return calendar.for_school(school_id).add_school_days(seen, FOLLOW_UP_SCHOOL_DAYS)


# ----- sweeps --------------------------------------------------------------------------------

def _sweep_problems(starts_at: time, ends_at: time, area: str, lead: User | None,
                    officers: list[User]) -> list[tuple[str, str]]:
    problems = []
    if ends_at <= starts_at:
        problems.append(("ends_at", "The end time must be after the start time"))
    if not area.strip():
        problems.append(("area", "Enter the area or route"))
    if not _officer(lead):
        problems.append(("lead_id", "Select a police officer or education welfare officer to lead the sweep"))
    if not all(_officer(o) for o in officers):
        problems.append(("officers", "Officers taking part must be police or education welfare officers"))
    return problems


def create_sweep(actor: User, *, held_on: date, starts_at: time, ends_at: time, area: str, lead: User | None,
                 officers: list[User], agencies: list[Organisation], notes: str = "") -> Sweep:
    problems = _sweep_problems(starts_at, ends_at, area, lead, officers)
    if problems:
        raise Refused("The sweep was not saved.", problems)
    assert lead is not None  # _officer(None) is False, so a missing lead was refused above
    sweep = Sweep(held_on=held_on, starts_at=starts_at, ends_at=ends_at, area=area.strip(), lead_id=lead.id,
                  notes=notes.strip(), created_by_id=actor.id)
    people = {u.id: u for u in [lead, *officers] + ([actor] if _officer(actor) else [])}
    orgs = {o.id for o in agencies} | {u.organisation_id for u in people.values()}
    sweep.officers = [SweepOfficer(user_id=uid) for uid in people]
    sweep.agencies = [SweepAgency(organisation_id=oid) for oid in sorted(orgs)]
    db.session.add(sweep)
    db.session.flush()
    audit.record(actor, "sweep_created", sweep, summary=f"{held_on.isoformat()} {area.strip()[:100]}")
    db.session.flush()
    return sweep


@conflict_on_stale
def edit_sweep(actor: User, sweep: Sweep, expected_version: int | None, *, held_on: date, starts_at: time,
               ends_at: time, area: str, lead: User | None, officers: list[User], agencies: list[Organisation],
               notes: str = "") -> Sweep:
    """The lead corrects the sweep's date, window, area, team or notes (versioned: a stale
    form is a Conflict). Once children are recorded on it the date stays (each encounter was
    met on that day); the people who recorded them stay in the team, so they keep their records."""
    check_version(sweep, expected_version)
    problems = _sweep_problems(starts_at, ends_at, area, lead, officers)
    recorders = set(db.session.scalars(select(Encounter.recorded_by_id).where(Encounter.sweep_id == sweep.id)))
    if held_on != sweep.held_on and recorders:
        problems.append(("held_on", "Children have been recorded on this sweep, so its date cannot change. "
                                    "Plan a new sweep for the other day"))
    if problems:
        raise Refused("The sweep was not saved.", problems)
    assert lead is not None  # refused above
    before = {"held_on": sweep.held_on.isoformat(), "window": sweep.window, "area": sweep.area,
              "lead_id": sweep.lead_id, "officers": sorted(o.user_id for o in sweep.officers),
              "agencies": sorted(a.organisation_id for a in sweep.agencies), "notes": sweep.notes}
    sweep.held_on, sweep.starts_at, sweep.ends_at = held_on, starts_at, ends_at
    sweep.area, sweep.lead_id, sweep.notes = area.strip(), lead.id, notes.strip()
    people = {lead.id} | {o.id for o in officers} | recorders
    if _officer(actor) and actor.id == sweep.lead_id:
        people.add(actor.id)
    users = db.session.scalars(select(User).where(User.id.in_(people))).all()
    orgs = {o.id for o in agencies} | {u.organisation_id for u in users}
    keep_people = {o.user_id: o for o in sweep.officers}
    sweep.officers = [keep_people.get(uid) or SweepOfficer(user_id=uid) for uid in sorted(people)]
    keep_orgs = {a.organisation_id: a for a in sweep.agencies}
    sweep.agencies = [keep_orgs.get(oid) or SweepAgency(organisation_id=oid) for oid in sorted(orgs)]
    after = {"held_on": held_on.isoformat(), "window": sweep.window, "area": sweep.area, "lead_id": lead.id,
             "officers": sorted(people), "agencies": sorted(orgs), "notes": sweep.notes}
    changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    if changes:
        flag_modified(sweep, "area")  # the team alone changes no column: the version still moves on
        audit.record(actor, "sweep_changed", sweep, changes=changes)
        flush_or_conflict(sweep)
    return sweep


@built_once
def _team():
    from sqlalchemy import Integer, bindparam, literal_column, union_all

    sweep_id = bindparam("sweep_id", type_=Integer)
    part, zero = literal_column("0", Integer).label("part"), literal_column("0", Integer).label("pos")
    team = union_all(
        select(part, zero, User.id.label("ref"), User.name.label("name")).where(User.id == bindparam("lead_id")),
        select(literal_column("1", Integer), SweepOfficer.id, User.id, User.name)
        .join(User, User.id == SweepOfficer.user_id).where(SweepOfficer.sweep_id == sweep_id),
        select(literal_column("2", Integer), SweepAgency.id, Organisation.id, Organisation.name)
        .join(Organisation, Organisation.id == SweepAgency.organisation_id).where(SweepAgency.sweep_id == sweep_id))
    return team.order_by(team.selected_columns.part, team.selected_columns.pos)


def sweep_team(sweep: Sweep) -> tuple[str, list[str], list[str]]:
    """The sweep page's team as names, in one statement: the lead's, the people's (`sweep_people`:
    the lead, then the officers) and the agencies' (in the order they were added)."""
    lead, agencies = "", []
    people: dict[int, str] = {}
    for part, _, ref, name in rows_of(_team(), {"sweep_id": sweep.id, "lead_id": sweep.lead_id}):
        if part == 2:
            agencies.append(name)
        else:
            lead = name if part == 0 else lead
            people.setdefault(ref, name)
    return lead, list(people.values()), agencies


def sweep_people(sweep: Sweep) -> list[User]:
    """The lead and the officers, lead first."""
    people = {sweep.lead_id: sweep.lead}
    for o in sweep.officers:
        people.setdefault(o.user_id, o.user)
    return list(people.values())


# ----- encounters ----------------------------------------------------------------------------

def previous_defaults(actor: User, sweep: Sweep) -> dict:
    """The location and officer of the last encounter this user recorded in this sweep (the
    next child is usually met nearby, by the same officer)."""
    last = db.session.scalar(select(Encounter).where(Encounter.sweep_id == sweep.id,
                                                     Encounter.recorded_by_id == actor.id)
                             .order_by(Encounter.id.desc()).limit(1))
    if last is not None:
        return {"location": last.location, "officer_id": last.officer_id}
    people = sweep_people(sweep)
    officer = actor.id if any(p.id == actor.id for p in people) else sweep.lead_id
    return {"location": "", "officer_id": officer}


def default_seen_time(sweep: Sweep, now: datetime | None = None) -> time:
    """The time an encounter form starts with: now (to the minute) while the sweep is on,
    otherwise the start of its window (a record typed up later, or a form opened early)."""
    here = as_utc(now or utcnow()).astimezone(LONDON)
    clock = here.time().replace(second=0, microsecond=0, tzinfo=None)
    if here.date() == sweep.held_on and in_window(sweep, clock):
        return clock
    return sweep.starts_at


def in_window(sweep: Sweep, seen: time) -> bool:
    """Whether a time falls within the sweep's window (its start to its end, inclusive)."""
    return sweep.starts_at <= seen.replace(tzinfo=None) <= sweep.ends_at


def outside_window_warning(sweep: Sweep, seen: time) -> str | None:
    """A warning (not a refusal: children are met on the way back too) when a time falls
    outside the sweep's window."""
    if in_window(sweep, seen):
        return None
    return (f"The time {seen.strftime('%H:%M')} is outside the sweep's window ({sweep.window}). "
            "Check it is right.")


def _encounter_problems(sweep: Sweep, data: dict) -> list[tuple[str, str]]:
    problems = []
    if not data.get("forename", "").strip():
        problems.append(("forename", "Enter the child's first name (as given)"))
    if not data.get("surname", "").strip():
        problems.append(("surname", "Enter the child's surname (as given)"))
    dob, age = data.get("date_of_birth"), data.get("age")
    if dob is None and age is None:
        problems.append(("date_of_birth", "Enter the date of birth or the child's age"))
    if dob is not None:
        years = matching.age_on(dob, sweep.held_on)
        if dob > sweep.held_on or not 3 <= years <= 19:
            problems.append(("date_of_birth", "Enter a date of birth of a child of school age"))
    if age is not None and not 3 <= age <= 19:
        problems.append(("age", "Enter an age between 4 and 18"))
    if data.get("officer_id") not in {p.id for p in sweep_people(sweep)}:
        problems.append(("officer_id", "Select the officer who met the child"))
    if not data.get("location", "").strip():
        problems.append(("location", "Enter where the child was met"))
    status = data.get("school_status")
    if status not in dict(SCHOOL_STATUSES):
        problems.append(("school", "Select the school the child gave, or what they said"))
    elif status == "school" and not data.get("school_id"):
        problems.append(("school", "Select the school the child gave"))
    elif status == "other_school" and not data.get("school_given", "").strip():
        problems.append(("school_given", "Enter the name of the school the child gave"))
    if data.get("exclusion", "unknown") not in dict(EXCLUSION):
        problems.append(("exclusion", "Select the exclusion status"))
    if data.get("accompanied") not in dict(ACCOMPANIED):
        problems.append(("accompanied", "Select who the child was with"))
    if data.get("outcome") not in dict(OUTCOMES):
        problems.append(("outcome", "Select the outcome"))
    elif data["outcome"] == "other" and not data.get("outcome_note", "").strip():
        problems.append(("outcome_note", "Say what happened"))
    if data.get("concern") and not data.get("concern_note", "").strip():
        problems.append(("concern_note", "Describe the safeguarding concern"))
    return problems


def record_encounter(actor: User, sweep: Sweep, data: dict) -> Encounter:
    """data: seen_time, location, officer_id, forename, surname, date_of_birth, age,
    school_status, school_id, school_given, exclusion, accompanied, reason, reason_accepted,
    outcome, outcome_note, concern, concern_note."""
    problems = _encounter_problems(sweep, data)
    if problems:
        raise Refused("The encounter was not saved.", problems)
    # Stored in UTC: SQLite keeps no offset, and a London summer time read back as UTC is an hour out.
    seen_at = datetime.combine(sweep.held_on, data["seen_time"], tzinfo=LONDON).astimezone(timezone.utc)
    encounter = Encounter(
        sweep_id=sweep.id, seen_at=seen_at, location=data["location"].strip(), officer_id=data["officer_id"],
        recorded_by_id=actor.id, forename=data["forename"].strip(), surname=data["surname"].strip(),
        date_of_birth=data.get("date_of_birth"), age=data.get("age"), school_status=data["school_status"],
        school_id=data.get("school_id") if data["school_status"] == "school" else None,
        school_given=(data.get("school_given") or "").strip() if data["school_status"] == "other_school" else "",
        exclusion=data.get("exclusion") or "unknown", accompanied=data["accompanied"],
        reason=(data.get("reason") or "").strip(), reason_accepted=bool(data.get("reason_accepted")),
        outcome=data["outcome"], outcome_note=(data.get("outcome_note") or "").strip(),
        concern=bool(data.get("concern")), concern_note=(data.get("concern_note") or "").strip()
        if data.get("concern") else "")
    db.session.add(encounter)
    db.session.flush()
    # No child's details in the audit summary: the record itself holds them.
    audit.record(actor, "encounter_recorded", encounter, summary=f"sweep #{sweep.id}"
                 + (", safeguarding concern" if encounter.concern else ""))
    db.session.flush()
    return encounter


# ----- matching ------------------------------------------------------------------------------

def given(encounter: Encounter) -> matching.Given:
    return matching.Given(encounter.forename, encounter.surname, encounter.date_of_birth, encounter.age,
                          encounter.school_id, seen_on(encounter))


def _candidate(p: Pupil) -> matching.Candidate:
    return matching.Candidate(p.id, (p.legal_forename, p.preferred_forename or ""),
                              (p.legal_surname, p.preferred_surname or ""), p.date_of_birth, p.school_id,
                              p.school.name)


def candidate_pool(encounter: Encounter, search: MatchSearch | None = None) -> tuple[list[Pupil], set[int]]:
    """Pupils worth scoring: born near the date (or age) given, or at the school given with a
    surname of the same initial; plus those a search finds (a name with a date of birth or an
    age: see `match_search`). Matching is LA-wide: a child is often at a school other than the
    one they name."""
    from sqlalchemy.orm import selectinload

    on = seen_on(encounter)
    conditions: list[ColumnElement[bool]] = []
    if encounter.date_of_birth is not None:
        dob = encounter.date_of_birth
        conditions.append(Pupil.date_of_birth.between(dob - timedelta(days=400), dob + timedelta(days=400)))
        try:
            conditions.append(Pupil.date_of_birth == date(dob.year, dob.day, dob.month))
        except ValueError:
            pass
    elif encounter.age is not None:
        conditions.append(Pupil.date_of_birth.between(on - timedelta(days=int(365.25 * (encounter.age + 2))),
                                                      on - timedelta(days=int(365.25 * (encounter.age - 1)))))
    initial = matching.normalise(encounter.surname)[:1]
    if encounter.school_id is not None:
        conditions.append((Pupil.school_id == encounter.school_id)
                          & func.lower(Pupil.legal_surname).like(f"{initial}%"))
    if not conditions:
        conditions.append(func.lower(Pupil.legal_surname).like(f"{initial}%"))
    # Capped for a large LA; the exact date of birth given, then the school given, come first, so
    # the cap never drops the likeliest pupils.
    first = []
    if encounter.date_of_birth is not None:
        first.append(sql_case((Pupil.date_of_birth == encounter.date_of_birth, 0), else_=1))
    if encounter.school_id is not None:
        first.append(sql_case((Pupil.school_id == encounter.school_id, 0), else_=1))
    pool = db.session.scalars(select(Pupil).where(or_(*conditions)).options(selectinload(Pupil.school))
                              .order_by(*first, Pupil.id).limit(POOL_LIMIT)).all()
    found: set[int] = set()
    if search is not None:
        extra = match_search.found_pupils(search, on)
        found = {p.id for p in extra}
        known = {p.id for p in pool}
        pool = list(pool) + [p for p in extra if p.id not in known]
    return list(pool), found


def suggestions(encounter: Encounter, search: MatchSearch | None = None) -> list[tuple[matching.Suggestion, Pupil]]:
    """The suggested pupils, best first, and any the search found (listed whatever their score)."""
    pool, found = candidate_pool(encounter, search)
    by_id = {p.id: p for p in pool}
    ranked = matching.suggest(given(encounter), [_candidate(p) for p in pool], always=found)
    return [(s, by_id[s.candidate.id]) for s in ranked]


def _chronology_text(e: Encounter) -> str:
    when = as_utc(e.seen_at).astimezone(LONDON).strftime("%-d %b %Y %H:%M")
    text = (f"Found out of school in a truancy sweep ({e.sweep.area}): {e.location}, {when}. "
            f"{e.label('accompanied')}. Reason given: {e.reason or 'none'} "
            f"({'accepted' if e.reason_accepted else 'not accepted'}). Outcome: {e.label('outcome')}"
            + (f" – {e.outcome_note}" if e.outcome_note else "") + ".")
    if e.concern:
        text += f" Safeguarding concern raised: {e.concern_note}"
    return text


@conflict_on_stale
def confirm_match(actor: User, encounter: Encounter, pupil: Pupil, expected_version: int | None,
                  note: str = "") -> FollowUp:
    """The child is this pupil: a follow-up for the pupil's own school and its named EWO (both
    told), due the next school day; on an open case the encounter lands in the chronology and
    the lead is told. Whoever matched, the follow-up goes there: an EWO who matches a pupil of a
    school they do not serve sees neither the follow-up nor the case afterwards, only the school
    (`access.sees_matched_pupil`)."""
    check_version(encounter, expected_version)
    if encounter.match_status == MatchStatus.matched:
        raise Conflict(encounter)
    school = pupil.school
    before = encounter.match_status
    encounter.match_status = MatchStatus.matched
    encounter.pupil_id = pupil.id
    encounter.matched_by_id = actor.id
    encounter.matched_at = utcnow()
    encounter.match_note = note.strip()
    follow_up = FollowUp(encounter_id=encounter.id, pupil_id=pupil.id, school_id=school.id,
                         ewo_id=school.named_ewo_id,
                         due_on=follow_up_due(school.id, seen_on(encounter)))
    db.session.add(follow_up)
    db.session.flush()
    case = cases.open_case_for(pupil.id)
    if case is not None:
        # The police see the entry (if the case is shared with them) only when a police officer
        # matched it (their own record); otherwise nobody chose to share it, so they do not.
        text = _chronology_text(encounter)
        cases.entry_from_elsewhere(case, actor, "sweep", text,
                                   police_text=text if access.police_see_own_entries(actor) else None,
                                   occurred_at=encounter.seen_at)
        notify.notify_users([case.lead], "A truancy sweep encounter was added to a case you lead",
                            f"/cases/{case.id}#chronology", about=pupil)
    link = f"/follow-ups/{follow_up.id}"
    notify.notify_org(school.id, "Found out of school in a truancy sweep: contact the parent or carer by the next "
                                 "school day", link, about=pupil)
    if school.named_ewo is not None:
        notify.notify_users([school.named_ewo], "Truancy sweep follow-up", link, about=pupil)
    audit.record(actor, "encounter_matched", encounter,
                 changes={"match_status": {"from": before, "to": MatchStatus.matched},
                          "pupil_id": {"from": None, "to": pupil.id}})
    flush_or_conflict(encounter)
    if before == MatchStatus.no_match:  # a child on no roll found after all: a CME enquiry closes
        from portal.cme import encounters as cme_encounters

        cme_encounters.close_on_match(actor, encounter, pupil)
    return follow_up


@conflict_on_stale
def mark_not_on_roll(actor: User, encounter: Encounter, expected_version: int | None, note: str = "") -> None:
    """No pupil on any roll fits: a possible child missing education, listed for the LA."""
    check_version(encounter, expected_version)
    if encounter.match_status != MatchStatus.unmatched:
        raise Conflict(encounter)
    encounter.match_status = MatchStatus.no_match
    encounter.matched_by_id = actor.id
    encounter.matched_at = utcnow()
    encounter.match_note = note.strip()
    audit.record(actor, "encounter_not_on_roll", encounter,
                 changes={"match_status": {"from": MatchStatus.unmatched, "to": MatchStatus.no_match}})
    flush_or_conflict(encounter)


def _sweep_entries(encounter: Encounter, follow_up: FollowUp | None, pupil_id: int) -> list:
    """The chronology entries a match wrote on the pupil's open case: the encounter itself, and
    the follow-up's outcome when the school recorded one."""
    from portal.cases.models import ChronologyEntry

    case = cases.open_case_for(pupil_id)
    if case is None:
        return []
    entries = db.session.scalars(select(ChronologyEntry).where(
        ChronologyEntry.case_id == case.id, ChronologyEntry.kind == "sweep",
        ChronologyEntry.struck_at.is_(None))).all()
    prefix = f"Follow-up of the truancy sweep encounter on {seen_on(encounter).strftime('%-d %b %Y')}:"
    return [e for e in entries
            if as_utc(e.occurred_at) == as_utc(encounter.seen_at) and e.text == _chronology_text(encounter)
            or (follow_up is not None and follow_up.status == FollowUpStatus.done
                and e.author_id == follow_up.completed_by_id and e.text.startswith(prefix))]


@conflict_on_stale
def undo_match(actor: User, encounter: Encounter, expected_version: int | None, reason: str) -> FollowUp | None:
    """A wrong match (or "not on roll") is undone by an EWO or the LA, with a reason: the
    encounter waits for a match again; its follow-up is cancelled (kept, with who, when and why;
    the school and its EWO told); what the match wrote on the pupil's case is struck through.
    Returns the cancelled follow-up, if any."""
    check_version(encounter, expected_version)
    if encounter.match_status == MatchStatus.unmatched:
        raise Conflict(encounter)
    if not reason.strip():
        raise Refused("Say why the match is undone.", {"reason": "Enter why the match was wrong"})
    reason = reason.strip()
    before, pupil_id = encounter.match_status, encounter.pupil_id
    follow_up = encounter.follow_up
    if pupil_id is not None:
        for entry in _sweep_entries(encounter, follow_up, pupil_id):
            cases.strike_entry(actor, entry, f"The truancy sweep match was wrong and has been undone: {reason}")
    if follow_up is not None:
        was = follow_up.status
        follow_up.status = FollowUpStatus.cancelled
        follow_up.cancelled_reason, follow_up.cancelled_by_id, follow_up.cancelled_at = reason, actor.id, utcnow()
        audit.record(actor, "follow_up_cancelled", follow_up,
                     changes={"status": {"from": was, "to": FollowUpStatus.cancelled}}, summary=reason[:200])
        link = f"/follow-ups/{follow_up.id}"
        notify.notify_org(follow_up.school_id, "A truancy sweep follow-up was cancelled: the child met was "
                                               "not your pupil after all", link)
        if follow_up.school.named_ewo is not None:
            notify.notify_users([follow_up.school.named_ewo], "A truancy sweep follow-up for one of your schools "
                                                              "was cancelled: the match was wrong", link)
    encounter.match_status = MatchStatus.unmatched
    encounter.pupil_id = None
    encounter.matched_by_id = None
    encounter.matched_at = None
    encounter.match_note = ""
    audit.record(actor, "encounter_match_undone", encounter,
                 changes={"match_status": {"from": before, "to": MatchStatus.unmatched},
                          "pupil_id": {"from": pupil_id, "to": None}}, summary=reason[:200])
    flush_or_conflict(encounter)
    if follow_up is not None:
        flush_or_conflict(follow_up)
    return follow_up


# ----- follow-ups ----------------------------------------------------------------------------

@conflict_on_stale
def record_follow_up(actor: User, follow_up: FollowUp, contact_outcome: str, outcome: str,
                     expected_version: int | None) -> None:
    check_version(follow_up, expected_version)
    if follow_up.status != FollowUpStatus.open:
        raise Conflict(follow_up)
    problems = []
    if contact_outcome not in dict(CONTACT_OUTCOMES):
        problems.append(("contact_outcome", "Select what happened when you contacted the parent or carer"))
    if not outcome.strip():
        problems.append(("outcome", "Record the outcome"))
    if problems:
        raise Refused("The follow-up was not saved.", problems)
    encounter = follow_up.encounter
    follow_up.status = FollowUpStatus.done
    follow_up.contact_outcome = contact_outcome
    follow_up.outcome = outcome.strip()
    follow_up.completed_by_id = actor.id
    follow_up.completed_at = utcnow()
    case = cases.open_case_for(follow_up.pupil_id)
    if case is not None:
        cases.entry_from_elsewhere(case, actor, "sweep", f"Follow-up of the truancy sweep encounter on "
                                   f"{seen_on(encounter).strftime('%-d %b %Y')}: "
                                   f"{LABELS['contact_outcome'][contact_outcome]}. {outcome.strip()}",
                                   police_text=None, occurred_at=utcnow())  # the police see no follow-up
    audit.record(actor, "follow_up_recorded", follow_up, changes={"status": {"from": FollowUpStatus.open,
                                                                                     "to": FollowUpStatus.done}})
    flush_or_conflict(follow_up)


def refer_prompt(follow_up: FollowUp) -> list[str]:
    """Why the school should consider referring the pupil: no open case, and the encounter
    raised a safeguarding concern or the pupil's attendance is below the LA's ambition (at
    risk, persistent or severe absence). Empty when there is nothing to prompt."""
    from portal.attendance import calc
    from portal.attendance.summaries import pupil_summary
    from portal.cases.models import Referral, ReferralStatus

    if cases.open_case_for(follow_up.pupil_id) is not None:
        return []
    pending = db.session.scalar(select(Referral.id).where(
        Referral.pupil_id == follow_up.pupil_id, Referral.status.in_(
            (ReferralStatus.draft, ReferralStatus.submitted, ReferralStatus.more_info))).limit(1))
    if pending is not None:
        return []
    reasons = []
    if follow_up.encounter.concern:
        reasons.append("the encounter raised a safeguarding concern")
    totals = pupil_summary(follow_up.pupil).year_totals
    band = calc.band(totals.attended, totals.possible)
    if band in (calc.AT_RISK, calc.PERSISTENT, calc.SEVERE):
        reasons.append(f"attendance this year is {calc.percent_label(totals.attended, totals.possible)} "
                       f"({calc.band_labels()[band].lower()})")
    return reasons
