"""The children-missing-education forms. Versions travel in a hidden `version` field."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.cme.models import DeletionGround, EnquiryOutcome, EnquirySource, NotificationKind
from portal.cme.service import NAME_MAX, NOTE_MAX, TEXT_MAX
from portal.forms import DateBoxesField, Form, strip


class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class NotificationForm(Form):
    kind = RadioField("What are you notifying?", widget=GovRadioInput(),
                      choices=[(k.value, k.label) for k in NotificationKind],
                      validators=[InputRequired("Select what you are notifying")])
    event_date = DateBoxesField("Date of deletion or of joining", description="For example, 4 12 2026",
                                required="Enter the date of deletion or of joining", when="today_or_past")
    ground = RadioField("Ground for the deletion", widget=GovRadioInput(), validators=[Optional()],
                        choices=[(g.value, g.label) for g in DeletionGround],
                        description="Only for a deletion from the admission register")
    destination = StringField("Destination school or address", widget=GovTextInput(), filters=[strip],
                              validators=[Length(max=TEXT_MAX)],
                              description="Only for a deletion. Leave empty when it is not known: the LA will "
                                          "open an enquiry")
    previous_school = StringField("Previous school", widget=GovTextInput(), filters=[strip],
                                  validators=[Length(max=300)],
                                  description="Only for a joiner, if known")
    note = TextAreaField("Note (optional)", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)])
    submit = SubmitField("Notify the LA", widget=GovSubmitInput())


class JointEnquiryForm(Form):
    done_on = DateBoxesField("Date of the enquiries", description="For example, 4 12 2026",
                             required="Enter the date of the enquiries", when="today_or_past")
    what_done = TextAreaField("What was done", widget=GovTextArea(), filters=[strip],
                              description="For example, calls to both parents, a home visit, contact with the "
                                          "last known school",
                              validators=[InputRequired("Enter what was done"), Length(max=NOTE_MAX)])
    submit = SubmitField("Save the enquiries", widget=GovSubmitInput())


class EnquiryForm(Form):
    source = RadioField("Where the report came from", widget=GovRadioInput(),
                        choices=[(s.value, s.label) for s in (EnquirySource.professional, EnquirySource.other_la)],
                        validators=[InputRequired("Select where the report came from")])
    child_name = StringField("Child's name", widget=GovTextInput(), filters=[strip],
                             validators=[InputRequired("Enter the child's name"), Length(max=NAME_MAX)])
    date_of_birth = DateBoxesField("Date of birth (if known)", description="For example, 27 3 2015", when="past")
    address = StringField("Address (if known)", widget=GovTextInput(), filters=[strip],
                          validators=[Length(max=TEXT_MAX)])
    family_contact = StringField("Family contact (if known)", widget=GovTextInput(), filters=[strip],
                                 validators=[Length(max=TEXT_MAX)])
    lead_id = SelectField("Who leads it", widget=GovSelect(), coerce=int, validators=[Optional()])
    submit = SubmitField("Open the enquiry", widget=GovSubmitInput())


class OutcomeForm(VersionedForm):
    outcome = RadioField("Outcome", widget=GovRadioInput(), choices=[(o.value, o.label) for o in EnquiryOutcome],
                         validators=[InputRequired("Select the outcome of the enquiry")])
    outcome_detail = StringField("Which school, which local authority, or to whom it was escalated",
                                 widget=GovTextInput(), filters=[strip], validators=[Length(max=TEXT_MAX)])
    outcome_date = DateBoxesField("Date the other LA was notified, the LA was told, or it was escalated",
                                  description="For example, 4 12 2026", when="today_or_past")
    outcome_note = TextAreaField("Note", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)],
                                 description="Needed for the outcome \"Other\"")
    submit = SubmitField("Close the enquiry", widget=GovSubmitInput())


class ReopenForm(VersionedForm):
    reason = TextAreaField("Why is the enquiry reopened?", widget=GovTextArea(), filters=[strip],
                           validators=[InputRequired("Enter why the enquiry is reopened"), Length(max=NOTE_MAX)])
    submit = SubmitField("Reopen the enquiry", widget=GovSubmitInput())


class VersionOnlyForm(VersionedForm):
    pass


class StepForm(VersionedForm):
    due_date = DateBoxesField("Due date", description="For example, 4 12 2026",
                              required="Enter the date the step is due")
    done_on = DateBoxesField("Date done", description="Leave empty while it is not done", when="today_or_past")
    outcome = StringField("Outcome", widget=GovTextInput(), filters=[strip], validators=[Length(max=TEXT_MAX)])
    notes = TextAreaField("Notes", widget=GovTextArea(), filters=[strip], validators=[Length(max=NOTE_MAX)])
    submit = SubmitField("Save the step", widget=GovSubmitInput())


class LinkPupilForm(VersionedForm):
    upn = StringField("Unique pupil number (UPN)", widget=GovTextInput(), filters=[strip],
                      validators=[InputRequired("Enter the UPN of a pupil on a roll in the borough"), Length(max=20)])
    submit = SubmitField("Link and close as found on a roll", widget=GovSubmitInput())


class UploadForm(Form):
    file = FileField("CSV file", widget=GovFileInput(), validators=[FileRequired("Select a CSV file")])
    submit = SubmitField("Notify the LA", widget=GovSubmitInput())


class ShareForm(Form):
    organisation_id = SelectField("Share with", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    reason = TextAreaField("Why the enquiry is shared", widget=GovTextArea(), filters=[strip],
                           description="Share the minimum needed, and record why.", validators=[Optional()])
    submit = SubmitField("Share the enquiry", widget=GovSubmitInput())


class WithdrawShareForm(VersionedForm):
    reason = TextAreaField("Why the share is withdrawn", widget=GovTextArea(), filters=[strip],
                           validators=[Optional()])
