from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, Optional

from portal.forms import Form


class UploadForm(Form):
    kind = RadioField("What is in the file?", widget=GovRadioInput(),
                      choices=[("marks", "Attendance marks (upn,date,session,code)"),
                               ("pupils", "Pupils (details, cohort flags and a contact)")],
                      default="marks", validators=[InputRequired("Select what is in the file")])
    school_id = SelectField("School", widget=GovSelect(), validators=[Optional()],
                            description="For marks, leave as any school to import for several schools at once.")
    file = FileField("CSV file", widget=GovFileInput(),
                     validators=[FileRequired("Select a CSV file")])
    submit = SubmitField("Upload and import", widget=GovSubmitInput())
