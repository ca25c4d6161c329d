"""The meeting prepared from the data: the school's key groups with the pupils in each (the
school attendance view's own definitions, `attendance.summaries`), each pupil with whether a
referral or a case exists; and the cohorts an item may name."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, literal, select, union_all

from portal import access, dataversion
from portal.attendance import calc, flags
from portal.attendance.summaries import apply_filters, key_group_counts, school_context, school_rows_stmt
from portal.dashboard.figures import Measures, Period, Split
from portal.extensions import db
from portal.pupils.models import COHORT_FLAGS, Pupil
from portal.statements import StatementMemo, Who, built_once

# The key groups a TSM looks at (key, label); "severe" is a band, the rest the school view's groups.
GROUPS: tuple[tuple[str, str], ...] = (
    ("persistent", "Persistent absence (missing 10% or more)"),
    ("severe", "Severe absence (missing 50% or more)"),
    ("over_threshold", "10+ unauthorised sessions in the latest 10 school weeks"),
    *((key, kind.label) for key, kind in flags.KINDS.items()),
)
GROUP_LABELS = dict(GROUPS)
LIST_LIMIT = 200  # pupils listed per group (the school view lists them all)


def cohort_choices() -> dict[str, str]:
    """What a cohort item may name: the whole school, a key group or a cohort flag."""
    return {"whole_school": "Whole school", **GROUP_LABELS, **{key: label for key, label, _ in COHORT_FLAGS}}


@dataclass
class GroupPupil:
    pupil: Pupil
    percent: str | None
    band: str
    unauthorised_10_weeks: int
    referral: bool = False
    case: bool = False


@dataclass
class Group:
    key: str
    label: str
    count: int
    pupils: list[GroupPupil] = field(default_factory=list)


def key_groups(user, school_id: int, as_of: date | None = None, *, with_pupils: bool = True) -> list[Group]:
    """The key groups of a school, with their pupils (worst attendance first) when asked."""
    ctx = school_context(school_id, as_of)
    counts = key_group_counts(ctx)
    groups = [Group(key, label, counts.get(key, 0)) for key, label in GROUPS]
    if with_pupils:
        # every group's list (worst attendance first, at most LIST_LIMIT) in one query, then their pupils
        def read_lists() -> tuple[ListedPupil, ...]:
            rows: Any = db.session.execute(union_all(*group_lists())).all()
            return tuple(ListedPupil(*r) for r in rows)

        def group_lists() -> list:
            stmt, band, pct, unauth10 = school_rows_stmt(ctx)
            lists = []
            for position, (key, _) in enumerate(GROUPS):
                if key == "severe":
                    filtered = apply_filters(stmt, ctx, band, unauth10, band_filter=calc.SEVERE)
                else:
                    filtered = apply_filters(stmt, ctx, band, unauth10, group=key)
                order = (pct.is_(None), pct, Pupil.legal_surname, Pupil.id)
                part = (filtered.with_only_columns(
                    literal(position).label("grp"), Pupil.id.label("pupil_id"),
                    func.row_number().over(order_by=order).label("place"),
                    stmt.selected_columns.attended, stmt.selected_columns.possible, stmt.selected_columns.band,
                    stmt.selected_columns.unauth10, maintain_column_froms=True)
                    .order_by(*order).limit(LIST_LIMIT).subquery())
                lists.append(select(*part.c))
            return lists

        key = ("tsm_group_lists", ctx.school_id, ctx.year, ctx.window, ctx.last_day, ctx.as_of)
        rows = list(dataversion.cached(key, read_lists))
        pupils = {p.id: p for p in db.session.scalars(_pupils_by_id(), {"ids": sorted({r.pupil_id for r in rows})})}
        rows.sort(key=lambda r: (r.grp, r.place))
        for r in rows:
            groups[r.grp].pupils.append(GroupPupil(pupils[r.pupil_id], calc.percent_text(r.attended, r.possible),
                                                   r.band, r.unauth10))
    if with_pupils:
        ids = {gp.pupil.id for g in groups for gp in g.pupils}
        if ids:
            # which of them have a referral, which a case (the user's own view of both), in one query
            listed = sorted(ids)
            marks = db.session.execute(_marks_statement(Who.of(user)),
                                       {"referral_ids": listed, "case_ids": listed}).all()
            referred = {pupil_id for what, pupil_id in marks if what == "referral"}
            with_case = {pupil_id for what, pupil_id in marks if what == "case"}
            for g in groups:
                for gp in g.pupils:
                    gp.referral, gp.case = gp.pupil.id in referred, gp.pupil.id in with_case
    return groups


@built_once
def _pupils_by_id():
    return select(Pupil).where(Pupil.id.in_(bindparam("ids", expanding=True)))


def _build_marks(who: Who):
    """Which of the listed pupils (`referral_ids`, `case_ids`: the same ids) have a referral or
    an open case in the user's own view of both: built from the user's id, role and
    organisation only."""
    from portal.cases.models import Case, CaseStatus, Referral, ReferralStatus

    return union_all(
        access.referrals_for(who).with_only_columns(literal("referral").label("what"), Referral.pupil_id)
        .where(Referral.pupil_id.in_(bindparam("referral_ids", expanding=True)),
               Referral.status != ReferralStatus.declined),
        access.cases_for(who).with_only_columns(literal("case"), Case.pupil_id)
        .where(Case.pupil_id.in_(bindparam("case_ids", expanding=True)), Case.status != CaseStatus.closed))


_marks_statement = StatementMemo(_build_marks, maxsize=64)  # per user, run afresh each time


@dataclass(frozen=True)
class ListedPupil:
    """One place in a key group's list (kept between requests under the data version)."""
    grp: int
    pupil_id: int
    place: int
    attended: int
    possible: int
    band: str
    unauth10: int


