"""LA admins keep the national and local reference figures the dashboards compare against:
the list (filtered by year, period and measure), add, change (version-checked), remove (after
confirming), load from a CSV file (all or nothing) and download as CSV."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import access
from portal.attendance import bp, reference, reference_csv
from portal.attendance.calendar_forms import ConfirmForm
from portal.attendance.models import ReferenceFigure, ReferenceMeasure, ReferencePeriod
from portal.attendance.reference_forms import ReferenceFigureForm, ReferenceUploadForm
from portal.csvutil import csv_response
from portal.errors import Refused, Saved, reads
from portal.extensions import db

MAX_UPLOAD_BYTES = 1024 * 1024


@reads(ReferenceFigure)
def _figure_as_saved(figure: ReferenceFigure) -> Saved:
    return Saved("reference figure", [("Figure", reference.describe(figure)),
                                      ("Value", reference.percent_text(figure.value)), ("Source", figure.source),
                                      ("Date published", f"{figure.published_on:%-d %B %Y}")],
                 url_for("attendance.reference_figure", figure_id=figure.id))


def _apply_problems(form, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = list(field.errors) + [message]


def _filters() -> dict:
    """The list's filters from the query string; a value that names nothing held is ignored."""
    year = request.args.get("year", "")
    return {"academic_year": year if year in reference.years_held() else None,
            "period": ReferencePeriod.get(request.args.get("period")),
            "measure": ReferenceMeasure.get(request.args.get("measure"))}


@bp.route("/settings/reference-figures")
@access.require("manage_reference_figures")
def reference_figures():
    filters = _filters()
    figures = reference.figures(**filters)
    # the sources, numbered once below the table (most figures share one release)
    sources: dict[tuple, int] = {}
    for f in figures:
        sources.setdefault((f.source, f.published_on), len(sources) + 1)
    return render_template("attendance/reference_figures.html", figures=figures, sources=sources,
                           filters=filters, years=reference.years_held(), periods=list(ReferencePeriod),
                           measures=list(ReferenceMeasure), percent_text=reference.percent_text)


@bp.route("/settings/reference-figures.csv")
@access.require("manage_reference_figures")
def reference_figures_csv():
    # the rows are read now: the response streams after the request's session has ended
    return csv_response("reference-figures.csv", reference_csv.HEADER,
                        list(reference_csv.rows(reference.figures(**_filters()))))


@bp.route("/settings/reference-figures/new", methods=["GET", "POST"])
@access.require("manage_reference_figures")
def reference_new():
    form = ReferenceFigureForm()
    if form.is_submitted():
        if form.validate():
            try:
                figure = reference.add(current_user, form.values())
            except Refused as exc:
                _apply_problems(form, exc.problems)
            else:
                flash(f"{reference.describe(figure)} has been added.", "success")
                return redirect(url_for("attendance.reference_figures"), code=303)
        return render_template("attendance/reference_form.html", form=form, figure=None), 422
    return render_template("attendance/reference_form.html", form=form, figure=None)


@bp.route("/settings/reference-figures/<int:figure_id>", methods=["GET", "POST"])
@access.require("manage_reference_figures")
def reference_figure(figure_id: int):
    figure = db.get_or_404(ReferenceFigure, figure_id)
    form = ReferenceFigureForm(obj=None if request.method == "POST" else figure)
    if request.method == "GET":
        form.version.data = figure.version
        form.value.data = f"{figure.value:.2f}".rstrip("0").rstrip(".") if figure.value is not None else ""
    elif form.validate():
        try:
            reference.update(current_user, figure, form.version.data, form.values())
        except Refused as exc:
            _apply_problems(form, exc.problems)
        else:
            flash(f"{reference.describe(figure)} has been saved.", "success")
            return redirect(url_for("attendance.reference_figures"), code=303)
    return render_template("attendance/reference_form.html", form=form, figure=figure), \
        (422 if form.is_submitted() else 200)


@bp.route("/settings/reference-figures/<int:figure_id>/remove", methods=["GET", "POST"])
@access.require("manage_reference_figures")
def reference_remove(figure_id: int):
    figure = db.get_or_404(ReferenceFigure, figure_id)
    back = url_for("attendance.reference_figures")
    form = ConfirmForm()
    if form.validate_on_submit():
        described = reference.describe(figure)
        reference.remove(current_user, figure)
        flash(f"{described} has been removed.", "success")
        return redirect(back, code=303)
    return render_template("attendance/remove.html", form=form, back=back,
                           title="Remove this reference figure?",
                           warning=f"{reference.describe(figure)}: {reference.percent_text(figure.value)}. "
                                   "Dashboards stop comparing against it. The removal is kept in the audit log.",
                           button="Yes, remove it"), (422 if form.is_submitted() else 200)


@bp.route("/settings/reference-figures/upload", methods=["GET", "POST"])
@access.require("manage_reference_figures")
def reference_upload():
    form = ReferenceUploadForm()
    problems: list[tuple[int, str, str]] = []
    total = 0
    if form.is_submitted():
        if form.validate():
            upload = form.file.data
            data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                form.file.errors.append("The file must be smaller than 1 MB")
            else:
                try:
                    loaded = reference_csv.load(current_user, data, update=bool(form.update.data),
                                                filename=(upload.filename or "")[:100])
                except reference_csv.LoadRefused as exc:
                    problems, total = exc.rows, exc.total
                    form.file.errors.append(exc.message)
                else:
                    flash(f"The figures have been loaded: {loaded.summary}.", "success")
                    return redirect(url_for("attendance.reference_figures"), code=303)
        return render_template("attendance/reference_upload.html", form=form, problems=problems, total=total,
                               header=reference_csv.HEADER), 422
    return render_template("attendance/reference_upload.html", form=form, problems=problems, total=total,
                           header=reference_csv.HEADER)
