"""LA admins set the local attendance defaults: the ambition (95% nationally). The DfE edges
(persistent absence at 90%, severe at 50%) are shown, fixed; the stage thresholds have their
own screen."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal import access
from portal.attendance import bp, calc, settings
from portal.attendance.models import LocalSettings
from portal.errors import Refused, Saved, reads
from portal.forms import Form

AMBITION_MESSAGE = f"Enter a whole number from {settings.AMBITION_MIN} to {settings.AMBITION_MAX}"


class SettingsForm(Form):
    ambition_percent = IntegerField(
        "Attendance ambition (%)", widget=GovTextInput(),
        description=f"The attendance every pupil should reach. The national ambition is {calc.AMBITION_PERCENT}%; "
                    "a trust or LA may set a higher one. Pupils above 90% and below it are “at risk”.",
        validators=[InputRequired(AMBITION_MESSAGE),
                    NumberRange(settings.AMBITION_MIN, settings.AMBITION_MAX, AMBITION_MESSAGE)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save settings", widget=GovSubmitInput())


@reads(LocalSettings)
def _settings_as_saved(row: LocalSettings) -> Saved:
    return Saved("attendance settings", [("Attendance ambition (%)", row.ambition_percent)],
                 url_for("attendance.edit_settings"))


@bp.route("/settings/attendance", methods=["GET", "POST"])
@access.require("manage_settings")
def edit_settings():
    row = settings.current()
    form = SettingsForm()
    if request.method == "GET":
        form.ambition_percent.data = settings.ambition_percent()
        form.version.data = row.version if row else 0
    elif form.validate():
        try:
            settings.update(current_user, form.ambition_percent.data, form.version.data)
        except Refused as exc:
            for field, message in exc.problems.items():
                getattr(form, field).errors = [*getattr(form, field).errors, message]
        else:
            flash("The attendance settings have been saved.", "success")
            return redirect(url_for("attendance.edit_settings"), code=303)
    return render_template("attendance/settings.html", form=form, row=row,
                           persistent=calc.PERSISTENT_PERCENT, severe=calc.SEVERE_PERCENT,
                           national=calc.AMBITION_PERCENT), (422 if form.is_submitted() else 200)
