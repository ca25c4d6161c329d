"""The panel screens' forms. The meeting's version travels in a hidden `version` field."""
from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.forms import DateBoxesField, Form, strip
from portal.panels.rules import NOT_LISTABLE, SLOT_RANGE
from portal.params import MAX_ID


class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ScheduleForm(Form):
    day = DateBoxesField("Date", subject="Date of the meeting", description="For example, 4 12 2026",
                         required="Enter the date of the meeting")
    start = StringField("Start time", widget=GovTextInput(), filters=[strip],
                        description="24-hour clock, for example 10:00",
                        validators=[InputRequired("Enter the time the meeting starts")])
    place = StringField("Place", widget=GovTextInput(), filters=[strip], validators=[Length(max=200)],
                        description="For example, Civic Centre, Room 2. Leave empty for an online meeting.")
    online_link = StringField("Online meeting link", widget=GovTextInput(), filters=[strip],
                              description="A web address starting with https://", validators=[Length(max=500)])
    chair_id = SelectField("Chair", widget=GovSelect(), validators=[Optional()])
    notes = TextAreaField("Notes for members", widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField("Schedule the meeting", widget=GovSubmitInput())

    def validate_start(self, field):
        try:
            datetime.strptime(field.data, "%H:%M")
        except (TypeError, ValueError):
            raise ValidationError("Enter the time as hours and minutes, like 10:00") from None


class AddItemForm(VersionedForm):
    # Chosen from the search results (radios); the search finds the cases the user may list.
    case_id = IntegerField("Case", validators=[InputRequired("Search for the case and choose it"),
                                               NumberRange(1, MAX_ID, NOT_LISTABLE)])  # the same answer as any other
    reason = TextAreaField("Why the panel should discuss it", widget=GovTextArea(), filters=[strip],
                           validators=[InputRequired("Enter the reason for adding the case"), Length(max=2000)])
    submit = SubmitField("Add the case", widget=GovSubmitInput())


class RemoveItemForm(VersionedForm):
    reason = TextAreaField("Why is the case removed from the agenda?", widget=GovTextArea(), filters=[strip],
                           validators=[InputRequired("Enter the reason for removing the case"), Length(max=2000)])
    submit = SubmitField("Remove the case", widget=GovSubmitInput())  # red: the template gives it govuk-button--warning


class SlotForm(VersionedForm):
    minutes = IntegerField("Minutes", validators=[InputRequired("Enter the minutes"),
                                                  NumberRange(*SLOT_RANGE, message="Enter %(min)s to %(max)s minutes")])


class InviteUserForm(Form):
    user_id = SelectField("Invite a person", widget=GovSelect(), validators=[InputRequired("Select a person")])
    submit = SubmitField("Invite", widget=GovSubmitInput(), render_kw={"class": "govuk-button--secondary"})


class InviteAgencyForm(Form):
    organisation_id = SelectField("Invite an agency", widget=GovSelect(),
                                  description="Anyone at the agency may then attend and see the agenda.",
                                  validators=[InputRequired("Select an agency")])
    submit = SubmitField("Invite the agency", widget=GovSubmitInput(), render_kw={"class": "govuk-button--secondary"})
