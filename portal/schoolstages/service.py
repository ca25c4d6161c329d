"""The school's own stages: which stage each pupil has reached this term (set-based, for a whole
school in a fixed number of queries), logging and correcting first-day calls and stage
meetings, and the summary that pre-fills a referral. Each change writes its audit entry in the
caller's transaction (`portal.transaction`); nothing here commits."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from portal import audit
from portal.attendance import calc, calendar
from portal.attendance.models import PupilWeek
from portal.attendance.summaries import Period, PupilSummary, periods
from portal.cases.stages import all_stages, stage_for_days, threshold_column
from portal.concurrency import check_version, flush_or_conflict
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.pupils.models import Pupil
from portal.schoolstages.models import MEETING_STAGES, STAGE_ACTIONS, CallOutcome, FirstDayCall, StageMeeting
from portal.timeutil import today

NOTE_MAX = 5000
ATTENDEES_MAX = 500
SCHOOL_STAGES = 4  # the school's own stages are positions 1 to 4 of the LA's stages
STAGE_DUE = "stage_due"  # the school view's key group: reached a stage without its call or meeting


@dataclass(frozen=True)
class PupilStage:
    """A pupil's school stage this term: the stage reached (None: none), days absent, and
    whether that stage's call (stage 1) or meeting (2 to 4) is recorded this term."""
    stage: int | None
    days: float
    recorded: bool = True

    @property
    def due(self) -> bool:
        """Reached a stage without its call or meeting recorded this term."""
        return self.stage is not None and not self.recorded

    @property
    def label(self) -> str:
        return f"Stage {self.stage}" if self.stage else "None"

    @property
    def action(self) -> str:
        return STAGE_ACTIONS.get(self.stage or 0, "")


def this_term(as_of: date | None = None) -> Period | None:
    """The term of the stages: the one today falls in, or the last one started (as the pupil page)."""
    return periods(as_of or today())[0]


def day_label(value: date) -> str:
    return value.strftime("%-d %b %Y")


def stages_of(school_id: int | None = None, pupil_ids: Iterable[int] | None = None,
              as_of: date | None = None) -> dict[int, PupilStage]:
    """Each pupil's school stage this term, for a school's pupils (or these pupils), in four
    queries whatever their number: the term's sessions missed (the weekly summaries, as the
    pupil page's "this term"), the stages, and the term's calls and meetings. Pupils with no
    absence this term are left out (no stage)."""
    as_of = as_of or today()
    term = this_term(as_of)
    if term is None or (school_id is None and pupil_ids is None):
        return {}
    column = threshold_column(term.start)
    if column is None:
        return {}
    ids = list(pupil_ids) if pupil_ids is not None else None
    if ids == []:
        return {}
    missed = (select(PupilWeek.pupil_id, func.sum(PupilWeek.possible) - func.sum(PupilWeek.attended))
              .where(PupilWeek.week_start >= calc.week_start(term.start), PupilWeek.week_start <= term.end,
                     PupilWeek.week_start <= as_of)
              .group_by(PupilWeek.pupil_id))
    if ids is not None:
        missed = missed.where(PupilWeek.pupil_id.in_(ids))
    if school_id is not None:
        missed = missed.join(Pupil, Pupil.id == PupilWeek.pupil_id).where(Pupil.school_id == school_id)
    days = {int(pid): int(n or 0) / 2 for pid, n in db.session.execute(missed) if n}
    return _with_records(days, term, column, school_id)


