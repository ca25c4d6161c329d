"""LA admins configure the stages of the graduated response and their thresholds."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal import access, audit
from portal.cases import bp
from portal.cases.models import Stage
from portal.concurrency import check_version
from portal.errors import Conflict, Saved, reads
from portal.extensions import db
from portal.forms import Form, strip

FIELDS = ("name", "term1_days", "term2_days", "term3_days")


class StageForm(Form):
    name = StringField("Name", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter the stage's name"), Length(max=120)])
    term1_days = IntegerField("Autumn term: days absent", widget=GovTextInput(),
                              validators=[Optional(), NumberRange(0, 100, "Enter a number of days from 0 to 100")])
    term2_days = IntegerField("Spring term: days absent", widget=GovTextInput(),
                              validators=[Optional(), NumberRange(0, 100, "Enter a number of days from 0 to 100")])
    term3_days = IntegerField("Summer term: days absent", widget=GovTextInput(),
                              validators=[Optional(), NumberRange(0, 100, "Enter a number of days from 0 to 100")])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save stage", widget=GovSubmitInput())


@reads(Stage)
def _stage_as_saved(stage: Stage) -> Saved:
    return Saved("stage", [("Name", stage.name), ("Autumn term: days absent", stage.term1_days),
                           ("Spring term: days absent", stage.term2_days),
                           ("Summer term: days absent", stage.term3_days)],
                 url_for("cases.edit_stage", stage_id=stage.id))


@bp.route("/settings/stages")
@access.require("manage_stages")
def list_stages():
    stages = db.session.scalars(select(Stage).order_by(Stage.position)).all()
    return render_template("cases/stages.html", stages=stages)


@bp.route("/settings/stages/<int:stage_id>", methods=["GET", "POST"])
@access.require("manage_stages")
def edit_stage(stage_id: int):
    stage = db.get_or_404(Stage, stage_id)
    form = StageForm(obj=None if request.method == "POST" else stage)
    if request.method == "GET":
        form.version.data = stage.version
    elif form.validate():
        check_version(stage, form.version.data)
        before = audit.snapshot(stage, FIELDS)
        for field in FIELDS:
            setattr(stage, field, getattr(form, field).data)
        changes = audit.diff(before, audit.snapshot(stage, FIELDS))
        if changes:
            audit.record(current_user, "stage_updated", stage, changes=changes, summary=stage.name)
        try:
            db.session.flush()
        except StaleDataError:
            raise Conflict(stage) from None
        flash("The stage has been saved.", "success")
        return redirect(url_for("cases.list_stages"), code=303)
    return render_template("cases/stage_form.html", form=form, stage=stage), (422 if form.is_submitted() else 200)
