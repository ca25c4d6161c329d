"""Sweep reports: per sweep and for a period. Figures only (no child's details), over the
sweeps a user may open, counting the encounters (and follow-ups) the user may open, shown
through `Shown`: exactly, or to partners (the police) with counts under 5 suppressed and no
percentages (`portal.disclosure`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from portal import disclosure
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.pupils.models import Pupil
from portal.sweeps.models import Encounter, FollowUp, FollowUpStatus, MatchStatus, Sweep

# What the figures count of an encounter (built once): its answers, its match, and the names
# of the school given and of the matched pupil's school.
_SCHOOL, _PUPIL_SCHOOL, _PUPIL = aliased(Organisation), aliased(Organisation), aliased(Pupil)
_COUNTED = (Encounter.id, Encounter.sweep_id, Encounter.reason_accepted, Encounter.accompanied, Encounter.concern,
            Encounter.match_status, Encounter.pupil_id, Encounter.school_status,
            _SCHOOL.name.label("school_name"), _PUPIL_SCHOOL.name.label("pupil_school_name"))


@dataclass
class Figures:
    encounters: int = 0
    no_accepted_reason: int = 0
    with_parent: int = 0
    schools: set[str] = field(default_factory=set)
    matched: int = 0
    unmatched: int = 0
    not_on_roll: int = 0
    concerns: int = 0
    follow_ups_done: int = 0
    follow_ups_open: int = 0
    follow_ups_overdue: int = 0

    @staticmethod
    def _pct(n: int, d: int) -> float | None:
        return None if d == 0 else round(100.0 * n / d, 1)

    @property
    def pct_no_accepted_reason(self) -> float | None:
        return self._pct(self.no_accepted_reason, self.encounters)

    @property
    def pct_with_parent(self) -> float | None:
        return self._pct(self.with_parent, self.encounters)

    def add(self, e, today: date, f=None) -> None:
        """Count an encounter (a row of `_counted`) and its follow-up's state (a row of
        `_live_follow_ups`, or None: none, or one whose state is not counted)."""
        self.encounters += 1
        self.no_accepted_reason += not e.reason_accepted
        self.with_parent += e.accompanied == "parent"
        self.concerns += e.concern
        if e.match_status == MatchStatus.matched and e.pupil_id is not None:
            self.matched += 1
            self.schools.add(e.pupil_school_name)
        else:
            if e.match_status == MatchStatus.no_match:
                self.not_on_roll += 1
            else:
                self.unmatched += 1
            if e.school_status == "school" and e.school_name is not None:
                self.schools.add(e.school_name)
        if f is not None:
            if f.status == FollowUpStatus.done:
                self.follow_ups_done += 1
            else:
                self.follow_ups_open += 1
                self.follow_ups_overdue += f.status == FollowUpStatus.open and f.due_on < today


@dataclass
class Shown:
    """Figures as one reader may see them. `exact`: as they are, with the shares of encounters
    as percentages; otherwise (partners) every count through `disclosure.count` and the shares
    as suppressed counts, never percentages."""
    figures: Figures
    exact: bool

    def count(self, name: str) -> int | str:
        value = getattr(self.figures, name)
        return disclosure.count(len(value) if isinstance(value, set) else value, exact=self.exact)

    def share(self, name: str) -> int | str:
        """"no_accepted_reason" or "with_parent": a percentage of the encounters, or a count."""
        if not self.exact:
            return self.count(name)
        pct = getattr(self.figures, f"pct_{name}")
        return "–" if pct is None else f"{pct}%"

    @property
    def schools(self) -> list[str]:
        return sorted(self.figures.schools)


@dataclass
class Report:
    rows: list[tuple[Sweep, Figures]]
    total: Figures

    def shown(self, exact: bool) -> ShownReport:
        return ShownReport([(sweep, Shown(f, exact)) for sweep, f in self.rows], Shown(self.total, exact))


@dataclass
class ShownReport:
    rows: list[tuple[Sweep, Shown]]
    total: Shown


def sweep_figures(sweep: Sweep, today: date, *, encounters: Select | None = None,
                  followups: Select | None = None) -> Figures:
    """`build`'s figures for one sweep the user may open (already loaded)."""
    return _report([sweep], encounters, followups, today).total


