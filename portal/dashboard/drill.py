"""The pupils behind a figure of the attendance picture: what the query string asks for
(`?period=&measure=&flag=&school=&phase=&year=&cohort=&without=1`), read once and checked
(an unknown value, or a school outside the user's scope, is a 404), and what the list says
about each pupil beyond their figures: an open case or a referral, found in one query for
the whole page."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, request
from sqlalchemy import String, cast, literal, select, union_all

from portal import access
from portal.attendance.flags import KINDS as FLAG_KINDS
from portal.dashboard import figures, picture
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.params import int_arg
from portal.pupils.models import COHORT_FLAGS, year_label

YEARS = (-2, 15)  # nursery 1 .. year 15: the year groups a pupil may be in


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


@dataclass
class Drill:
    """A drill-down as asked for: the period (None when no terms are held), the measure or
    statutory flag, and the filters."""
    period: figures.Period | None
    measure: str = "all"
    flag: str | None = None
    school: Organisation | None = None
    phase: str | None = None
    nc_year: int | None = None
    cohort: str | None = None
    without: bool = False
    args: dict[str, str] = field(default_factory=dict)  # the query string, for links and the CSV

    @property
    def what(self) -> str:
        if self.flag:
            return FLAG_KINDS[self.flag].label
        return figures.DRILL_MEASURES[self.measure].split(" (")[0]

    def parts(self) -> list[str]:
        """What the list is, in words: measure, period, then each filter."""
        parts = [self.what]
        if self.flag:
            if "this year" not in self.what:
                parts.append("this academic year")
        elif self.period is not None:
            parts.append(self.period.label)
        if self.nc_year is not None:
            parts.append(year_label(self.nc_year))
        if self.cohort:
            label = dict((f, lbl) for f, lbl, _ in COHORT_FLAGS)[self.cohort]
            parts.append(f"not {_lower_first(label)}" if self.without else label)
        if self.phase:
            parts.append(dict(figures.PHASES)[self.phase])
        if self.school is not None:
            parts.append(self.school.name)
        return parts

    def heading(self, total: int) -> str:
        return f"{', '.join(self.parts())} – {total} pupil{'' if total == 1 else 's'}"

    def statement(self, user):
        """The scoped select of the pupils behind the figure (figures.pupils_behind)."""
        assert self.period is not None
        return figures.pupils_behind(picture.scope_for(user), self.period, self.measure,
                                     school_id=self.school.id if self.school else None, phase=self.phase,
                                     nc_year=self.nc_year, cohort=self.cohort, without=self.without, flag=self.flag)


def from_request(user) -> Drill:
    """The drill-down the query string asks for: 404 for an unknown measure, flag, phase,
    cohort or period, or a school outside the user's scope; 400 for an unusable number."""
    period = picture.period_from_request()
    measure = request.args.get("measure") or "all"
    if measure not in figures.DRILL_MEASURES:
        abort(404)
    flag = request.args.get("flag") or None
    if flag is not None and flag not in FLAG_KINDS:
        abort(404)
    problems: dict[str, str] = {}
    school_id = int_arg("school", errors=problems)
    nc_year = int_arg("year", min=YEARS[0], max=YEARS[1], errors=problems)
    if problems:
        abort(400)  # an unusable number (the odd-input convention: 400, never a quiet wider list)
    school = access.get_school_or_404(user, school_id) if school_id is not None else None
    phase = request.args.get("phase") or None
    if phase is not None and phase not in dict(figures.PHASES):
        abort(404)
    cohort = request.args.get("cohort") or None
    if cohort is not None and cohort not in dict((f, lbl) for f, lbl, _ in COHORT_FLAGS):
        abort(404)
    without = request.args.get("without") or None
    if without not in (None, "1") or (without and not cohort):
        abort(404)
    keep = ("period", "measure", "flag", "school", "phase", "year", "cohort", "without")
    args = {k: v for k in keep if (v := request.args.get(k))}
    return Drill(period, measure, flag, school, phase, nc_year, cohort, bool(without), args)


# ----- what else the partnership holds about each pupil ------------------------------------------

REFERRAL_WORDS = {"draft": "Draft referral", "submitted": "Referral awaiting triage",
                  "more_info": "Referral: more information asked for", "accepted": "Referral accepted",
                  "declined": "Referral declined"}
CASE_WORDS = {"open": "Open case", "monitoring": "Case being monitored", "closed": "Closed case"}
# which one the list names when a pupil has several: a live case first, then a live referral
_RANK = ["open", "monitoring", "submitted", "more_info", "draft", "accepted", "closed", "declined"]


@dataclass(frozen=True)
class Involvement:
    kind: str      # "case" or "referral"
    id: int
    status: str

    @property
    def text(self) -> str:
        return (CASE_WORDS if self.kind == "case" else REFERRAL_WORDS).get(self.status, self.status)

    @property
    def href(self) -> str:
        return f"/cases/{self.id}" if self.kind == "case" else f"/referrals/{self.id}"


def involvement(user, pupil_ids: list[int]) -> dict[int, Involvement]:
    """Each pupil's most current case or referral the user may see (one query for the page)."""
    if not pupil_ids:
        return {}
    from portal.cases.models import Case, Referral

    cases = access.cases_for(user).with_only_columns(
        Case.pupil_id.label("pupil_id"), literal("case").label("kind"), Case.id.label("id"),
        cast(Case.status, String).label("status")).where(Case.pupil_id.in_(pupil_ids))
    referrals = access.referrals_for(user).with_only_columns(
        Referral.pupil_id.label("pupil_id"), literal("referral").label("kind"), Referral.id.label("id"),
        cast(Referral.status, String).label("status")).where(Referral.pupil_id.in_(pupil_ids))
    both = union_all(cases, referrals).subquery()
    out: dict[int, Involvement] = {}
    rows: Any = db.session.execute(select(both).order_by(both.c.id.desc()))
    for pupil_id, kind, id_, status in rows:
        found = Involvement(str(kind), int(id_), str(status))
        held = out.get(pupil_id)
        if held is None or _rank(found) < _rank(held):
            out[pupil_id] = found
    return out


def _rank(i: Involvement) -> int:
    return _RANK.index(i.status) if i.status in _RANK else len(_RANK)


def school_names(ids) -> dict[int, str]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())
