"""The TSM screens' forms. Versions travel in a hidden `version` field; choices are filled by
the views from what the user may pick."""
from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.forms import DateBoxesField, Form, strip
from portal.tsm.models import NextStep
from portal.tsm.service import NOTE_MAX


class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class BookForm(Form):
    school_id = SelectField("School", widget=GovSelect(), validators=[InputRequired("Select the school")])
    day = DateBoxesField("Date", subject="Date of the meeting", description="For example, 4 12 2026",
                         required="Enter the date of the meeting")
    start = StringField("Start time", widget=GovTextInput(), filters=[strip],
                        description="24-hour clock, for example 10:00",
                        validators=[InputRequired("Enter the time the meeting starts")])
    place = StringField("Place", widget=GovTextInput(), filters=[strip], validators=[Length(max=200)],
                        description="For example, the school, or online")
    ewo_id = SelectField("Education welfare officer", widget=GovSelect(),
                         description="The school's named EWO unless you choose another",
                         validators=[InputRequired("Select the education welfare officer")])
    school_lead_id = SelectField("The school's attendance lead", widget=GovSelect(), validators=[Optional()])
    partners = SelectMultipleField("Invited partners", widget=GovCheckboxesInput(), validators=[Optional()],
                                   description="They see the cohort figures and items, and a pupil's item only "
                                               "when the pupil's case is shared with them.")
    submit = SubmitField("Book the meeting", widget=GovSubmitInput())

    def validate_start(self, field):
        try:
            datetime.strptime(field.data, "%H:%M")
        except (TypeError, ValueError):
            raise ValidationError("Enter the time as hours and minutes, like 10:00") from None


class ItemForm(VersionedForm):
    pupil_id = SelectField("Pupil", widget=GovSelect(), validators=[Optional()],
                           description="A pupil of the school's key groups, or leave empty and select a cohort")
    cohort = SelectField("Or a cohort", widget=GovSelect(), validators=[Optional()])
    discussed = BooleanField("Discussed at the meeting", widget=GovCheckboxInput(), default=True)
    next_step = RadioField("Agreed next step", widget=GovRadioInput(),
                           choices=[(s.value, s.label) for s in NextStep],
                           validators=[InputRequired("Select the agreed next step")])
    owner = SelectField("Owner", widget=GovSelect(), validators=[Optional()],
                        description="A person or an organisation (not needed for no further action)")
    due_date = DateBoxesField("Due date", subject="Due date", description="For example, 4 12 2026")
    note = TextAreaField("Note", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)],
                         description="What was discussed: the barriers and the reason for the step. A referral "
                                     "to the EWO is pre-filled with it.")
    submit = SubmitField("Save", widget=GovSubmitInput())


class NotesForm(VersionedForm):
    notes = TextAreaField("Overall notes", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)])
    school_actions = TextAreaField("The school's own actions", widget=GovTextArea(), filters=[strip],
                                   validators=[Length(max=NOTE_MAX)])
    submit = SubmitField("Save the notes", widget=GovSubmitInput())
