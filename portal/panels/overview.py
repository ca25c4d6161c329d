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
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.attendance import calc
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
    before_totals: tuple[int, int]   # (attended, possible) in the weeks before
    after_totals: tuple[int, int]    # ... and after
    weeks_before: int
    weeks_after: int

    @property
    def before(self) -> str | None:
        return calc.percent_text(*self.before_totals)

    @property
    def after(self) -> str | None:
        return calc.percent_text(*self.after_totals)

    @property
    def exact_change(self) -> Fraction | None:
        return calc.change_points(self.before_totals, self.after_totals)

    @property
    def change(self) -> Decimal | None:
        """In percentage points, from the exact figures, one decimal half-up."""
        return calc.points(self.exact_change)


def _totals(weeks: list[PupilWeek]) -> tuple[int, int]:
    return sum(w.attended for w in weeks), sum(w.possible for w in weeks)


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
        result.append(Impact(decision, day, _totals(before), _totals(after), len(before), len(after)))
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
        changes = [c for i in impact if i.decision.decision == key and (c := i.exact_change) is not None]
        rows.append(dict(key=key, label=label, decisions=len(taken), cases=len({d.case_id for d in taken}),
                         measured=len(changes),
                         average=calc.points(sum(changes, Fraction(0)) / len(changes)) if changes else None))
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
