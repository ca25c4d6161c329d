"""The subject access export of one pupil: the form (request reference, confirmation), then
the ZIP download (LA administrators only)."""
from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from portal import access, audit
from portal.errors import Refused
from portal.subject_access import bp, service
from portal.subject_access.forms import ExportForm


@bp.route("/pupils/<int:pupil_id>/subject-access-export", methods=["GET", "POST"])
@access.require("export_subject_access")
@audit.viewing("subject_access_form_viewed", "the subject access export form of a pupil", ("Pupil", "pupil_id"))
def export(pupil_id: int):
    pupil = access.get_pupil_or_404(current_user, pupil_id)
    form = ExportForm()
    if form.validate_on_submit():
        try:
            name, data = service.export(current_user, pupil, form.reference.data)
        except Refused as exc:
            for field, message in exc.problems.items():
                getattr(form, field).errors = [message]
        else:
            return Response(data, mimetype="application/zip",
                            headers={"Content-Disposition": f'attachment; filename="{name}"',
                                     "Cache-Control": "no-store"})
    status = 422 if form.errors else 200
    return render_template("subject_access/export.html", pupil=pupil, form=form), status
