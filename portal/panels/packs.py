"""A case's summary pack for a panel member: what the panel needs to decide, as far as the
member may see it (`access.PACK_LEVELS`): why it is listed, the barriers, attendance now and
its trend since the last review (or since the referral), the recent chronology (through the
case's own visibility rules: the police read the police wording only), the open actions and
the last decision. What a level does not show is not read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.attendance import calc
from portal.attendance.calc import Totals
from portal.attendance.models import PupilWeek
from portal.cases.models import BARRIERS, CHRONOLOGY_KINDS, Action, ActionStatus, Case, ChronologyEntry
from portal.extensions import db
from portal.panels.models import PanelDecision
from portal.timeutil import LONDON, as_utc, today

RECENT_ENTRIES = 10  # chronology entries in a pack
TREND_WEEKS = 12     # weeks listed in the trend table, the most recent


@dataclass
class Trend:
    since: date            # the last review (or the referral, or the case's opening)
    since_label: str       # "the last panel review" / "the referral" / "the case opened"
    before: Totals         # the same number of weeks before `since`
    after: Totals          # the weeks from `since` to today
    weeks: list[tuple[date, str | None]]  # (Monday, attendance % that week), oldest first

    @property
    def before_text(self) -> str | None:
        return self.before.percent_text

    @property
    def after_text(self) -> str | None:
        return self.after.percent_text

    @property
    def change(self):
        return calc.points(calc.change_points((self.before.attended, self.before.possible),
                                              (self.after.attended, self.after.possible)))


def _baseline(case: Case) -> tuple[date, str]:
    last = db.session.scalar(select(PanelDecision.decided_at).where(PanelDecision.case_id == case.id)
                             .order_by(PanelDecision.decided_at.desc()).limit(1))
    if last is not None:
        return as_utc(last).astimezone(LONDON).date(), "the last panel review"
    if case.referral is not None and case.referral.submitted_at is not None:
        return as_utc(case.referral.submitted_at).astimezone(LONDON).date(), "the referral"
    return as_utc(case.opened_at).astimezone(LONDON).date(), "the case opened"


def _totals(weeks) -> Totals:
    return sum((Totals(w.possible, w.attended, w.approved, w.authorised, w.unauthorised, w.late, w.open_sessions)
                for w in weeks), Totals())


def attendance_trend(case: Case, as_of: date | None = None) -> Trend:
    """Attendance in the weeks since the baseline against the same number of weeks before it,
    and week by week (from the weekly summaries, one query)."""
    as_of = as_of or today()
    since, label = _baseline(case)
    first = calc.week_start(since)
    span = max((calc.week_start(as_of) - first).days // 7 + 1, 1)
    rows = db.session.scalars(select(PupilWeek).where(
        PupilWeek.pupil_id == case.pupil_id, PupilWeek.week_start >= first - timedelta(weeks=span),
        PupilWeek.week_start <= as_of).order_by(PupilWeek.week_start)).all()
    before = [w for w in rows if w.week_start < first]
    after = [w for w in rows if w.week_start >= first]
    weeks = [(w.week_start, calc.percent_text(w.attended, w.possible)) for w in after[-TREND_WEEKS:]]
    return Trend(since, label, _totals(before), _totals(after), weeks)


def build_pack(user, case: Case, level: str) -> dict[str, object]:
    """The parts of the pack `level` shows, read for `user`."""
    pack: dict[str, object] = {}
    if access.pack_shows(level, "attendance"):
        from portal.attendance import flags
        from portal.attendance.summaries import pupil_summary

        summary = pupil_summary(case.pupil)
        pack["attendance_now"] = summary.year_totals.percent_text
        pack["attendance_at_open"] = (case.attendance_at_open or {}).get("percent")
        pack["unauthorised_in_window"] = summary.unauthorised_in_window
        pack["window_start"] = summary.window_start
        pack["pupil_flags"] = flags.flags_for(case.pupil_id)
        pack["flag_kinds"] = flags.KINDS
        pack["trend"] = attendance_trend(case)
    if access.pack_shows(level, "barriers"):
        labels = dict(BARRIERS)
        barriers = case.referral.barriers if case.referral is not None else {}
        pack["barriers"] = [(labels.get(key, key), text) for key, text in (barriers or {}).items()]
    if access.pack_shows(level, "chronology"):
        view = access.case_view(user)
        entries = db.session.scalars(
            access.chronology_for(user, case).where(ChronologyEntry.struck_at.is_(None))
            .options(selectinload(ChronologyEntry.author), selectinload(ChronologyEntry.organisation))
            .order_by(ChronologyEntry.occurred_at.desc(), ChronologyEntry.id.desc()).limit(RECENT_ENTRIES)).all()
        pack["chronology"] = [(e, e.text_for(view)) for e in entries]
        pack["chronology_kinds"] = dict(CHRONOLOGY_KINDS)
    if access.pack_shows(level, "actions"):
        pack["actions"] = db.session.scalars(
            select(Action).where(Action.case_id == case.id, Action.status == ActionStatus.open)
            .options(selectinload(Action.owner_user), selectinload(Action.owner_org))
            .order_by(Action.due_date, Action.id)).all()
    if access.pack_shows(level, "last_decision"):
        last = db.session.scalar(select(PanelDecision).where(PanelDecision.case_id == case.id)
                                 .order_by(PanelDecision.decided_at.desc(), PanelDecision.id.desc()).limit(1))
        pack["last_decision"] = None if last is None else {
            "label": last.label, "decided_at": last.decided_at,
            "rationale": last.rationale if access.pack_shows(level, "rationale") else None}
    return pack
