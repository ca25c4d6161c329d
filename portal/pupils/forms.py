from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.forms import DateBoxesField, Form, strip
from portal.pupils.models import COHORT_FLAGS, year_label

YEAR_CHOICES = [(str(y), year_label(y)) for y in range(-2, 15)]


class PupilForm(Form):
    legal_forename = StringField("Legal forename", widget=GovTextInput(), filters=[strip],
                                 validators=[InputRequired("Enter the pupil's legal forename"), Length(max=100)])
    legal_surname = StringField("Legal surname", widget=GovTextInput(), filters=[strip],
                                validators=[InputRequired("Enter the pupil's legal surname"), Length(max=100)])
    preferred_forename = StringField("Preferred forename (optional)", widget=GovTextInput(), filters=[strip],
                                     validators=[Optional(), Length(max=100)])
    preferred_surname = StringField("Preferred surname (optional)", widget=GovTextInput(), filters=[strip],
                                    validators=[Optional(), Length(max=100)])
    date_of_birth = DateBoxesField("Date of birth", when="past", required="Enter the pupil's date of birth")
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
