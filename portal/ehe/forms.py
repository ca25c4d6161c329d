"""The EHE forms. The record's version travels in a hidden `version` field; the schools'
choices are filled by the views."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.ehe.models import EndReason, LearntFrom, Suitability
from portal.ehe.service import ADDRESS_MAX, NAME_MAX, NOTE_MAX, SCHOOL_NAME_MAX
from portal.forms import DateBoxesField, Form, strip


class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class StartForm(Form):
    upn = StringField("Unique pupil number (UPN)", widget=GovTextInput(), filters=[strip],
                      description="If the child was on a school roll here: the child's details then come from "
                                  "the pupil record. Leave it empty for a child never on a roll here.",
                      validators=[Length(max=13)])
    forename = StringField("Child's first name", widget=GovTextInput(), filters=[strip],
                           validators=[Length(max=NAME_MAX)])
    surname = StringField("Child's last name", widget=GovTextInput(), filters=[strip],
                          validators=[Length(max=NAME_MAX)])
    date_of_birth = DateBoxesField("Child's date of birth", description="For example, 27 3 2014", when="past")
    address = StringField("Address", widget=GovTextInput(), filters=[strip], validators=[Length(max=ADDRESS_MAX)])
    started_on = DateBoxesField("Date home education started", description="For example, 4 12 2026",
                                required="Enter the date home education started", when="today_or_past")
    learnt_from = RadioField("How the LA learnt of it", widget=GovRadioInput(),
                             choices=[(o.value, o.label) for o in LearntFrom],
                             validators=[InputRequired("Select how the LA learnt of it")])
    previous_school_id = SelectField("School previously attended", widget=GovSelect(), validate_choice=False,
                                     description="A school of the partnership (for a pupil: their school, if "
                                                 "left empty)")
    previous_school_name = StringField("Or the school's name, if it is not one of the partnership's",
                                       widget=GovTextInput(), filters=[strip],
                                       validators=[Length(max=SCHOOL_NAME_MAX)])
    next_review_on = DateBoxesField("First review date", description="Optional. For example, 5 3 2027")
    note = TextAreaField("Note", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)],
                         description="Optional")
    submit = SubmitField("Record home education", widget=GovSubmitInput())


class EnquiryForm(VersionedForm):
    asked_on = DateBoxesField("Date of the enquiry", description="For example, 4 12 2026",
                              required="Enter the date of the enquiry", when="today_or_past")
    question = TextAreaField("What was asked", widget=GovTextArea(), filters=[strip],
                             validators=[InputRequired("Enter what was asked"), Length(max=NOTE_MAX)])
    response = TextAreaField("The response", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)],
                             description="Optional: what the parent or carer said or sent")
    outcome = RadioField("Outcome", widget=GovRadioInput(), choices=[(o.value, o.label) for o in Suitability],
                         validators=[InputRequired("Select the outcome")])
    next_step = TextAreaField("Next step", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)],
                              description="When the education is not suitable and this is left empty, the next "
                                          "step recorded is to consider a school attendance order")
    submit = SubmitField("Save the enquiry", widget=GovSubmitInput())


class ReviewForm(VersionedForm):
    reviewed_on = DateBoxesField("Date of the review", description="For example, 4 12 2026",
                                 required="Enter the date of the review", when="today_or_past")
    note = TextAreaField("Notes of the review", widget=GovTextArea(), filters=[strip],
                         validators=[InputRequired("Enter the notes of the review"), Length(max=NOTE_MAX)])
    next_review_on = DateBoxesField("Next review date", description="Optional. For example, 5 3 2027")
    submit = SubmitField("Save the review", widget=GovSubmitInput())


class EndForm(VersionedForm):
    end_reason = RadioField("Why home education ended", widget=GovRadioInput(),
                            choices=[(o.value, o.label) for o in EndReason],
                            validators=[InputRequired("Select why home education ended")])
    end_school_id = SelectField("School returned to", widget=GovSelect(), validate_choice=False,
                                description="Only when the child returned to school")
    ended_on = DateBoxesField("Date home education ended", description="For example, 4 12 2026",
                              required="Enter the date home education ended", when="today_or_past")
    end_note = TextAreaField("Note", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)],
                             description="Optional: for example, the new local authority")
    submit = SubmitField("End home education", widget=GovSubmitInput())
