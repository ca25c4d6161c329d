from datetime import date, timedelta

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
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal import timeutil
from portal.cases.forms import VersionedForm
from portal.forms import DateBoxesField, Form, strip
from portal.sweeps.models import ACCOMPANIED, CONTACT_OUTCOMES, EXCLUSION, OUTCOMES

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


class SweepForm(Form):
    held_on = DateBoxesField("Date", subject="Date of the sweep", description="For example, 3 12 2026",
                             required="Enter the date of the sweep", earliest=date(2000, 1, 1),
                             latest=lambda: timeutil.today() + timedelta(days=366))
    starts_at = TimeField("Start time", widget=GovTextInput(), format=TIME_FORMATS,
                          description="24-hour clock, like 09:30",
                          validators=[InputRequired("Enter the start time, like 09:30")])
    ends_at = TimeField("End time", widget=GovTextInput(), format=TIME_FORMATS, description="24-hour clock, like 12:30",
                        validators=[InputRequired("Enter the end time, like 12:30")])
    area = StringField("Area or route", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter the area or route"), Length(max=300)])
    lead_id = SelectField("Lead officer", widget=GovSelect(), validators=[InputRequired("Select the lead officer")])
    officers = SelectMultipleField("Officers taking part", widget=GovCheckboxesInput(), validators=[Optional()])
    agencies = SelectMultipleField("Agencies taking part", widget=GovCheckboxesInput(), validators=[Optional()])
    notes = TextAreaField("Notes", widget=GovTextArea(), description="Briefing, meeting point, the designated place.",
                          validators=[Length(max=3000)])
    submit = SubmitField("Create the sweep", widget=GovSubmitInput())


class SweepEditForm(SweepForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save the changes", widget=GovSubmitInput())


class EncounterForm(Form):
    seen_time = TimeField("Time", widget=GovTextInput(), format=TIME_FORMATS, description="24-hour clock, like 10:45",
                          validators=[InputRequired("Enter the time, like 10:45")])
    location = StringField("Where", widget=GovTextInput(), filters=[strip],
                           validators=[InputRequired("Enter where the child was met"), Length(max=200)])
    officer_id = SelectField("Officer", widget=GovSelect(), validators=[InputRequired("Select the officer")])
    forename = StringField("Child's first name", widget=GovTextInput(), filters=[strip],
                           validators=[InputRequired("Enter the child's first name (as given)"), Length(max=100)])
    surname = StringField("Child's surname", widget=GovTextInput(), filters=[strip],
                          validators=[InputRequired("Enter the child's surname (as given)"), Length(max=100)])
    date_of_birth = DateBoxesField("Date of birth", when="past",
                                   description="As given, for example 27 3 2013. Leave blank if not known and give "
                                               "an age.")
    age = IntegerField("Or age", widget=GovTextInput(), description="If the date of birth is not known",
                       validators=[Optional(), NumberRange(4, 18, "Enter an age between 4 and 18")])
    school = SelectField("School, as given", widget=GovSelect(), validators=[InputRequired("Select the school")])
    school_given = StringField("School name, if not listed", widget=GovTextInput(), filters=[strip],
                               validators=[Length(max=200)])
    exclusion = RadioField("Excluded or suspended?", widget=GovRadioInput(), choices=list(EXCLUSION), default="unknown",
                           validators=[InputRequired("Select the exclusion status")])
    accompanied = RadioField("Who was the child with?", widget=GovRadioInput(), choices=list(ACCOMPANIED),
                             validators=[InputRequired("Select who the child was with")])
    reason = TextAreaField("Reason given for not being in school", widget=GovTextArea(),
                           validators=[Length(max=2000)])
    reason_accepted = RadioField("Is the reason accepted?", widget=GovRadioInput(),
                                 choices=[("no", "No"), ("yes", "Yes, for example evidence of a medical appointment")],
                                 validators=[InputRequired("Select whether the reason is accepted")])
    outcome = RadioField("Outcome", widget=GovRadioInput(), choices=list(OUTCOMES),
                         description="Never a police station: take the child to school, home or the designated place.",
                         validators=[InputRequired("Select the outcome")])
    outcome_note = StringField("Outcome details", widget=GovTextInput(), filters=[strip],
                               description="Needed when the outcome is Other.", validators=[Length(max=500)])
    concern = BooleanField("There is a safeguarding concern", widget=GovCheckboxInput())
    concern_note = TextAreaField("The safeguarding concern", widget=GovTextArea(), validators=[Length(max=2000)])
    submit = SubmitField("Save and record another", widget=GovSubmitInput())


class MatchSearchForm(Form):
    """The search on the match page (GET, and carried in the match form): a name with a date of
    birth or an age. The rules are `match_search.problems`."""
    class Meta:
        csrf = False

    name = StringField("Name", widget=GovTextInput(), filters=[strip], validators=[Length(max=100)],
                       description="First name and surname, or the start of them. Not a UPN.")
    born = DateBoxesField("Date of birth", when="past", description="For example, 27 3 2013")
    age = StringField("Or age", widget=GovTextInput(), filters=[strip], validators=[Length(max=3)],
                      description="If the date of birth is not known")

    def searched(self) -> bool:
        return bool(self.name.data or self.born.data or any(self.born.raw_data or []) or self.age.data)


class MatchForm(VersionedForm):
    choice = RadioField("Who is the child?", widget=GovRadioInput(),
                        validators=[InputRequired("Select the pupil, or ‘No match: not on roll’")])
    note = TextAreaField("Note (optional)", widget=GovTextArea(),
                         description="For a child not on roll: the enquiries made.", validators=[Length(max=2000)])
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class UndoMatchForm(VersionedForm):
    reason = TextAreaField("Why was the match wrong?", widget=GovTextArea(),
                           description="For example: the school confirmed the pupil was in class that morning.",
                           validators=[InputRequired("Enter why the match was wrong"), Length(max=2000)])
    submit = SubmitField("Undo the match", widget=GovSubmitInput())  # red: the template gives it govuk-button--warning


class FollowUpForm(VersionedForm):
    contact_outcome = RadioField("Contact with the parent or carer", widget=GovRadioInput(),
                                 choices=list(CONTACT_OUTCOMES),
                                 validators=[InputRequired(
                                     "Select what happened when you contacted the parent or carer")])
    outcome = TextAreaField("Outcome", widget=GovTextArea(),
                            description="What was said and agreed, the register code checked, what happens next.",
                            validators=[InputRequired("Record the outcome"), Length(max=3000)])
    submit = SubmitField("Save the outcome", widget=GovSubmitInput())