def _with_records(days: dict[int, float], term: Period, column: str, school_id: int | None) -> dict[int, PupilStage]:
    """The stage each pupil's days absent reach, and whether its call or meeting is logged this term."""
    if not days:
        return {}
    stages = [s for s in all_stages() if s.position <= SCHOOL_STAGES]
    reached = {pid: stage_for_days(d, stages, column) for pid, d in days.items()}
    reached_ids = [pid for pid, s in reached.items() if s is not None]
    called: set[int] = set()
    met: set[tuple[int, int]] = set()
    if reached_ids:
        # a whole school: its rows by the school (an index), not a list of a thousand ids
        call_scope = (FirstDayCall.school_id == school_id) if school_id is not None \
            else FirstDayCall.pupil_id.in_(reached_ids)
        meeting_scope = (StageMeeting.school_id == school_id) if school_id is not None \
            else StageMeeting.pupil_id.in_(reached_ids)
        called = set(db.session.scalars(select(FirstDayCall.pupil_id).distinct().where(
            call_scope, FirstDayCall.call_date >= term.start, FirstDayCall.call_date <= term.end)))
        met = {(int(p), int(s)) for p, s in db.session.execute(
            select(StageMeeting.pupil_id, StageMeeting.stage).distinct().where(
                meeting_scope, StageMeeting.meeting_date >= term.start, StageMeeting.meeting_date <= term.end))}
    out = {}
    for pid, stage in reached.items():
        if stage is None:
            out[pid] = PupilStage(None, days[pid])
        else:
            recorded = pid in called if stage.position == 1 else (pid, stage.position) in met
            out[pid] = PupilStage(stage.position, days[pid], recorded)
    return out


def stage_of(pupil: Pupil, as_of: date | None = None, summary: PupilSummary | None = None) -> PupilStage:
    """One pupil's school stage this term (from the pupil's `summary` when the page has it)."""
    if summary is None:
        return stages_of(pupil_ids=[pupil.id], as_of=as_of).get(pupil.id, PupilStage(None, 0))
    days = summary.term_totals.missed / 2
    column = threshold_column(summary.term.start) if summary.term else None
    if summary.term is None or column is None or not days:
        return PupilStage(None, days)
    return _with_records({pupil.id: days}, summary.term, column, None).get(pupil.id, PupilStage(None, days))


def due_pupil_ids(school_id: int, as_of: date | None = None) -> list[int]:
    """The school's pupils who have reached a stage without its call or meeting this term."""
    return sorted(pid for pid, s in stages_of(school_id, as_of=as_of).items() if s.due)


# ----- logging --------------------------------------------------------------------------------

CALL_FIELDS = ("call_date", "outcome", "note")
MEETING_FIELDS = ("stage", "meeting_date", "attendees", "targets", "support", "next_review")


def _check_call(pupil: Pupil, data: dict[str, Any]) -> None:
    problems: dict[str, str] = {}
    day = data.get("call_date")
    if day is None:
        problems["call_date"] = "Enter the date of the call"
    elif day > today():
        problems["call_date"] = "The date of the call must be today or in the past"
    elif not calendar.for_school(pupil.school_id).is_open(day):
        problems["call_date"] = "The date of the call must be a school day"
    if CallOutcome.get(data.get("outcome")) is None:
        problems["outcome"] = "Select the outcome of the call"
    if len(data.get("note") or "") > NOTE_MAX:
        problems["note"] = f"The note must be {NOTE_MAX} characters or fewer"
    if problems:
        raise Refused(problems=problems)


def _check_meeting(data: dict[str, Any]) -> None:
    problems: dict[str, str] = {}
    if data.get("stage") not in MEETING_STAGES:
        problems["stage"] = "Select the stage of the meeting: 2, 3 or 4"
    day = data.get("meeting_date")
    if day is None:
        problems["meeting_date"] = "Enter the date of the meeting"
    elif day > today():
        problems["meeting_date"] = "The date of the meeting must be today or in the past"
    attendees = (data.get("attendees") or "").strip()
    if not attendees:
        problems["attendees"] = "Enter who met"
    elif len(attendees) > ATTENDEES_MAX:
        problems["attendees"] = f"Who met must be {ATTENDEES_MAX} characters or fewer"
    if not (data.get("targets") or "").strip():
        problems["targets"] = "Enter the targets set"
    for name, label in (("targets", "The targets"), ("support", "The support offered")):
        if len(data.get(name) or "") > NOTE_MAX:
            problems[name] = f"{label} must be {NOTE_MAX} characters or fewer"
    review = data.get("next_review")
    if review is not None and day is not None and review <= day:
        problems["next_review"] = "The next review must be after the meeting"
    if problems:
        raise Refused(problems=problems)


def _apply_call(call: FirstDayCall, data: dict[str, Any]) -> None:
    call.call_date = data["call_date"]
    call.outcome = CallOutcome(data["outcome"])
    call.note = (data.get("note") or "").strip()


