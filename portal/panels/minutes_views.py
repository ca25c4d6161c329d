"""After the meeting: marking it held, the minutes (printable page and PDF, restricted or
redacted), and the panel overview for the chair and LA admins."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import access, audit, timeutil
from portal.errors import Refused
from portal.extensions import db
from portal.pagecache import render_page
from portal.panels import bp, overview, service
from portal.panels.minutes import LINKS, VERSIONS, WITHOUT_RATIONALE, build_minutes, render_pdf
from portal.panels.models import PanelMeeting
from portal.params import to_int
from portal.urls import link_parts


@bp.route("/panels/<int:meeting_id>/held", methods=["POST"])
@access.require("run_panels")
def mark_held(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id, need="manage")
    try:
        service.mark_held(current_user, meeting, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
        return redirect(url_for("panels.view_meeting", meeting_id=meeting_id), code=303)
    flash("The meeting is marked as held: its agenda is now the record and the minutes are no longer a draft.",
          "success")
    return redirect(url_for("panels.view_meeting", meeting_id=meeting_id), code=303)


def _minutes_for(meeting_id: int):
    """The minutes in the version asked for (?version=restricted|redacted), noted for the
    audit; a member who has not confirmed the confidentiality statement is sent to it for the
    restricted one."""
    meeting = access.get_meeting_or_404(current_user, meeting_id)
    allowed = access.minutes_versions(current_user, meeting)
    version = request.args.get("version") or allowed[0]
    if version not in VERSIONS:
        abort(404)
    if version not in allowed:
        return None, redirect(url_for("panels.confidentiality", meeting_id=meeting_id), code=303)
    minutes = build_minutes(meeting, version, with_rationale=access.sees_panel_rationale(current_user, meeting))
    audit.viewed(detail=f"{version} version")
    return minutes, None


@bp.route("/panels/<int:meeting_id>/minutes")
@access.require("attend_panels")
@audit.viewing("panel_minutes_viewed", "a panel meeting's minutes", ("PanelMeeting", "meeting_id"))
def minutes(meeting_id: int):
    minutes, elsewhere = _minutes_for(meeting_id)
    if elsewhere is not None:
        return elsewhere
    meeting = db.session.get(PanelMeeting, meeting_id)
    return render_template("panels/minutes.html", minutes=minutes, meeting=meeting, versions=VERSIONS, links=LINKS,
                           allowed=access.minutes_versions(current_user, meeting), without_rationale=WITHOUT_RATIONALE)


@bp.route("/panels/<int:meeting_id>/minutes/pdf")
@access.require("attend_panels")
@audit.viewing("panel_minutes_downloaded", "a panel meeting's minutes as PDF", ("PanelMeeting", "meeting_id"))
def minutes_pdf(meeting_id: int):
    minutes, elsewhere = _minutes_for(meeting_id)
    if elsewhere is not None:
        return elsewhere
    return Response(render_pdf(minutes), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{minutes.filename}"'})


@bp.route("/panels/overview")
@access.require("run_panels")
@audit.viewing("panel_overview_viewed", "the panel overview")
def panel_overview():
    def build() -> dict:
        decisions = overview.decisions_in(access.managed_meetings(current_user))
        impact = overview.impacts(decisions)
        today = timeutil.today()
        return dict(decisions=decisions, impact=impact,
                    by_decision=overview.by_decision(decisions, impact),
                    by_agency=overview.by_agency(decisions, today), weeks=overview.WINDOW_WEEKS,
                    meeting_href=link_parts("panels.view_meeting", "meeting_id"))

    return render_page("panels/overview.html", build)
