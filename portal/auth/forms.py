from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from portal.forms import Form, strip


class LoginForm(Form):
    email = EmailField(
        "E-mail address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[InputRequired("Enter your e-mail address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=256)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=256)],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="At least 12 characters. A few unrelated words make a strong password.",
        validators=[InputRequired("Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Confirm your new password"),
            EqualTo("new_password", "The passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class CodeForm(Form):
    """The second step: the 6-digit code an authenticator app shows."""
    code = StringField(
        "Security code",
        widget=GovTextInput(),
        description="The 6-digit code your authenticator app shows for the Attendance Partnership Portal.",
        filters=[strip],
        validators=[InputRequired("Enter the 6-digit security code from your authenticator app"),
                    Length(max=20, message="Enter the 6-digit security code from your authenticator app")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(Form):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        description="One of the 10 codes you saved when you set up two-factor sign-in, like abcd-efgh-jkmn-pqrs. "
                    "Each code works once.",
        filters=[strip],
        validators=[InputRequired("Enter one of your recovery codes"),
                    Length(max=40, message="Enter one of your recovery codes, like abcd-efgh-jkmn-pqrs")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