def _apply_meeting(meeting: StageMeeting, data: dict[str, Any]) -> None:
    meeting.stage = int(data["stage"])
    meeting.meeting_date = data["meeting_date"]
    meeting.attendees = (data.get("attendees") or "").strip()
    meeting.targets = (data.get("targets") or "").strip()
    meeting.support = (data.get("support") or "").strip()
    meeting.next_review = data.get("next_review")


def log_call(actor: User, pupil: Pupil, data: dict[str, Any]) -> FirstDayCall:
    """Log a first-day call home for a pupil of the actor's school."""
    _check_call(pupil, data)
    call = FirstDayCall(pupil_id=pupil.id, school_id=pupil.school_id, recorded_by_id=actor.id)
    _apply_call(call, data)
    db.session.add(call)
    db.session.flush()
    audit.record(actor, "first_day_call_logged", call,
                 summary=f"Pupil #{pupil.id}: {day_label(call.call_date)}, {call.outcome.label}")
    return call


def correct_call(actor: User, pupil: Pupil, call: FirstDayCall, data: dict[str, Any],
                 expected_version: int | None) -> FirstDayCall:
    check_version(call, expected_version)
    _check_call(pupil, data)
    before = audit.snapshot(call, CALL_FIELDS)
    _apply_call(call, data)
    flush_or_conflict(call)
    audit.record(actor, "first_day_call_corrected", call, changes=audit.diff(before, audit.snapshot(call, CALL_FIELDS)))
    return call


def log_meeting(actor: User, pupil: Pupil, data: dict[str, Any]) -> StageMeeting:
    """Log a stage meeting (2 tutor, 3 year leader, 4 senior leader) for a pupil of the actor's school."""
    _check_meeting(data)
    meeting = StageMeeting(pupil_id=pupil.id, school_id=pupil.school_id, recorded_by_id=actor.id)
    _apply_meeting(meeting, data)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "stage_meeting_logged", meeting,
                 summary=f"Pupil #{pupil.id}: stage {meeting.stage}, {day_label(meeting.meeting_date)}")
    return meeting


def correct_meeting(actor: User, meeting: StageMeeting, data: dict[str, Any],
                    expected_version: int | None) -> StageMeeting:
    check_version(meeting, expected_version)
    _check_meeting(data)
    before = audit.snapshot(meeting, MEETING_FIELDS)
    _apply_meeting(meeting, data)
    flush_or_conflict(meeting)
    audit.record(actor, "stage_meeting_corrected", meeting,
                 changes=audit.diff(before, audit.snapshot(meeting, MEETING_FIELDS)))
    return meeting


# ----- reading --------------------------------------------------------------------------------

def calls_for(pupil_id: int) -> list[FirstDayCall]:
    return list(db.session.scalars(select(FirstDayCall).where(FirstDayCall.pupil_id == pupil_id)
                                   .order_by(FirstDayCall.call_date.desc(), FirstDayCall.id.desc())))


def meetings_for(pupil_id: int) -> list[StageMeeting]:
    return list(db.session.scalars(select(StageMeeting).where(StageMeeting.pupil_id == pupil_id)
                                   .order_by(StageMeeting.meeting_date.desc(), StageMeeting.id.desc())))


def referral_summary(pupil: Pupil) -> tuple[str, int | None]:
    """(what the school has already done, as plain dated lines from its logged calls and meetings,
    oldest first; the highest stage reached: the stage this term's absence reaches or the
    highest meeting held, whichever is higher). Empty text when nothing is logged."""
    calls = list(reversed(calls_for(pupil.id)))
    meetings = list(reversed(meetings_for(pupil.id)))
    lines = []
    for call in calls:
        lines.append(f"{day_label(call.call_date)}: first-day call home, {call.outcome.label.lower()}"
                     + (f" ({call.note})" if call.note else "") + ".")
    for m in meetings:
        line = (f"{day_label(m.meeting_date)}: stage {m.stage} meeting ({STAGE_ACTIONS[m.stage].lower()}) "
                f"with {m.attendees}.")
        line += f" Targets: {m.targets}."
        if m.support:
            line += f" Support offered: {m.support}."
        if m.next_review:
            line += f" Next review {day_label(m.next_review)}."
        lines.append(line)
    reached = [stage_of(pupil).stage or 0, *(m.stage for m in meetings), 1 if calls else 0]
    return "\n".join(lines), (max(reached) or None)