def build(sweeps: Select, start: date | None, end: date | None, today: date, *, encounters: Select | None = None,
          followups: Select | None = None) -> Report:
    """Figures for each sweep of `sweeps` held between start and end, and their total.
    `encounters`: the encounters to count (a user's scope, `access.sweep_figure_scope`; None:
    every encounter of the sweeps); `followups`: the follow-ups whose state is counted (None:
    those of every counted encounter)."""
    stmt = sweeps
    if start is not None:
        stmt = stmt.where(Sweep.held_on >= start)
    if end is not None:
        stmt = stmt.where(Sweep.held_on <= end)
    chosen = db.session.scalars(stmt.order_by(Sweep.held_on.desc(), Sweep.id.desc())).all()
    return _report(chosen, encounters, followups, today)


def _report(chosen, encounters: Select | None, followups: Select | None, today: date) -> Report:
    scope = encounters if encounters is not None else select(Encounter)
    counted = db.session.execute(
        scope.with_only_columns(*_COUNTED).select_from(Encounter)
        .outerjoin(_SCHOOL, _SCHOOL.id == Encounter.school_id)
        .outerjoin(_PUPIL, _PUPIL.id == Encounter.pupil_id)
        .outerjoin(_PUPIL_SCHOOL, _PUPIL_SCHOOL.id == _PUPIL.school_id)
        .where(Encounter.sweep_id.in_([s.id for s in chosen]))).all() if chosen else []
    live: dict[int, Any] = {}
    if counted:
        # The live follow-up of each (a cancelled one, left by an undone match, is not it).
        for row in db.session.execute(
                select(FollowUp.encounter_id, FollowUp.id, FollowUp.status, FollowUp.due_on)
                .where(FollowUp.encounter_id.in_([e.id for e in counted]),
                       FollowUp.status != FollowUpStatus.cancelled).order_by(FollowUp.id)):
            live.setdefault(row.encounter_id, row)
    known = None
    if followups is not None and live:
        known = set(db.session.scalars(followups.with_only_columns(FollowUp.id).where(
            FollowUp.encounter_id.in_([e.id for e in counted]))))
    per = {s.id: Figures() for s in chosen}
    total = Figures()
    for e in counted:
        f = live.get(e.id)
        if f is not None and known is not None and f.id not in known:
            f = None  # a follow-up whose state this user may not know
        per[e.sweep_id].add(e, today, f)
        total.add(e, today, f)
    return Report([(s, per[s.id]) for s in chosen], total)


def csv_header(exact: bool) -> list[str]:
    shares = ["% no accepted reason", "% with a parent or carer"] if exact else \
        ["No accepted reason", "With a parent or carer"]
    return (["Sweep date", "Area or route", "Encounters"] + shares
            + ["Schools involved", "Matched", "Awaiting a match", "Not on roll", "Safeguarding concerns",
               "Follow-ups done", "Follow-ups open", "Follow-ups overdue"])


COUNTS = ("matched", "unmatched", "not_on_roll", "concerns", "follow_ups_done", "follow_ups_open",
          "follow_ups_overdue")


def csv_rows(report: Report, exact: bool):
    def share(f: Figures, name: str):
        if exact:
            pct = getattr(f, f"pct_{name}")
            return "" if pct is None else pct
        return Shown(f, exact).share(name)

    def row(label_date, area, f: Figures):
        shown = Shown(f, exact)
        return ([label_date, area, shown.count("encounters"), share(f, "no_accepted_reason"), share(f, "with_parent"),
                 "; ".join(shown.schools)] + [shown.count(name) for name in COUNTS])

    for sweep, f in report.rows:
        yield row(sweep.held_on.isoformat(), sweep.area, f)
    yield row("Total", f"{len(report.rows)} sweeps", report.total)
