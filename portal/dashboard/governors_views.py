"""The governors' summary of a school: a printable page and a PDF, figures only."""
from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user

from portal import access, audit
from portal.dashboard import bp, figures, governors, picture
from portal.dashboard.governors import SMALL_NOTE
from portal.timeutil import today, utcnow


def _summary(school_id: int) -> governors.Summary:
    school = access.get_school_or_404(current_user, school_id)
    period = picture.period_from_request()
    audit.viewed(detail=period.key if period else "no period")
    return governors.build(school, period, today(), utcnow())


@bp.route("/schools/<int:school_id>/governors-summary")
@access.require("view_school_picture")
@audit.viewing("governors_summary_viewed", "a school's governors' summary (figures, no pupils)",
               ("Organisation", "school_id"))
def governors_summary(school_id: int):
    summary = _summary(school_id)
    return render_template("dashboard/governors_summary.html", summary=summary, small_note=SMALL_NOTE,
                           choices=figures.choices(today()), chosen=request.args.get("period", "term"))


@bp.route("/schools/<int:school_id>/governors-summary.pdf")
@access.require("view_school_picture")
@audit.viewing("governors_summary_downloaded", "a school's governors' summary as PDF (figures, no pupils)",
               ("Organisation", "school_id"))
def governors_summary_pdf(school_id: int):
    summary = _summary(school_id)
    return Response(governors.render_pdf(summary), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{summary.filename}"'})
