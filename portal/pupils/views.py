"""Pupil search and the pupil page."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.attendance import calc, charts, summaries
from portal.extensions import db, htmx
from portal.pupils.models import Pupil
from portal.sqlite import writes_on_get

bp = Blueprint("pupils", __name__)
RESULTS = 20


def _search(q: str):
    stmt = access.pupils_for(current_user).options(selectinload(Pupil.school))
    tokens = [t for t in q.lower().split() if t][:5]
    for token in tokens:
        stmt = stmt.where(Pupil.search_text.contains(token, autoescape=True))
    total = db.session.scalar(stmt.with_only_columns(func.count(Pupil.id)).order_by(None))
    pupils = db.session.scalars(stmt.order_by(Pupil.legal_surname, Pupil.legal_forename, Pupil.id)
                                .limit(RESULTS)).all()
    return pupils, total


@bp.route("/pupils")
@access.require("view_pupils")
def search():
    q = request.args.get("q", "").strip()[:100]
    pupils, total = _search(q) if q else ([], 0)
    context = {"q": q, "pupils": pupils, "total": total, "limit": RESULTS}
    if htmx and not htmx.history_restore_request:
        return render_template("pupils/_results.html", **context)
    return render_template("pupils/search.html", **context)


@bp.route("/pupils/<int:pupil_id>")
@access.require("view_pupils")
@writes_on_get
def view(pupil_id: int):
    pupil = access.get_pupil_or_404(current_user, pupil_id)
    db.session.refresh(pupil, ["contacts", "enrolments"])
    summary = summaries.pupil_summary(pupil)
    register = {}
    calendar_weeks = []
    if summary.term:
        start, end = summary.term.start, min(summary.term.end, summaries.today())
        register = summaries.register_for(pupil, start, end)
        first = calc.week_start(start)
        while first <= end:
            calendar_weeks.append([first + timedelta(days=i) for i in range(5)])
            first += timedelta(days=7)
    audit.record(current_user, "pupil_viewed", pupil, summary=pupil.upn)
    db.session.commit()
    return render_template(
        "pupils/pupil.html", pupil=pupil, summary=summary, register=register,
        calendar_weeks=calendar_weeks, codes=summaries.code_table(), chart=charts.weekly_chart(summary.weeks),
        calc=calc)
