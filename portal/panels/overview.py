"""The panel overview for the chair and LA admins: cases by decision type, the panel's agreed
actions by agency (open / overdue / done), and impact: each reviewed pupil's attendance in
the 6 school weeks before the decision against the 6 school weeks after it.

A "school week" is a week in which the pupil had possible sessions (`PupilWeek.possible > 0`:
holidays and weeks off roll do not count). The week of the meeting itself is in neither
window: it mixes days before and after the decision. Until a week has passed since the
decision there is nothing to compare: such decisions are listed as "not yet measurable" and
left out of the averages."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.attendance.models import PupilWeek
from portal.cases.models import Action, Case
from portal.extensions import db
from portal.orgs.models import User
from portal.panels.models import DECISIONS, AgendaItem, PanelDecision, PanelMeeting
from portal.panels.rules import meeting_date
from portal.pupils.models import Pupil

WINDOW_WEEKS = 6


@dataclass
class Impact:
    decision: PanelDecision
    day: date
    before: float | None
    after: float | None
    weeks_before: int
    weeks_after: int

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


def _percent(weeks: list[PupilWeek]) -> float | None:
    possible = sum(w.possible for w in weeks)
    return round(100 * sum(w.attended for w in weeks) / possible, 1) if possible else None


def windows(weeks: list[PupilWeek], day: date) -> tuple[list[PupilWeek], list[PupilWeek]]:
    """The pupil's school weeks (sorted by week) before and after the week of `day`."""
    monday = day - timedelta(days=day.weekday())
    school_weeks = [w for w in weeks if w.possible > 0]
    before = [w for w in school_weeks if w.week_start < monday][-WINDOW_WEEKS:]
    after = [w for w in school_weeks if w.week_start > monday][:WINDOW_WEEKS]
    return before, after


def impacts(decisions: list[PanelDecision]) -> list[Impact]:
    pupil_ids = {d.case.pupil_id for d in decisions}
    weeks: dict[int, list[PupilWeek]] = defaultdict(list)
    if pupil_ids:
        for week in db.session.scalars(select(PupilWeek).where(PupilWeek.pupil_id.in_(pupil_ids))
                                       .order_by(PupilWeek.pupil_id, PupilWeek.week_start)):
            weeks[week.pupil_id].append(week)
    result = []
    for decision in decisions:
        day = meeting_date(decision.item.meeting)
        before, after = windows(weeks[decision.case.pupil_id], day)
        result.append(Impact(decision, day, _percent(before), _percent(after), len(before), len(after)))
    return result


def decisions_in(meetings: Select) -> list[PanelDecision]:
    """The decisions taken at the given meetings, newest meeting first."""
    ids = meetings.with_only_columns(PanelMeeting.id)
    return list(db.session.scalars(
        select(PanelDecision).join(AgendaItem, AgendaItem.id == PanelDecision.agenda_item_id)
        .join(PanelMeeting, PanelMeeting.id == AgendaItem.meeting_id)
        .where(PanelMeeting.id.in_(ids))
        .options(selectinload(PanelDecision.item).selectinload(AgendaItem.meeting),
                 selectinload(PanelDecision.case).selectinload(Case.pupil).selectinload(Pupil.school),
                 selectinload(PanelDecision.actions).selectinload(Action.owner_user).selectinload(User.organisation),
                 selectinload(PanelDecision.actions).selectinload(Action.owner_org))
        .order_by(PanelMeeting.held_at.desc(), AgendaItem.position, PanelDecision.id)))


def by_decision(decisions: list[PanelDecision], impact: list[Impact]) -> list[dict]:
    """Per decision type: decisions, distinct cases, and the average change of attendance
    (percentage points) over the decisions that can be measured."""
    rows = []
    for key, label in DECISIONS:
        taken = [d for d in decisions if d.decision == key]
        changes = [i.change for i in impact if i.decision.decision == key and i.change is not None]
        rows.append(dict(key=key, label=label, decisions=len(taken), cases=len({d.case_id for d in taken}),
                         measured=len(changes),
                         average=round(sum(changes) / len(changes), 1) if changes else None))
    return rows


def by_agency(decisions: list[PanelDecision], today: date) -> list[dict]:
    """The panel's agreed actions per owning agency (a person's actions count for their
    organisation): open (not yet due), overdue, done, cancelled."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict(open=0, overdue=0, done=0, cancelled=0))
    for decision in decisions:
        for action in decision.actions:
            agency = (action.owner_user.organisation.name if action.owner_user else action.owner_org.name)
            if action.is_open:
                counts[agency]["overdue" if action.due_date < today else "open"] += 1
            else:
                counts[agency][action.status.value] += 1
    return [dict(agency=name, **values) for name, values in sorted(counts.items())]
