"""LA admins keep the retention schedule, see what is due and, after confirming, delete it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal import access
from portal.errors import Refused, Saved, reads
from portal.forms import Form
from portal.retention import bp, service
from portal.retention.models import SCHEDULE, RetentionSettings

HINTS = {
    "case_years": "Years after a case is closed. Its chronology, actions, documents, letters, notices, "
                  "formal steps and panel decisions go with it.",
    "marks_years": "Years after the session. The regulations keep registers for at least 6 years.",
    "audit_years": "Years after the entry was written.",
    "encounter_years": "Years after the encounter, for a child never matched to a pupil.",
}


def _years_field(name: str, label: str) -> IntegerField:
    message = service.bound_message(name)
    low, high = service.BOUNDS[name]
    return IntegerField(f"{label} (years)", widget=GovTextInput(), description=HINTS[name],
                        validators=[InputRequired(message), NumberRange(low, high, message)])


class ScheduleForm(Form):
    case_years = _years_field("case_years", service.LABELS["case_years"])
    marks_years = _years_field("marks_years", service.LABELS["marks_years"])
    audit_years = _years_field("audit_years", service.LABELS["audit_years"])
    encounter_years = _years_field("encounter_years", service.LABELS["encounter_years"])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save the schedule", widget=GovSubmitInput())


class ConfirmForm(Form):
    confirm = BooleanField("I confirm that the records listed here are to be deleted for good",
                           widget=GovCheckboxInput(),
                           validators=[DataRequired("Confirm that the records listed are to be deleted")])
    submit = SubmitField("Delete or anonymise now", widget=GovSubmitInput())


@reads(RetentionSettings)
def _schedule_as_saved(row: RetentionSettings) -> Saved:
    return Saved("retention schedule", [(label, getattr(row, name)) for name, label, *_ in SCHEDULE],
                 url_for("retention.edit_settings"))


@bp.route("/settings/retention", methods=["GET", "POST"])
@access.require("manage_retention")
def edit_settings():
    row = service.current()
    form = ScheduleForm()
    if request.method == "GET":
        for name, value in service.years().items():
            getattr(form, name).data = value
        form.version.data = row.version if row else 0
    elif form.validate():
        try:
            service.update(current_user, {name: getattr(form, name).data for name in service.FIELDS},
                           form.version.data)
        except Refused as exc:
            for name, message in exc.problems.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            flash("The retention schedule has been saved.", "success")
            return redirect(url_for("retention.due"), code=303)
    return render_template("retention/settings.html", form=form, row=row), (422 if form.is_submitted() else 200)


@bp.route("/retention")
@access.require("manage_retention")
def due():
    return render_template("retention/due.html", plan=service.plan(), runs=service.recent_runs())


@bp.route("/retention/delete", methods=["GET", "POST"])
@access.require("manage_retention")
def confirm_delete():
    form = ConfirmForm()
    if form.validate_on_submit():
        entry = service.run(current_user, apply=True)
        flash(f"The retention run has deleted {entry.counts['cases']} cases, {entry.counts['marks']} register "
              f"marks, {entry.counts['audit']} audit entries and {entry.counts['encounters']} encounters.",
              "success")
        return redirect(url_for("retention.due"), code=303)
    return render_template("retention/confirm.html", form=form, plan=service.plan()), \
        (422 if form.is_submitted() else 200)
