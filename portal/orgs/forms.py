from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp
from wtforms.widgets import HiddenInput

from portal.access import ROLE_LABELS, ROLES
from portal.forms import Form, strip
from portal.orgs.models import OrgKind, SchoolPhase


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a real id: the choice validator refuses it


class OrganisationForm(Form):
    name = StringField("Name", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter the organisation's name"), Length(max=200)])
    kind = SelectField("Kind of organisation", widget=GovRadioInput(),
                       choices=[(k.value, k.label) for k in OrgKind],
                       validators=[InputRequired("Select the kind of organisation")])
    urn = StringField("URN (schools only)", widget=GovTextInput(), filters=[strip],
                      description="The 6-digit unique reference number from Get Information about Schools",
                      validators=[Optional(), Regexp(r"^\d{6}$", message="URN must be 6 digits")])
    phase = SelectField("Phase (schools only)", widget=GovSelect(),
                        choices=[("", "Not a school")] + [(p.value, p.label) for p in SchoolPhase],
                        validators=[Optional()])
    named_ewo_id = SelectField("Named education welfare officer (schools only)", widget=GovSelect(),
                               coerce=_int_or_none, validators=[Optional()],
                               validate_choice=False)  # the service checks it, with a clear message
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save organisation", widget=GovSubmitInput())

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data,
            "kind": OrgKind(self.kind.data),
            "urn": self.urn.data or None,
            "phase": SchoolPhase(self.phase.data) if self.phase.data else None,
            "named_ewo_id": self.named_ewo_id.data,
        }


class UserForm(Form):
    name = StringField("Full name", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter the person's full name"), Length(max=120)])
    email = EmailField("E-mail address", widget=GovTextInput(), filters=[strip],
                       validators=[InputRequired("Enter an e-mail address"), Length(max=254),
                                   Email("Enter an e-mail address in the correct format, like name@example.org",
                                         check_deliverability=False)])
    organisation_id = SelectField("Organisation", widget=GovSelect(), coerce=_int_or_none,
                                  validators=[InputRequired("Select an organisation")])
    role = SelectField("Role", widget=GovRadioInput(),
                       choices=[(r, ROLE_LABELS[r]) for r in ROLES],
                       validators=[InputRequired("Select a role")])
    team_manager = BooleanField("Team manager", widget=GovCheckboxInput(),
                                description="For education welfare officers only: a team manager draws and audits "
                                            "dip-samples of cases.")
    cme_officer = BooleanField("Children missing education officer", widget=GovCheckboxInput(),
                               description="For education welfare officers only: works the LA's enquiries into "
                                           "children missing education and its elective home education records.")
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Save user", widget=GovSubmitInput())

    def data_for_service(self) -> dict:
        return {"name": self.name.data, "email": self.email.data,
                "organisation_id": self.organisation_id.data, "role": self.role.data,
                "team_manager": bool(self.team_manager.data), "cme_officer": bool(self.cme_officer.data)}


class NewUserForm(UserForm):
    initial_password = PasswordField(
        "Temporary password", widget=GovPasswordInput(),
        description="Give it to the person securely. They must change it when they first sign in.",
        validators=[InputRequired("Enter a temporary password")])
    submit = SubmitField("Create user", widget=GovSubmitInput())


class ConfirmForm(Form):
    """A bare form for confirm-and-POST steps (deactivate, reactivate, unlock)."""
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Confirm", widget=GovSubmitInput())
