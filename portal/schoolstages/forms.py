"""The school stages' forms. Versions travel in a hidden `version` field; choices of people are
filled by the views from the school's staff."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.forms import DateBoxesField, Form, strip
from portal.schoolstages.key_actions import ACTION_MAX
from portal.schoolstages.models import STAGE_ACTIONS, CallOutcome
from portal.schoolstages.service import ATTENDEES_MAX, NOTE_MAX


class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class CallForm(VersionedForm):
    call_date = DateBoxesField("Date of the call", description="For example, 4 12 2026",
                               required="Enter the date of the call", when="today_or_past")
    outcome = RadioField("Outcome", widget=GovRadioInput(), choices=[(o.value, o.label) for o in CallOutcome],
                         validators=[InputRequired("Select the outcome of the call")])
    note = TextAreaField("Note", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)],
                         description="The reason given, or the concern (optional)")
    submit = SubmitField("Save the call", widget=GovSubmitInput())


class MeetingForm(VersionedForm):
    stage = RadioField("Stage", widget=GovRadioInput(),
                       choices=[(str(s), f"Stage {s}: {STAGE_ACTIONS[s].lower()}") for s in (2, 3, 4)],
                       validators=[InputRequired("Select the stage of the meeting: 2, 3 or 4")])
    meeting_date = DateBoxesField("Date of the meeting", description="For example, 4 12 2026",
                                  required="Enter the date of the meeting", when="today_or_past")
    attendees = StringField("Who met", widget=GovTextInput(), filters=[strip],
                            description="For example, the tutor, the pupil and their mother",
                            validators=[InputRequired("Enter who met"), Length(max=ATTENDEES_MAX)])
    targets = TextAreaField("Targets set", widget=GovTextArea(), filters=[strip],
                            validators=[InputRequired("Enter the targets set"), Length(max=NOTE_MAX)])
    support = TextAreaField("Support offered", widget=GovTextArea(), filters=[strip],
                            validators=[Length(max=NOTE_MAX)])
    next_review = DateBoxesField("Next review date", description="Optional. For example, 18 12 2026")
    submit = SubmitField("Save the meeting", widget=GovSubmitInput())


class AllocateForm(VersionedForm):
    owner_id = SelectField("Allocated to", widget=GovSelect(),
                           validators=[InputRequired("Select a member of the school's staff")])
    action = StringField("Action", widget=GovTextInput(), filters=[strip],
                         validators=[InputRequired("Enter the action"), Length(max=ACTION_MAX)])
    due_date = DateBoxesField("Due date", description="For example, 11 12 2026",
                              required="Enter the date the action is due")
    submit = SubmitField("Allocate", widget=GovSubmitInput())


class ReviewForm(Form):
    note = TextAreaField("Note (optional)", widget=GovTextArea(), filters=[strip], validators=[Length(max=ACTION_MAX)])
    submit = SubmitField("Record that I have reviewed this week's list", widget=GovSubmitInput())
