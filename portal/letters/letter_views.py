"""Letters to parents: drafting them (on a case, or a school's stage letter from the pupil's
page), the printable preview, the PDF, marking one sent (frozen) and discarding a draft."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import access, audit
from portal.cases.models import Case
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import shows_errors
from portal.letters import bp, service, sources
from portal.letters.fields import default_period
from portal.letters.forms import LetterForm
from portal.letters.models import Audience, Letter, LetterStatus, LetterTemplate
from portal.params import to_int
from portal.pupils.models import Pupil
from portal.sqlite import writes_on_get
from portal.statements import StatementMemo, Who, rows_of


@reads(Letter)
def _letter_as_saved(letter: Letter) -> Saved:
    return Saved("letter", [("Letter", letter.title), ("Status", letter.status.label)],
                 url_for("letters.view_letter", letter_id=letter.id))


def _letter_form(pupil: Pupil, templates: list[LetterTemplate],
                 source: sources.Source | None = None) -> LetterForm:
    form = LetterForm()
    form.template_id.choices = [(str(t.id), t.name) for t in templates]
    only = source.contact_ids if source else None
    form.contact_ids.choices = [(str(c.id), f"{c.name}" + (f" ({c.relationship_to_pupil})"
                                                           if c.relationship_to_pupil else ""))
                                for c in service.liable_parents(pupil) if only is None or c.id in only]
    if not form.is_submitted():
        wanted = request.args.get("template", "") or (source.template_key if source else "") or ""
        chosen = next((t for t in templates if t.key == wanted), None)
        form.template_id.data = str(chosen.id) if chosen else None
        form.contact_ids.data = [value for value, _ in form.contact_ids.choices]
        form.start.data, form.end.data = default_period(pupil)
    return form


def _draft(form: LetterForm, pupil: Pupil, case, templates: list[LetterTemplate], audiences, extra):
    """Drafts from a valid form, or None with the form's errors filled in."""
    chosen = {str(t.id): t for t in templates}.get(form.template_id.data or "")
    try:
        return service.draft_letters(current_user, pupil=pupil, case=case, template=chosen,
                                     contact_ids=[i for i in (to_int(v) for v in form.contact_ids.data or []) if i],
                                     start=form.start.data, end=form.end.data, extra=extra, audiences=audiences)
    except Refused as exc:
        for field, message in exc.problems.items():
            target = getattr(form, field, None)
            if target is None:
                form.form_errors.append(message)
            else:
                target.errors = [*target.errors, message]
        if not exc.problems:
            form.form_errors.append(exc.message)
        return None


def _after_drafting(letters: list[Letter], back: str):
    if len(letters) == 1:
        flash("The letter has been drafted: check it, then mark it as sent.", "success")
        return redirect(url_for("letters.view_letter", letter_id=letters[0].id), code=303)
    flash(f"{len(letters)} letters have been drafted, one for each parent or carer: check each, then mark it as "
          "sent.", "success")
    return redirect(back, code=303)


@bp.route("/cases/<int:case_id>/letters/new", methods=["GET", "POST"])
@writes_on_get  # the LA's default templates are written on first use
@access.require("write_case_letters")
@audit.viewing("letter_form_viewed", "the form to write a letter on a case", ("Case", "case_id"))
def new_case_letter(case_id: int):
    case = access.get_case_or_404(current_user, case_id, need="lead")
    if case.is_closed:
        abort(403)
    service.ensure_default_templates()
    templates = [t for t in service.templates(Audience.la)
                 if not t.penalty_detail or access.may_see_penalty_detail(current_user, case)]
    source = sources.source_for(current_user, case, request.args)
    form = _letter_form(case.pupil, templates, source)
    if form.validate_on_submit():
        letters = _draft(form, case.pupil, case, templates, (Audience.la,), source.extra)
        if letters:
            return _after_drafting(letters, url_for("cases.view_case", case_id=case.id) + "#letters")
    return render_template("letters/letter_form.html", form=form, pupil=case.pupil, case=case, about=source.label,
                           back=url_for("cases.view_case", case_id=case.id)), (422 if form.is_submitted() else 200)


@bp.route("/pupils/<int:pupil_id>/letters/new", methods=["GET", "POST"])
@writes_on_get  # the LA's default templates are written on first use
@access.require("write_pupil_letters")
@audit.viewing("school_letter_form_viewed", "the form to write a school letter", ("Pupil", "pupil_id"))
def new_pupil_letter(pupil_id: int):
    pupil = access.get_pupil_or_404(current_user, pupil_id)
    service.ensure_default_templates()
    templates = service.templates(Audience.school)
    form = _letter_form(pupil, templates)
    if form.validate_on_submit():
        letters = _draft(form, pupil, None, templates, (Audience.school,), None)
        if letters:
            return _after_drafting(letters, url_for("pupils.view", pupil_id=pupil.id) + "#letters")
    return render_template("letters/letter_form.html", form=form, pupil=pupil, case=None,
                           back=url_for("pupils.view", pupil_id=pupil.id)), (422 if form.is_submitted() else 200)


def _letter_page(letter: Letter, status: int = 200, send_error: str | None = None):
    from portal.letters.merge import paragraphs

    return render_template("letters/letter.html", letter=letter, page=service.page_for(letter),
                           paragraphs=paragraphs(letter.text),
                           may_change=access.may_change_letter(current_user, letter),
                           send_error=shows_errors(send_error),
                           sees_case=_sees_case(letter)), status


def _sees_case(letter: Letter) -> bool:
    if letter.case_id is None or not access.can(current_user, "view_cases"):
        return False
    return db.session.scalar(access.cases_for(current_user).where(Case.id == letter.case_id)
                             .with_only_columns(Case.id)) is not None


