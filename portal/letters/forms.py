"""Forms of the letters: a template (new, or a new version of one) and a letter to draft."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import HiddenInput

from portal.forms import DateBoxesField, Form, strip
from portal.letters.merge import MAX_BODY, MAX_SUBJECT

BODY_HINT = ("Plain text: leave a blank line between paragraphs. Merge fields go in double curly brackets, "
             "for example {{ pupil.name }}: see the list of merge fields.")


class TemplateTextForm(Form):
    """A new version of a template: its heading and text (checked by `merge.check` in the service)."""
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    subject = StringField("Heading", widget=GovTextInput(), filters=[strip],
                          description="Shown in bold above the letter, for example: "
                                      "Our concern about {{ pupil.name }}'s attendance")
    body = TextAreaField("Text of the letter", widget=GovTextArea(), description=BODY_HINT)
    submit = SubmitField("Save a new version", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.render_kw = {"maxlength": MAX_SUBJECT * 2}
        self.body.render_kw = {"maxlength": MAX_BODY * 2}


class NewTemplateForm(TemplateTextForm):
    name = StringField("Name", widget=GovTextInput(), filters=[strip],
                       description="How staff find it, for example: Invitation to a school attendance panel")
    audience = RadioField("Who sends it", widget=GovRadioInput(),
                          choices=[("la", "The LA, on a case"), ("school", "A school, for its pupils")],
                          validators=[InputRequired("Select who sends letters of this template")])
    penalty_detail = BooleanField("It carries penalty notice details (partners do not see these letters unless "
                                  "the penalty details are shared with them)", widget=GovCheckboxInput())
    submit = SubmitField("Add the template", widget=GovSubmitInput())


class RetireForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class LetterForm(Form):
    """A letter to draft: which template, for which liable parents, and the period its record covers
    (choices set by the view)."""
    template_id = RadioField("Which letter", widget=GovRadioInput(), validators=[InputRequired("Select a letter")])
    contact_ids = SelectMultipleField("Who it is for", widget=GovCheckboxesInput(), coerce=str,
                                      validators=[InputRequired("Select who the letter is for")],
                                      description="Each parent or carer with parental responsibility gets a "
                                                  "letter of their own.")
    start = DateBoxesField("First day of the period", required="Enter the first day of the period",
                           when="today_or_past", description="The attendance record in the letter covers this "
                                                             "period. For example, 1 9 2026")
    end = DateBoxesField("Last day of the period", required="Enter the last day of the period",
                         when="today_or_past")
    submit = SubmitField("Draft the letters", widget=GovSubmitInput())
