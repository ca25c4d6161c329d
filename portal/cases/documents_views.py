"""Documents on a case: attach one, download one (access-checked and audited), remove one."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from portal import access, audit
from portal.cases import bp, documents
from portal.cases.filetypes import MEDIA_TYPES
from portal.cases.forms import DocumentForm, ReasonForm
from portal.cases.models import Case
from portal.errors import Refused


def _back(case: Case):
    return redirect(url_for("cases.view_case", case_id=case.id) + "#chronology", code=303)


@bp.route("/cases/<int:case_id>/documents", methods=["GET", "POST"])
@access.require("view_cases")
@audit.viewing("case_document_form_viewed", "the form to add a document to a case", ("Case", "case_id"))
def new_document(case_id: int):
    case = access.get_case_or_404(current_user, case_id)
    if not access.may_add_document(current_user, case):
        abort(403)
    form = DocumentForm()
    police = access.restricted_view(current_user)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            documents.add_document(current_user, case, data=upload.read(documents.max_bytes() + 1),
                                   filename=upload.filename or "", title=form.title.data or "",
                                   category=form.category.data, police_shareable=bool(form.police_shareable.data))
        except Refused as exc:
            for field, message in exc.problems.items():
                target = getattr(form, field, None)
                if target is None:
                    form.form_errors.append(message)
                else:
                    target.errors = [*target.errors, message]
            if not exc.problems:
                form.form_errors.append(exc.message)
        else:
            flash("The document has been added to the chronology.", "success")
            return _back(case)
    return render_template("cases/document_form.html", case=case, form=form, police=police,
                           max_text=documents.max_text()), (422 if form.is_submitted() else 200)


@bp.route("/cases/<int:case_id>/documents/<int:document_id>")
@access.require("view_cases")
@audit.viewing("case_document_downloaded", "a document of a case", ("Case", "case_id"))
def download_document(case_id: int, document_id: int):
    case = access.get_case_or_404(current_user, case_id)
    document = access.get_document_or_404(current_user, case, document_id)
    path = documents.path_of(document)
    if not path.is_file():
        abort(404)
    audit.viewed(detail=f"document #{document.id}")
    response = send_file(path, mimetype=MEDIA_TYPES[document.file_type], as_attachment=True,
                         download_name=document.filename, conditional=False, etag=False, max_age=None)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/cases/<int:case_id>/documents/<int:document_id>/remove", methods=["GET", "POST"])
@access.require("view_cases")
def remove_document(case_id: int, document_id: int):
    case = access.get_case_or_404(current_user, case_id)
    document = access.get_document_or_404(current_user, case, document_id, need="remove")
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            documents.remove_document(current_user, document, form.reason.data)
        except Refused as exc:
            form.reason.errors = [*form.reason.errors, exc.problems.get("reason", exc.message)]
        else:
            flash("The document has been removed and its file deleted. The chronology keeps a struck-through "
                  "line.", "success")
            return _back(case)
    return render_template("cases/document_remove.html", case=case, document=document, form=form), \
        (422 if form.is_submitted() else 200)
