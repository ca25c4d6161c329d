"""The forms of the formal steps: one per kind for its details, and the status, extension and
agreed-action forms. Dates are GOV.UK date boxes (`DateBoxesField`)."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.formal_steps.models import SECTIONS, StepKind
from portal.forms import DateBoxesField, Form, strip
from portal.params import to_int

EXAMPLE = "For example, 4 1 2027"


def _version(value):
    return to_int(value) if isinstance(value, str) else value


class VersionedForm(Form):
    # a HiddenField (the error summary links past it); its value a whole number or None
    version = HiddenField(filters=[_version])


class ContractForm(VersionedForm):
    parent_commitments = TextAreaField("What the parent (and pupil) agree to do", widget=GovTextArea(),
                                       filters=[strip], validators=[Length(max=5000)],
                                       description="One commitment a line, for example: Sam will be at school by "
                                                   "8:40 every day.")
    service_commitments = TextAreaField("What the school and the LA agree to do", widget=GovTextArea(),
                                        filters=[strip], validators=[Length(max=5000)],
                                        description="The support on the other side, for example: a breakfast "
                                                    "club place and a weekly check-in with the EWO.")
    starts_on = DateBoxesField("Start date", subject="Start date", description=EXAMPLE)
    ends_on = DateBoxesField("End date", subject="End date", description=EXAMPLE)
    next_review = DateBoxesField("Next review", subject="Date of the next review", description=EXAMPLE)
    submit = SubmitField("Save the contract", widget=GovSubmitInput())


class OrderForm(VersionedForm):
    applied_on = DateBoxesField("Date the LA applied to the family court", subject="Application date",
                                description=EXAMPLE, required="Enter the date the LA applied to the court")
    hearing_on = DateBoxesField("Hearing date", subject="Hearing date", description=EXAMPLE)
    starts_on = DateBoxesField("Order start date", subject="Order start date", description=EXAMPLE)
    ends_on = DateBoxesField("Order end date", subject="Order end date",
                             description="Leave it empty: an order lasts one year from its start. Extensions are "
                                         "recorded on their own.")
    supervisor_id = SelectField("Supervisor", widget=GovSelect(), validators=[Optional()])
    next_review = DateBoxesField("Next review", subject="Date of the next review", description=EXAMPLE)
    outcome = TextAreaField("Outcome of the hearing", widget=GovTextArea(), filters=[strip],
                            validators=[Length(max=2000)])
    submit = SubmitField("Save the order", widget=GovSubmitInput())


class ProsecutionForm(VersionedForm):
    section = RadioField("Section of the Education Act 1996", widget=GovRadioInput(), choices=list(SECTIONS),
                         validators=[InputRequired("Select the section of the Education Act 1996")])
    hearing_on = DateBoxesField("First hearing", subject="Date of the first hearing", description=EXAMPLE)
    further_hearing = DateBoxesField("Add a further hearing", subject="Date of the further hearing",
                                     description="Only when the case is adjourned to another date.")
    fine_pounds = IntegerField("Fine (£)", widget=GovTextInput(),
                               validators=[Optional(), NumberRange(1, 2500, "Enter a fine from £1 to £2,500")])
    outcome = TextAreaField("Outcome", widget=GovTextArea(), filters=[strip], validators=[Length(max=2000)],
                            description="For example: conditional discharge for 12 months; costs of £150.")
    parenting_order = BooleanField("The court made a parenting order", widget=GovCheckboxInput())
    parenting_order_on = DateBoxesField("Date of the parenting order", subject="Date of the parenting order",
                                        description=EXAMPLE)
    submit = SubmitField("Save the prosecution", widget=GovSubmitInput())


FORMS = {StepKind.attendance_contract: ContractForm, StepKind.parenting_contract: ContractForm,
         StepKind.education_supervision_order: OrderForm, StepKind.prosecution: ProsecutionForm}


class StatusForm(VersionedForm):
    status = RadioField("New status", widget=GovRadioInput(), validators=[InputRequired("Select the new status")])
    on = DateBoxesField("Date", subject="Date", when="today_or_past",
                        description="Needed for a review, an order granted or a file prepared. " + EXAMPLE)
    note = TextAreaField("Note (optional)", widget=GovTextArea(), filters=[strip], validators=[Length(max=2000)],
                         description="For an order or a prosecution decided: the outcome.")
    submit = SubmitField("Change the status", widget=GovSubmitInput())


class ExtensionForm(VersionedForm):
    new_end = DateBoxesField("New end date of the order", subject="New end date",
                             required="Enter the new end date of the order", description=EXAMPLE)
    granted_on = DateBoxesField("Date the court granted the extension", subject="Date granted",
                                when="today_or_past", required="Enter the date the court granted the extension")
    submit = SubmitField("Record the extension", widget=GovSubmitInput())


class StepActionForm(Form):
    description = TextAreaField("What will be done", widget=GovTextArea(), filters=[strip],
                                validators=[InputRequired("Describe the action"), Length(max=2000)])
    owner = SelectField("Owner", widget=GovSelect(), validators=[InputRequired("Select who owns the action")])
    due_date = DateBoxesField("Due date", subject="Due date", description=EXAMPLE,
                              required="Enter the date the action is due")
    submit = SubmitField("Add the agreed action", widget=GovSubmitInput())