@bp.route("/letters/<int:letter_id>")
@access.require("view_letters")
@audit.viewing("letter_viewed", "a letter", ("Letter", "letter_id"))
def view_letter(letter_id: int):
    letter = access.get_letter_or_404(current_user, letter_id)
    return _letter_page(letter)


@bp.route("/letters/<int:letter_id>/letter.pdf")
@access.require("view_letters")
@audit.viewing("letter_downloaded", "a letter as PDF", ("Letter", "letter_id"))
def letter_pdf(letter_id: int):
    letter = access.get_letter_or_404(current_user, letter_id)
    return Response(service.pdf_of(letter), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{letter.filename}"',
                             "X-Content-Type-Options": "nosniff"})


@bp.route("/letters/<int:letter_id>/send", methods=["POST"])
@access.require("view_letters")
@audit.viewing("letter_viewed", "a letter", ("Letter", "letter_id"))
def send_letter(letter_id: int):
    letter = access.get_letter_or_404(current_user, letter_id, need="change")
    if request.form.get("confirm") != "sent":
        return _letter_page(letter, 422, "Confirm that the letter has been sent (printed and posted, or handed over)")
    try:
        service.mark_sent(current_user, letter, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        return _letter_page(letter, 422, exc.message)
    flash("The letter is marked as sent. Its PDF is kept as it is now" +
          (" and is in the case's documents and chronology." if letter.document_id else "."), "success")
    return redirect(url_for("letters.view_letter", letter_id=letter.id), code=303)


@bp.route("/letters/<int:letter_id>/discard", methods=["GET", "POST"])
@access.require("view_letters")
@audit.viewing("letter_discard_form_viewed", "the page to discard a draft letter", ("Letter", "letter_id"))
def discard_letter(letter_id: int):
    letter = access.get_letter_or_404(current_user, letter_id, need="change")
    error = None
    if request.method == "POST":
        if request.form.get("confirm") != "discard":
            error = "Select ‘Yes, discard the draft’ to discard it"
        else:
            try:
                service.discard(current_user, letter, to_int(request.form.get("version")))
            except Refused as exc:
                error = exc.message
            else:
                flash(f"The draft letter to {letter.recipient} has been discarded.", "success")
                back = (url_for("cases.view_case", case_id=letter.case_id) if letter.case_id
                        and access.can_lead(current_user, letter.case)
                        else url_for("pupils.view", pupil_id=letter.pupil_id)
                        if access.sees_pupil(current_user, letter.pupil_id) else url_for("dashboard.home"))
                return redirect(back + "#letters", code=303)
    return render_template("letters/discard.html", letter=letter, error=shows_errors(error)), (422 if error else 200)


def case_letters(case, records=None) -> list[Letter]:
    """The letters of a case the signed-in person may see, newest first (the case page's section).
    `records`: the case's kinds of record, when known (`cases.service.records_on_case`)."""
    from portal.cases.service import may_have

    if not may_have(records, "letters"):
        return []

    return list(db.session.scalars(_case_letters_statement(Who.of(current_user)), {"case_id": case.id}))


def _build_case_letters(who: Who):  # noqa: ANN202 - a statement
    """`access.letters_for` the user, of one case (a parameter), newest first."""
    from sqlalchemy import Integer, bindparam
    from sqlalchemy.orm import joinedload

    from portal.letters.models import LetterTemplateVersion

    return (access.letters_for(who).where(Letter.case_id == bindparam("case_id", type_=Integer))
            .options(joinedload(Letter.template_version).joinedload(LetterTemplateVersion.template))
            .order_by(Letter.created_at.desc(), Letter.id.desc()))


_case_letters_statement = StatementMemo(_build_case_letters)


class PupilLetter(NamedTuple):
    """A line of the pupil page's list of letters (plain values, not the letter and its text)."""
    id: int
    template_name: str
    recipient: str
    status: LetterStatus
    sent_at: datetime | None
    created_at: datetime

    @property
    def is_sent(self) -> bool:
        return self.status == LetterStatus.sent


def _build_pupil_letters(who: Who):
    """The letters about a pupil (`pupil_id`) a user may see, newest first, as `PupilLetter`s'
    columns: built from the user's id, role and organisation only (`access.letters_for`)."""
    from sqlalchemy import bindparam

    from portal.letters.models import LetterTemplateVersion

    return (access.letters_for(who)
            .with_only_columns(Letter.id, LetterTemplate.name, Letter.recipient, Letter.status, Letter.sent_at,
                               Letter.created_at, maintain_column_froms=False)
            .select_from(Letter)
            .join(LetterTemplateVersion, LetterTemplateVersion.id == Letter.template_version_id)
            .join(LetterTemplate, LetterTemplate.id == LetterTemplateVersion.template_id)
            .where(Letter.pupil_id == bindparam("pupil_id"))
            .order_by(Letter.created_at.desc(), Letter.id.desc()))


_pupil_letters_statement = StatementMemo(_build_pupil_letters)


def pupil_letters(pupil) -> list[PupilLetter]:
    return [PupilLetter(*row) for row in rows_of(_pupil_letters_statement(Who.of(current_user)),
                                                  {"pupil_id": pupil.id})]


@bp.app_template_global("case_letters")
def _case_letters_global(case, records=None):
    return case_letters(case, records)


@bp.app_template_global("pupil_letters")
def _pupil_letters_global(pupil):
    return pupil_letters(pupil)


@bp.app_template_global("may_write_case_letters")
def _may_write_case_letters(case):
    return access.may_write_case_letters(current_user, case)

