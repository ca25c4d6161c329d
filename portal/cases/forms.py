import re
from datetime import datetime, time

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.cases.models import (
    CHRONOLOGY_KINDS,
    CLOSURE_REASONS,
    CONSENT,
    DOCUMENT_CATEGORIES,
    MANUAL_KINDS,
    NOT_APPROPRIATE_REASONS,
    URGENCY,
    ActionStatus,
    CaseStatus,
)
from portal.forms import DateBoxesField, Form, strip
from portal.timeutil import LONDON, today

YES_NO = (("yes", "Yes"), ("no", "No"))


class VersionedForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReferralForm(VersionedForm):
    """Barriers come as checkboxes `barrier` with a description `barrier_<key>` each (read in
    the view); the rest are ordinary fields."""
    stage_reached = SelectField("Highest school stage reached", widget=GovSelect(), coerce=str,
                                choices=[("", "Not recorded"), ("1", "Stage 1: first-day calls"),
                                         ("2", "Stage 2: tutor meeting"), ("3", "Stage 3: year leader meeting"),
                                         ("4", "Stage 4: senior leader meeting")], validators=[Optional()])
    school_actions = TextAreaField("What has the school already done?", widget=GovTextArea(),
                                   description="Dates of calls, letters and meetings, and the support offered.",
                                   validators=[Length(max=5000)])
    # Nothing is preselected: the school chooses (a missing choice stops the submission, not a
    # draft: `referrals.missing_in`). The choices are checked there too.
    consent = RadioField("Parental consent to share information", widget=GovRadioInput(), choices=list(CONSENT),
                         validate_choice=False, validators=[Optional()])
    lawful_basis = TextAreaField("If consent was not given: the lawful basis for sharing", widget=GovTextArea(),
                                 description="For example: public task (the LA's attendance duties), or a "
                                             "safeguarding concern. Lack of consent does not block a "
                                             "safeguarding share.",
                                 validators=[Length(max=2000)])
    urgency = RadioField("Urgency", widget=GovRadioInput(), choices=list(URGENCY), validate_choice=False,
                         validators=[Optional()])
    safeguarding_concern = RadioField("Is there a safeguarding concern?", widget=GovRadioInput(),
                                      choices=list(YES_NO), validate_choice=False, validators=[Optional()])


class AdditionForm(Form):
    text = TextAreaField("Add information", widget=GovTextArea(), filters=[strip],
                         validators=[DataRequired("Enter the information to add"), Length(max=5000)])
    submit = SubmitField("Add to the referral", widget=GovSubmitInput())


class TriageForm(VersionedForm):
    decision = RadioField("Decision", widget=GovRadioInput(),
                          choices=[("accept", "Accept: open a case"),
                                   ("more_info", "Ask the school for more information"),
                                   ("decline", "Decline")], validators=[InputRequired("Select a decision")])
    lead_id = SelectField("Lead professional", widget=GovSelect(), validators=[Optional()])
    message = TextAreaField("Message to the school", widget=GovTextArea(),
                            description="Needed to ask for more information or to decline: the school sees it.",
                            validators=[Length(max=3000)])
    police = BooleanField("Accepted: the police may see that the case was opened, if it is shared with them",
                          widget=GovCheckboxInput())  # chosen, never assumed
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def validate_message(self, field):
        if self.decision.data in ("more_info", "decline") and not (field.data or "").strip():
            raise ValidationError("Tell the school what is needed, or why the referral is declined")


class EntryForm(Form):
    kind = SelectField("Kind of entry", widget=GovSelect(),
                       choices=[(k, label) for k, label in CHRONOLOGY_KINDS if k in MANUAL_KINDS],
                       validators=[InputRequired("Select the kind of entry")])
    occurred_on = DateBoxesField("When it happened", subject="Date it happened", when="today_or_past",
                                 description="For example, 20 11 2026", default=today,
                                 required="Enter the date it happened")
    occurred_time = StringField("Time (optional)", widget=GovTextInput(), filters=[strip],
                                description="24-hour clock, like 14:30. Leave empty if you do not know it.",
                                validators=[Length(max=5)])
    text = TextAreaField("What happened", widget=GovTextArea(),
                         description="For ‘Support not appropriate’: the rationale (why support is not "
                                     "appropriate here), at least 40 characters.",
                         validators=[InputRequired("Enter what happened"), Length(max=5000)])
    # support first: a support plan names the support and its review date; "support not
    # appropriate" says which reason (checked in the service, per kind)
    support_name = StringField("Support plan: the support put in place", widget=GovTextInput(), filters=[strip],
                               description="Only for a support plan. For example: weekly mentoring and a "
                                           "breakfast club place.",
                               validators=[Optional(), Length(max=300)])
    review_on = DateBoxesField("Support plan: review date", subject="Review date of the support plan",
                               description="Only for a support plan. For example, 15 1 2027")
    not_appropriate_reason = SelectField("Support not appropriate: reason", widget=GovSelect(),
                                         choices=[("", "Only for ‘Support not appropriate’")]
                                         + list(NOT_APPROPRIATE_REASONS), validators=[Optional()])
    police_shareable = BooleanField("Can be seen by the police if the case is shared with them")
    health = BooleanField("This is a health note (never shown to the police)")
    submit = SubmitField("Add to the chronology", widget=GovSubmitInput())

    def validate_occurred_time(self, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError("Enter the time as hours and minutes on the 24-hour clock, like 14:30")

    def occurred(self) -> tuple[datetime, bool]:
        """When it happened (aware, London) and whether the time was given: without a time, the
        day's noon (for ordering only; no time is shown)."""
        given = parse_time(self.occurred_time.data or "")
        return datetime.combine(self.occurred_on.data, given or time(12, 0), tzinfo=LONDON), given is not None


def parse_time(text: str) -> time | None:
    """HH:MM on the 24-hour clock (also H:MM and HH.MM); None for anything else."""
    match = re.fullmatch(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])", text.strip(), re.ASCII)
    return time(int(match[1]), int(match[2])) if match else None


