"""The forms of notices to improve, requests and penalty notices."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.formal.models import DEFAULT_IMPROVEMENT, NoticeReason, ServedBy
from portal.formal.notices import MAX_WEEKS, MIN_WEEKS
from portal.forms import DateBoxesField, Form, strip


class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


def _ids(values) -> list[int]:
    return [int(v) for v in values or [] if str(v).isdigit() and len(str(v)) < 10]


class NtiForm(Form):
    issued_on = DateBoxesField("Date the notice is issued", subject="The date the notice is issued",
                               description="For example, 4 12 2026", required="Enter the date the notice is issued",
                               when="today_or_past")
    weeks = RadioField("Improvement period", widget=GovRadioInput(),
                       choices=[(str(n), f"{n} school weeks") for n in range(MIN_WEEKS, MAX_WEEKS + 1)],
                       description="Counted on the school's calendar: holidays and half-terms are not school weeks.",
                       validators=[InputRequired("Select the improvement period")])
    parent_ids = SelectMultipleField("Liable parents the notice covers", widget=GovCheckboxesInput(),
                                     validate_choice=False, validators=[Optional()])
    support_ids = SelectMultipleField("Support offered (from the chronology)", widget=GovCheckboxesInput(),
                                      validate_choice=False, validators=[Optional()])
    rationale = TextAreaField("Or: why support was not appropriate", widget=GovTextArea(), filters=[strip],
                              validators=[Length(max=3000)])
    improvement = TextAreaField("What counts as sufficient improvement", widget=GovTextArea(), filters=[strip],
                                default=DEFAULT_IMPROVEMENT, validators=[Length(max=1000)])
    submit = SubmitField("Issue the notice to improve", widget=GovSubmitInput())

    def chosen(self, field) -> list[int]:
        return _ids(field.data)


class NtiOutcomeForm(VersionedForm):
    improved = RadioField("Did attendance improve enough?", widget=GovRadioInput(),
                          choices=[("yes", "Yes: improved, no further action"),
                                   ("no", "No: not improved, consider a penalty notice")],
                          validators=[InputRequired("Select whether attendance improved enough")])
    note = TextAreaField("Notes (optional)", widget=GovTextArea(), filters=[strip], validators=[Length(max=2000)])
    submit = SubmitField("Record the outcome", widget=GovSubmitInput())


class NtiRequestForm(Form):
    evidence = TextAreaField("Your evidence", widget=GovTextArea(), filters=[strip],
                             description="The pupil's unauthorised absence, what the school has done and the support "
                                         "offered, with dates.",
                             validators=[InputRequired("Give your evidence"), Length(max=5000)])
    submit = SubmitField("Send the request to the LA", widget=GovSubmitInput())


class ReasonForm(VersionedForm):
    reason = TextAreaField("Reason", widget=GovTextArea(), filters=[strip],
                           validators=[InputRequired("Enter the reason"), Length(max=2000)])


class PenaltyForm(Form):
    parent_ids = SelectMultipleField("Liable parents who receive a notice", widget=GovCheckboxesInput(),
                                     description="One notice per parent.", validate_choice=False,
                                     validators=[Optional()])
    reason = RadioField("Reason for the notice", widget=GovRadioInput(),
                        choices=[(r.value, r.label) for r in NoticeReason],
                        validators=[InputRequired("Select the reason for the notice")])
    skip_reason = TextAreaField("Why no notice to improve came first (if none did)", widget=GovTextArea(),
                                filters=[strip], description="For example: an unauthorised term-time holiday.",
                                validators=[Length(max=2000)])
    submit = SubmitField("Draft the notices", widget=GovSubmitInput())

    def chosen(self) -> list[int]:
        return _ids(self.parent_ids.data)


class IssueForm(VersionedForm):
    issued_on = DateBoxesField("Date issued", subject="The date the notice was issued",
                               description="For example, 4 12 2026", required="Enter the date the notice was issued",
                               when="today_or_past")
    served_by = RadioField("How it was served", widget=GovRadioInput(),
                           choices=[(s.value, s.label) for s in ServedBy],
                           description="Served by post, the 21 and 28 days count from the deemed delivery date: "
                                       "two working days after posting.",
                           validators=[InputRequired("Select how the notice was served")])
    submit = SubmitField("Issue the notice", widget=GovSubmitInput())


class PaymentForm(VersionedForm):
    paid_on = DateBoxesField("Date paid", subject="The date of payment", description="For example, 4 12 2026",
                             required="Enter the date the payment was made", when="today_or_past")
    amount = StringField("Amount paid, in pounds", widget=GovTextInput(), filters=[strip],
                         validators=[InputRequired("Enter the amount paid, in pounds"), Length(max=12)])
    submit = SubmitField("Record the payment", widget=GovSubmitInput())

    def pounds(self) -> int | None:
        text = (self.amount.data or "").replace("£", "").replace(",", "").strip()
        if text.endswith(".00"):
            text = text[:-3]
        return int(text) if text.isdigit() and len(text) < 7 else None


class SharingForm(VersionedForm):
    shared = BooleanField("Share this notice's details (number, amounts, dates to pay, payment) with the partner "
                          "agencies the case is shared with", widget=GovCheckboxInput())
    submit = SubmitField("Save", widget=GovSubmitInput())


class ProsecutionForm(VersionedForm):
    submit = SubmitField("Record as unpaid: consider prosecution", widget=GovSubmitInput())
