from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import Form, strip

# The common reasons for amending marks already imported (one for the whole file), and "Other".
AMENDMENT_REASONS = [
    ("late_illness", "Late evidence of illness"),
    ("taken_in_error", "Register taken in error"),
    ("corrected_after_enquiry", "Code corrected after enquiry"),
    ("reason_from_parent", "Reason for absence given by the parent or carer"),
    ("leave_decided", "Leave of absence decided after the session"),
]
OTHER = "other"


class UploadForm(Form):
    kind = RadioField("What is in the file?", widget=GovRadioInput(),
                      choices=[("marks", "Attendance marks (upn,date,session,code)"),
                               ("pupils", "Pupils (details, cohort flags and a contact)")],
                      default="marks", validators=[InputRequired("Select what is in the file")])
    school_id = SelectField("School", widget=GovSelect(), validators=[Optional()],
                            description="For marks, leave as any school to import for several schools at once.")
    reason = SelectField("Reason for changing marks already imported", widget=GovSelect(),
                         choices=[("", "None: the file only adds marks"), *AMENDMENT_REASONS, (OTHER, "Other")],
                         default="", validators=[Optional()],
                         description="Needed when the file changes a mark already imported (an amendment): the "
                                     "register keeps the reason with the original and the amended mark.")
    reason_other = StringField("If other, the reason", widget=GovTextInput(), filters=[strip],
                               validators=[Length(max=300, message="The reason must be 300 characters "
                                                                               "or fewer")])
    file = FileField("CSV file", widget=GovFileInput(),
                     validators=[FileRequired("Select a CSV file")])
    submit = SubmitField("Upload and import", widget=GovSubmitInput())

    def validate_reason_other(self, field):
        from wtforms.validators import ValidationError

        if self.reason.data == OTHER and not field.data:
            raise ValidationError("Enter the reason for changing the marks")

    def reason_text(self) -> str | None:
        """The amendment reason in words (None: the file should only add marks)."""
        if self.kind.data != "marks":
            return None
        if self.reason.data == OTHER:
            return self.reason_other.data or None
        return dict(AMENDMENT_REASONS).get(self.reason.data or "")
