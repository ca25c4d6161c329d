"""The minutes of a Targeting Support Meeting: a printable page and a PDF, audited."""
from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from portal import access, audit
from portal.tsm import bp, service
from portal.tsm.minutes import MARKING, build_minutes, render_pdf


@bp.route("/support-meetings/<int:tsm_id>/minutes")
@access.require("attend_tsms")
@audit.viewing("tsm_minutes_viewed", "a Targeting Support Meeting's minutes", ("SupportMeeting", "tsm_id"))
def minutes(tsm_id: int):
    meeting = access.get_tsm_or_404(current_user, tsm_id)
    return render_template("tsm/minutes.html", minutes=build_minutes(current_user, meeting), meeting=meeting,
                           marking=MARKING, day_label=service.day_label)


@bp.route("/support-meetings/<int:tsm_id>/minutes/pdf")
@access.require("attend_tsms")
@audit.viewing("tsm_minutes_downloaded", "a Targeting Support Meeting's minutes as PDF",
               ("SupportMeeting", "tsm_id"))
def minutes_pdf(tsm_id: int):
    meeting = access.get_tsm_or_404(current_user, tsm_id)
    minutes = build_minutes(current_user, meeting)
    return Response(render_pdf(minutes), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{minutes.filename}"'})