class ReasonForm(Form):
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[InputRequired("Enter the reason"), Length(max=2000)])


class WithdrawForm(ReasonForm, VersionedForm):
    """Withdraw a share: why, and the version of the share the page showed."""


class ActionForm(Form):
    description = TextAreaField("What will be done", widget=GovTextArea(),
                                validators=[InputRequired("Describe the action"), Length(max=2000)])
    owner = SelectField("Owner", widget=GovSelect(), validators=[InputRequired("Select who owns the action")])
    due_date = DateBoxesField("Due date", subject="Due date", description="For example, 4 12 2026",
                              required="Enter the date the action is due")
    police_shareable = BooleanField("The police may see this action if the case is shared with them",
                                    widget=GovCheckboxInput())  # chosen, never assumed
    submit = SubmitField("Add action", widget=GovSubmitInput())


class CompleteForm(VersionedForm):
    outcome = TextAreaField("Outcome", widget=GovTextArea(),
                            validators=[InputRequired("Record the outcome"), Length(max=2000)])
    status = SelectField("Status", choices=[(s.value, s.label) for s in (ActionStatus.done, ActionStatus.cancelled)],
                         default=ActionStatus.done.value)


class ShareForm(Form):
    organisation_id = SelectField("Share with", widget=GovSelect(),
                                  validators=[InputRequired("Select an organisation")])
    reason = TextAreaField("Why the case is shared", widget=GovTextArea(),
                           description="Share the minimum needed, and record why.",
                           validators=[InputRequired("Enter the reason for sharing"), Length(max=2000)])
    submit = SubmitField("Share the case", widget=GovSubmitInput())


class CaseUpdateForm(VersionedForm):
    stage_id = SelectField("Stage", widget=GovSelect(), validators=[Optional()])
    status = SelectField("Status", widget=GovSelect(),
                         choices=[(s.value, s.label) for s in (CaseStatus.open, CaseStatus.monitoring)],
                         validators=[Optional()])
    next_review = DateBoxesField("Next review", subject="Date of the next review",
                                 description="For example, 15 1 2027")
    reason = StringField("Reason for the change (optional)", widget=GovTextInput(), validators=[Length(max=500)])
    police = BooleanField("The police may see a stage or status change if the case is shared with them",
                          widget=GovCheckboxInput())  # chosen, never assumed
    submit = SubmitField("Save", widget=GovSubmitInput())


class CloseForm(VersionedForm):
    reason = RadioField("Why is the case closing?", widget=GovRadioInput(), choices=list(CLOSURE_REASONS),
                        validators=[InputRequired("Select a reason")])
    text = TextAreaField("More detail", widget=GovTextArea(), validators=[Length(max=2000)])
    # "Stepped up to children's social care as lead": the case stays open with this social worker as lead.
    lead_id = SelectField("If stepped up to children's social care: the social worker who leads the case now",
                          widget=GovSelect(), validators=[Optional()],
                          description="The case is not closed: it stays open with them as lead professional.")
    police = BooleanField("The police may see that the case was closed, and why (the reason only), if the case "
                          "is shared with them", widget=GovCheckboxInput())  # chosen, never assumed
    submit = SubmitField("Close the case", widget=GovSubmitInput())  # red: the template gives it govuk-button--warning


class DocumentForm(Form):
    """A document attached to a case. The file's type is checked by its content in the service."""
    file = FileField("File", widget=GovFileInput(), validators=[FileRequired("Select a file")],
                     description="A PDF, a PNG or JPEG image (a photo of a signed form), or a Word, Excel or "
                                 "OpenDocument file.")
    title = StringField("Description", widget=GovTextInput(), filters=[strip],
                        description="For example: attendance contract signed by mum. Leave it empty to use "
                                    "the file's name.",
                        validators=[Optional(), Length(max=200, message="The description must be 200 characters "
                                                                           "or fewer")])
    category = RadioField("What kind of document is it?", widget=GovRadioInput(), choices=list(DOCUMENT_CATEGORIES),
                          validators=[InputRequired("Select what kind of document this is")])
    police_shareable = BooleanField("The police may see and download this document if the case is shared with "
                                    "them", widget=GovCheckboxInput(), default=False)
    submit = SubmitField("Add the document", widget=GovSubmitInput())


class LeadForm(VersionedForm):
    """The case's lead professional: any active practitioner of the partnership (choices set by the view)."""
    lead_id = SelectField("Lead professional", widget=GovSelect(), validators=[InputRequired("Select a practitioner")],
                          description="An education welfare officer, an early help key worker, a school nurse or "
                                      "a social worker.")
    police = BooleanField("The police may see who leads the case now, if the case is shared with them",
                          widget=GovCheckboxInput())  # chosen, never assumed
    submit = SubmitField("Change the lead professional", widget=GovSubmitInput())


class FamilyChildForm(Form):
    """A sibling to add to (or remove from) a whole-family case."""
    pupil_id = IntegerField(widget=HiddenInput(), validators=[InputRequired("Choose a sibling")])
    reason = StringField("Why is the child no longer covered?", widget=GovTextInput(),
                         validators=[Optional(), Length(max=500)], filters=[strip])
