"""The subject access export form: the request reference, and the confirmation."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Regexp

from portal.forms import Form, strip
from portal.subject_access.service import REFERENCE_MAX, REFERENCE_PATTERN


class ExportForm(Form):
    reference = StringField(
        "Request reference", widget=GovTextInput(), filters=[strip],
        description="The reference of the subject access request, for example SAR-2026-014.",
        validators=[InputRequired("Enter the request reference"),
                    Length(max=REFERENCE_MAX, message=f"The request reference must be {REFERENCE_MAX} characters "
                                                      "or fewer"),
                    Regexp(f"^{REFERENCE_PATTERN.pattern}$",
                           message="The request reference must start with a letter or digit and use only letters, "
                                   "digits, spaces and - / _ .")])
    confirm = BooleanField("I confirm the requester's identity has been checked and this export answers that request",
                           widget=GovCheckboxInput(),
                           validators=[InputRequired("Confirm that the identity has been checked")])
    submit = SubmitField("Download the export", widget=GovSubmitInput())
