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
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Select, case, select
from sqlalchemy.orm import aliased

from portal.attendance import calc
from portal.attendance.models import PupilWeek
from portal.cases.models import Action, ActionStatus, Case
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.panels.models import DECISION_LABELS, DECISIONS, AgendaItem, PanelDecision, PanelMeeting
from portal.panels.rules import meeting_day
from portal.pupils.models import Pupil

WINDOW_WEEKS = 6

# Built once (an alias made per request costs more than the statement it is in).
_SCHOOL, _USER_ORG, _OWNER_ORG = aliased(Organisation), aliased(Organisation), aliased(Organisation)
# An action's owning agency: its person's organisation, else the organisation it was given to.
_AGENCY = case((Action.owner_user_id.is_not(None), _USER_ORG.name), else_=_OWNER_ORG.name)


@dataclass
class DecisionRow:
    """A decision as the overview shows it: only the columns it needs, and its actions as
    (owning agency's name, status, due date)."""
    id: int
    decision: str        # the key (DECISIONS)
    case_id: int
    pupil_id: int
    meeting_id: int
    day: date            # the meeting's day (`meeting_date`)
    pupil_name: str      # as Pupil.display_name
    school_name: str
    actions: list[tuple[str, ActionStatus, date]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return DECISION_LABELS[self.decision]


@dataclass
class Impact:
    decision: DecisionRow
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


def _totals(weeks: list) -> tuple[int, int]:
    return sum(w.attended for w in weeks), sum(w.possible for w in weeks)


def windows(weeks: list, day: date) -> tuple[list, list]:
    """The pupil's school weeks (sorted by week; PupilWeeks or rows with week_start, possible
    and attended) before and after the week of `day`."""
    monday = day - timedelta(days=day.weekday())
    school_weeks = [w for w in weeks if w.possible > 0]
    before = [w for w in school_weeks if w.week_start < monday][-WINDOW_WEEKS:]
    after = [w for w in school_weeks if w.week_start > monday][:WINDOW_WEEKS]
    return before, after


def impacts(decisions: list[DecisionRow]) -> list[Impact]:
    pupil_ids = {d.pupil_id for d in decisions}
    weeks: dict[int, list] = defaultdict(list)
    if pupil_ids:
        for week in db.session.execute(
                select(PupilWeek.pupil_id, PupilWeek.week_start, PupilWeek.possible, PupilWeek.attended)
                .where(PupilWeek.pupil_id.in_(pupil_ids))
                .order_by(PupilWeek.pupil_id, PupilWeek.week_start)):
            weeks[week.pupil_id].append(week)
    result = []
    for decision in decisions:
        before, after = windows(weeks[decision.pupil_id], decision.day)
        result.append(Impact(decision, decision.day, _totals(before), _totals(after), len(before), len(after)))
    return result


def decisions_in(meetings: Select) -> list[DecisionRow]:
    """The decisions taken at the given meetings, newest meeting first, with their actions
    (in two statements, whatever their number)."""
    ids = meetings.with_only_columns(PanelMeeting.id)
    school = _SCHOOL
    rows = db.session.execute(
        select(PanelDecision.id, PanelDecision.decision, PanelDecision.case_id, Case.pupil_id,
               AgendaItem.meeting_id, PanelMeeting.held_at, Pupil.legal_forename, Pupil.legal_surname,
               Pupil.preferred_forename, Pupil.preferred_surname, school.name.label("school_name"))
        .join(AgendaItem, AgendaItem.id == PanelDecision.agenda_item_id)
        .join(PanelMeeting, PanelMeeting.id == AgendaItem.meeting_id)
        .join(Case, Case.id == PanelDecision.case_id)
        .join(Pupil, Pupil.id == Case.pupil_id)
        .join(school, school.id == Pupil.school_id)
        .where(PanelMeeting.id.in_(ids))
        .order_by(PanelMeeting.held_at.desc(), AgendaItem.position, PanelDecision.id)).all()
    decisions = [DecisionRow(r.id, r.decision, r.case_id, r.pupil_id, r.meeting_id, meeting_day(r.held_at),
                             f"{r.preferred_forename or r.legal_forename} {r.preferred_surname or r.legal_surname}",
                             r.school_name) for r in rows]
    if decisions:
        by_id = {d.id: d for d in decisions}
        user_org, owner_org, agency = _USER_ORG, _OWNER_ORG, _AGENCY
        for row in db.session.execute(
                select(Action.panel_decision_id, agency, Action.status, Action.due_date)
                .outerjoin(User, User.id == Action.owner_user_id)
                .outerjoin(user_org, user_org.id == User.organisation_id)
                .outerjoin(owner_org, owner_org.id == Action.owner_org_id)
                .where(Action.panel_decision_id.in_(list(by_id)))
                .order_by(Action.id)):
            by_id[row[0]].actions.append((row[1], row[2], row[3]))
    return decisions


def by_decision(decisions: list[DecisionRow], impact: list[Impact]) -> list[dict]:
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


def by_agency(decisions: list[DecisionRow], today: date) -> list[dict]:
    """The panel's agreed actions per owning agency (a person's actions count for their
    organisation): open (not yet due), overdue, done, cancelled."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict(open=0, overdue=0, done=0, cancelled=0))
    for decision in decisions:
        for agency, status, due in decision.actions:
            if status == ActionStatus.open:
                counts[agency]["overdue" if due < today else "open"] += 1
            else:
                counts[agency][status.value] += 1
    return [dict(agency=name, **values) for name, values in sorted(counts.items())]