# ----- the school's headline and cohorts (the figures API: portal.dashboard.figures) ----------

@dataclass
class Figures:
    period: Period
    school: Measures            # the school
    la: Measures                # the whole LA
    before: Measures | None     # the school's same period last year (None when not held)
    cohorts: list[Split]        # per cohort flag, the gap beside the pupils without
    exact: bool                 # percentages shown (else counts only, suppressed below 5)
    national: dict = field(default_factory=dict)  # headline attribute -> reference.Match | None
    phase: str = ""             # the school's phase, as the national figures name it

    def count(self, n: int):
        from portal import disclosure

        return disclosure.count(n, exact=self.exact)

    @property
    def change(self):
        return self.school.attendance_change(self.before) if self.before is not None else None


def school_figures(user, meeting) -> Figures | None:
    """This term's figures of the meeting's school (the term as of the meeting, or today if it
    is still to come) against the LA; each cohort with its gap. Partners (no exact figures) get
    counts only (`portal.disclosure`)."""
    from portal.dashboard import figures
    from portal.timeutil import today
    from portal.tsm.service import meeting_day

    as_of = min(meeting_day(meeting), today())
    period = figures.period_for("term", as_of)
    if period is None:
        return None
    school = figures.Scope.school(meeting.school_id)
    out = Figures(period=period, school=figures.headline(school, period),
                  la=figures.headline(figures.Scope.la(), period), before=figures.comparison(school, period),
                  cohorts=[c for c in figures.cohorts(school, period)],
                  exact=access.can(user, "view_exact_figures"))
    if out.exact:
        out.national, out.phase = national_figures(meeting.school, period)
    return out


# headline attribute -> the national figure's measure (attendance itself is not published)
NATIONAL_MEASURES = {"absence_text": "overall_absence", "authorised_text": "authorised_absence",
                     "unauthorised_text": "unauthorised_absence", "pa_text": "persistent_absence",
                     "sa_text": "severe_absence"}


def national_figures(school, period) -> tuple[dict, str]:
    """The national figures for the school's phase and this period (`attendance.reference`):
    None where there is none, never another phase's or period's."""
    from portal.attendance import reference

    phase = school.phase.value if school.phase is not None else ""
    if period.reference_period is None or not phase:
        return {attr: None for attr in NATIONAL_MEASURES}, phase
    return {attr: reference.lookup(measure, period=period.reference_period, academic_year=period.academic_year,
                                   phase=phase) for attr, measure in NATIONAL_MEASURES.items()}, phase
