"""Forms of the calendar screens: a term's dates, a school's closure day, the confirmations."""
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import IntegerField, RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.attendance.calendar_service import TERM_NAMES
from portal.forms import DateBoxesField, Form, strip


def _date(label: str, required: bool = True, hint: str = "") -> DateBoxesField:
    return DateBoxesField(label, required=f"Enter {label[0].lower()}{label[1:]}" if required else None,
                          description=hint)


class TermForm(Form):
    academic_year = StringField("Academic year", widget=GovTextInput(), filters=[strip],
                                description="For example, 2027/28",
                                validators=[InputRequired("Enter the academic year, like 2027/28"),
                                            Length(max=9, message="Enter the academic year like 2027/28")])
    name = RadioField("Term", widget=GovRadioInput(), choices=[(n, n) for n in TERM_NAMES],
                      validators=[InputRequired("Select Autumn, Spring or Summer")])
    start_date = _date("First day of term", hint="The first day pupils attend, for example 2 9 2027")
    end_date = _date("Last day of term")
    half_term_start = _date("First day of half-term", required=False,
                            hint="The first weekday of the half-term break. Leave both half-term dates empty if "
                                 "the term has none.")
    half_term_end = _date("Last day of half-term", required=False, hint="The last weekday of the break")
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save term", widget=GovSubmitInput())

    def values(self) -> dict:
        return {f: getattr(self, f).data for f in ("academic_year", "name", "start_date", "end_date",
                                                    "half_term_start", "half_term_end")}


class ClosureForm(Form):
    date = _date("Date", hint="A day in term time when the whole school is closed, for example 20 11 2026")
    kind = RadioField("What kind of day", widget=GovRadioInput(),
                      choices=[("inset", "INSET (staff training) day"),
                               ("closure", "Other closure (for example a polling day or an emergency closure)")],
                      default="inset", validators=[InputRequired("Select INSET or other closure")])
    note = StringField("Note (optional)", widget=GovTextInput(), filters=[strip],
                       validators=[Optional(), Length(max=200, message="The note must be 200 characters or fewer")])
    submit = SubmitField("Add closure day", widget=GovSubmitInput())


class ConfirmForm(Form):
    """A confirmation page's form: only its CSRF token."""
