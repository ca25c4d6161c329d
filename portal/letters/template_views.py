"""Letter templates, kept by LA admins: the list, a new template, a new version of one (with its
history and a preview with made-up values), retiring and reinstating."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import access
from portal.errors import Refused, Saved, reads
from portal.letters import bp, service
from portal.letters.fields import sample_fields
from portal.letters.forms import NewTemplateForm, RetireForm, TemplateTextForm
from portal.letters.merge import FIELDS, TemplateProblem, merge
from portal.letters.models import LetterTemplate


@reads(LetterTemplate)
def _template_as_saved(template: LetterTemplate) -> Saved:
    return Saved("letter template", [("Name", template.name), ("Version", template.current.number),
                                     ("Heading", template.current.subject)],
                 url_for("letters.edit_template", template_id=template.id))


def _field_list() -> list[tuple[str, str]]:
    rows = []
    for name, attrs in FIELDS.items():
        if isinstance(attrs, str):
            rows.append((name, attrs))
        else:
            rows.extend((f"{name}.{attr}", what) for attr, what in attrs.items())
    return rows


def _put_problems(form, exc: Refused) -> None:
    for field, message in exc.problems.items():
        target = getattr(form, field, None)
        if target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]
    if not exc.problems:
        form.form_errors.append(exc.message)


@bp.route("/letter-templates")
@access.require("manage_letter_templates")
def list_templates():
    service.ensure_default_templates()
    return render_template("letters/templates.html", templates=service.templates(retired=True))


@bp.route("/letter-templates/new", methods=["GET", "POST"])
@access.require("manage_letter_templates")
def new_template():
    form = NewTemplateForm()
    if form.validate_on_submit():
        try:
            template = service.create_template(current_user, name=form.name.data or "", audience=form.audience.data,
                                               penalty_detail=bool(form.penalty_detail.data),
                                               subject=form.subject.data or "", body=form.body.data or "")
        except Refused as exc:
            _put_problems(form, exc)
        else:
            flash(f"The template ‘{template.name}’ has been added.", "success")
            return redirect(url_for("letters.edit_template", template_id=template.id), code=303)
    return render_template("letters/template_new.html", form=form, fields=_field_list()), \
        (422 if form.is_submitted() else 200)


@bp.route("/letter-templates/<int:template_id>", methods=["GET", "POST"])
@access.require("manage_letter_templates")
def edit_template(template_id: int):
    template = access.get_letter_template_or_404(current_user, template_id)
    form = TemplateTextForm()
    if not form.is_submitted():
        form.subject.data, form.body.data = template.current.subject, template.current.body
        form.version.data = template.version
    elif form.validate():
        try:
            version = service.save_version(current_user, template, form.subject.data or "", form.body.data or "",
                                           form.version.data)
        except Refused as exc:
            _put_problems(form, exc)
        else:
            flash(f"Version {version.number} of ‘{template.name}’ has been saved. Letters already drafted or sent "
                  "keep their own text.", "success")
            return redirect(url_for("letters.edit_template", template_id=template.id), code=303)
    preview, preview_problem = "", None
    try:
        preview = merge(template.current.body, sample_fields())
    except TemplateProblem as exc:  # a template saved before a rule tightened
        preview_problem = exc.message
    return render_template("letters/template_edit.html", template=template, form=form, fields=_field_list(),
                           preview=preview, preview_problem=preview_problem,
                           retire_form=RetireForm(formdata=None, version=template.version)), \
        (422 if form.is_submitted() else 200)


@bp.route("/letter-templates/<int:template_id>/retire", methods=["GET", "POST"])
@access.require("manage_letter_templates")
def retire_template(template_id: int):
    """GET: the confirmation; POST: retire (or, for a retired one, reinstate) the template."""
    template = access.get_letter_template_or_404(current_user, template_id)
    form = RetireForm()
    if request.method == "POST":
        if not form.validate():
            flash("The form has expired: try again.", "important")
            return redirect(url_for("letters.edit_template", template_id=template.id), code=303)
        retire = not template.retired
        try:
            service.set_retired(current_user, template, retire, form.version.data)
        except Refused as exc:
            flash(exc.message, "important")
        else:
            flash(f"‘{template.name}’ has been {'retired: it can no longer be chosen' if retire else 'reinstated'}.",
                  "success")
        return redirect(url_for("letters.list_templates"), code=303)
    form.version.data = template.version
    return render_template("letters/template_retire.html", template=template, form=form)
