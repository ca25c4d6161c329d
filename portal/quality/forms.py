"""Dip-sampling forms. The audit form is built per version of the audit form (a grade and a
comment per criterion); versions travel in a hidden `version` field."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.forms import DateBoxesField, Form, strip
from portal.quality.models import Grade, Population
from portal.quality.service import MAX_SAMPLE, MAX_SEED, TEXT_MAX, TITLE_MAX

GRADE_CHOICES = [(g.value, g.label) for g in Grade]



class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class DrawForm(Form):
    size = IntegerField("Number of cases", widget=GovTextInput(),
                        validators=[InputRequired("Enter how many cases to sample"),
                                    NumberRange(1, MAX_SAMPLE, f"Enter a number from 1 to {MAX_SAMPLE}")])
    population = RadioField("Draw from", widget=GovRadioInput(), choices=[(p.value, p.label) for p in Population],
                            validators=[InputRequired("Select where to draw the sample from")])
    closed_from = DateBoxesField("Closed from", subject="The first day of the period",
                                 description="For closed cases: the first day of the period, for example 1 9 2026")
    closed_to = DateBoxesField("Closed to", subject="The last day of the period",
                               description="For closed cases: the last day of the period, for example 31 12 2026")
    seed = StringField("Seed (optional)", widget=GovTextInput(), filters=[strip],
                       description="A whole number. The same seed on the same cases draws the same sample; leave "
                                   "it empty and one is chosen and recorded.",
                       validators=[Optional(), Length(max=len(str(MAX_SEED)))])
    submit = SubmitField("Draw the sample", widget=GovSubmitInput())


def audit_form_class(criteria) -> type[VersionedForm]:
    """The audit form for these criteria: `grade_<id>` and `comment_<id>` for each."""

    class AuditForm(VersionedForm):
        overall_grade = RadioField("Overall grade", widget=GovRadioInput(), choices=GRADE_CHOICES,
                                   validators=[Optional()])
        learning_points = TextAreaField("Learning points", widget=GovTextArea(), filters=[strip],
                                        description="What went well, and what the lead professional and the service "
                                                    "can learn",
                                        validators=[Length(max=TEXT_MAX)])
        save = SubmitField("Save as draft", widget=GovSubmitInput())
        complete = SubmitField("Complete the audit", widget=GovSubmitInput())

    for c in criteria:
        setattr(AuditForm, f"grade_{c.id}", RadioField(c.title, widget=GovRadioInput(), choices=GRADE_CHOICES,
                                                       validators=[Optional()], description=c.guidance))
        setattr(AuditForm, f"comment_{c.id}", TextAreaField(f"Comment on “{c.title}”", widget=GovTextArea(),
                                                            filters=[strip], validators=[Length(max=TEXT_MAX)]))
    return AuditForm


class AcknowledgeForm(VersionedForm):
    response = TextAreaField("Your response (optional)", widget=GovTextArea(), filters=[strip],
                             validators=[Length(max=TEXT_MAX)])
    submit = SubmitField("Acknowledge the audit", widget=GovSubmitInput())


class CriterionForm(VersionedForm):
    title = StringField("Criterion", widget=GovTextInput(), filters=[strip],
                        validators=[InputRequired("Enter the criterion"), Length(max=TITLE_MAX)])
    guidance = TextAreaField("Guidance for the auditor", widget=GovTextArea(), filters=[strip],
                             validators=[Length(max=TEXT_MAX)])
    position = IntegerField("Position", widget=GovTextInput(), description="1 comes first",
                            validators=[InputRequired("Enter the position as a number from 1 to 99"),
                                        NumberRange(1, 99, "Enter the position as a number from 1 to 99")])
    submit = SubmitField("Save the criterion", widget=GovSubmitInput())
    remove = SubmitField("Remove the criterion", widget=GovSubmitInput())
