from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovDateInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal import timeutil
from portal.forms import Form, strip
from portal.params import to_int
from portal.pupils.models import COHORT_FLAGS, year_label

YEAR_CHOICES = [(str(y), year_label(y)) for y in range(-2, 15)]


class GovDateField(DateField):
    """A date in three boxes (day, month, year) that never fails on odd input."""

    def __init__(self, label, message: str, past_only: bool = True, **kwargs):
        super().__init__(label, widget=GovDateInput(), format="%d %m %Y", **kwargs)
        self.message = message
        self.past_only = past_only  # else any date from 1990 to 2199 (term dates, closure days)

    def process_formdata(self, valuelist):
        parts = [str(v).strip() for v in (valuelist or [])][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        try:
            day, month, year = (to_int(p, min=1, max=9999) for p in parts)
            if None in (day, month, year):
                raise ValueError  # not ASCII digits, or a 25-digit year date() cannot take
            self.data = date(year, month, day)
            if self.data.year < 1990 or (self.past_only and self.data >= timeutil.today()) or self.data.year >= 2200:
                raise ValueError
        except ValueError:
            raise ValidationError(self.message) from None


class PupilForm(Form):
    legal_forename = StringField("Legal forename", widget=GovTextInput(), filters=[strip],
                                 validators=[InputRequired("Enter the pupil's legal forename"), Length(max=100)])
    legal_surname = StringField("Legal surname", widget=GovTextInput(), filters=[strip],
                                validators=[InputRequired("Enter the pupil's legal surname"), Length(max=100)])
    preferred_forename = StringField("Preferred forename (optional)", widget=GovTextInput(), filters=[strip],
                                     validators=[Optional(), Length(max=100)])
    preferred_surname = StringField("Preferred surname (optional)", widget=GovTextInput(), filters=[strip],
                                    validators=[Optional(), Length(max=100)])
    date_of_birth = GovDateField("Date of birth", "Date of birth must be a real date in the past, like 14 3 2017",
                                 validators=[InputRequired("Enter the pupil's date of birth")])
    nc_year = SelectField("Year group", widget=GovSelect(), choices=YEAR_CHOICES,
                          validators=[InputRequired("Select the year group")])
    address = StringField("Address", widget=GovTextInput(), filters=[strip], validators=[Length(max=300)])
    postcode = StringField("Postcode", widget=GovTextInput(), filters=[strip], validators=[Length(max=10)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save changes", widget=GovSubmitInput())


for _field, _label, _short in COHORT_FLAGS:
    setattr(PupilForm, _field, BooleanField(_label, widget=GovCheckboxInput()))


class ContactForm(Form):
    name = StringField("Name", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter the contact's name"), Length(max=120)])
    relationship_to_pupil = StringField("Relationship to the pupil", widget=GovTextInput(), filters=[strip],
                                        validators=[Length(max=60)])
    phone = StringField("Phone", widget=GovTextInput(), filters=[strip], validators=[Length(max=40)])
    email = EmailField("E-mail address (optional)", widget=GovTextInput(), filters=[strip],
                       validators=[Optional(), Length(max=254),
                                   Email("Enter an e-mail address in the correct format, like name@example.org",
                                         check_deliverability=False)])
    parental_responsibility = BooleanField("Has parental responsibility", widget=GovCheckboxInput())
    submit = SubmitField("Add contact", widget=GovSubmitInput())
