"""Forms of the reference figures screens: one figure, a CSV file to load."""
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.attendance.models import (
    ReferenceCohort,
    ReferenceKind,
    ReferenceMeasure,
    ReferencePeriod,
    ReferencePhase,
)
from portal.forms import DateBoxesField, Form, strip


def _choices(state) -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in state]


class ReferenceFigureForm(Form):
    kind = RadioField("Kind of figure", widget=GovRadioInput(), choices=_choices(ReferenceKind), default="national",
                      validators=[InputRequired("Select national or local")])
    academic_year = StringField("Academic year", widget=GovTextInput(), filters=[strip],
                                description="For example, 2024/25",
                                validators=[InputRequired("Enter the academic year, like 2024/25"),
                                            Length(max=7, message="Enter the academic year like 2024/25")])
    period = SelectField("Period", widget=GovSelect(), choices=_choices(ReferencePeriod),
                         validators=[InputRequired("Select the period")])
    phase = SelectField("Phase", widget=GovSelect(), choices=_choices(ReferencePhase),
                        validators=[InputRequired("Select the phase")])
    cohort = SelectField("Pupils", widget=GovSelect(), choices=_choices(ReferenceCohort),
                         validators=[InputRequired("Select the pupils the figure is about")])
    measure = SelectField("Measure", widget=GovSelect(), choices=_choices(ReferenceMeasure),
                          validators=[InputRequired("Select the measure")],
                          description="Overall, authorised and unauthorised absence are percentages of possible "
                                      "sessions; persistent and severe absence are percentages of pupils.")
    value = StringField("Figure (%)", widget=GovTextInput(), filters=[strip],
                        description="A percentage with up to 2 decimal places, for example 6.9",
                        validators=[InputRequired("Enter the figure, a percentage like 6.9"), Length(max=10)])
    source = StringField("Source", widget=GovTextInput(), filters=[strip],
                         description='The publication, for example DfE "Pupil attendance in schools"',
                         validators=[InputRequired("Enter the source, like the publication's name"),
                                     Length(max=300, message="The source must be 300 characters or fewer")])
    published_on = DateBoxesField("Date published", when="today_or_past", description="For example, 11 12 2025",
                                  required="Enter the date the figure was published")
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save figure", widget=GovSubmitInput())

    def values(self) -> dict:
        return {f: getattr(self, f).data for f in ("kind", "academic_year", "period", "phase", "cohort", "measure",
                                                    "value", "source", "published_on")}


class ReferenceUploadForm(Form):
    file = FileField("CSV file", widget=GovFileInput(), validators=[FileRequired("Select a CSV file")])
    update = BooleanField("Update figures already held", widget=GovCheckboxInput())
    submit = SubmitField("Load figures", widget=GovSubmitInput())
