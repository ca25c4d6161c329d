"""Imports (upload, progress, errors) and the school attendance view."""
from __future__ import annotations

import os
from functools import partial

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.orm import selectinload

from portal import access, audit, transaction
from portal.attendance import bp, calc, flags, jobs, recovery, service, summaries, uploads
from portal.attendance.forms import UploadForm
from portal.attendance.imports import errors_path
from portal.attendance.models import ImportJob, ImportStatus
from portal.attendance.school_rows import school_rows
from portal.csvutil import csv_response
from portal.errors import Refused
from portal.extensions import db, htmx
from portal.forms import shows_errors
from portal.orgs.models import Organisation
from portal.pagecache import render_page
from portal.pagination import Numbered, page_links, paginate
from portal.params import int_arg
from portal.pupils.models import COHORT_FLAGS, Pupil, year_label
from portal.schoolstages.service import STAGE_DUE, stages_of
from portal.statements import StatementMemo
from portal.urls import href_format


def _school_choices():
    schools = db.session.scalars(access.schools_for(current_user)).all()
    if access.can(current_user, "import_for_any_school"):
        return [("", "Any school")] + [(str(s.id), s.name) for s in schools]
    return [(str(s.id), s.name) for s in schools]


@bp.route("/imports", methods=["GET", "POST"])
@access.require("import_attendance")
def list_imports():
    recovery.maybe_recover()
    form = UploadForm()
    form.school_id.choices = _school_choices()
    status = 200
    if form.is_submitted():
        upload = form.file.data
        if form.validate():
            problem = service.upload_problem(upload.filename, upload.stream, form.kind.data)
            if problem is None:
                job = service.create_import_job(
                    current_user, form.kind.data, upload.stream, upload.filename, origin=request.remote_addr,
                    school_id=int(form.school_id.data) if form.school_id.data else None, reason=form.reason_text())
                transaction.after_commit(partial(jobs.start, job.id))
                return redirect(url_for("attendance.view_import", job_id=job.id), code=303)
            form.file.errors.append(problem)
        status = 422
    recent = paginate(access.imports_for(current_user).options(selectinload(ImportJob.school))
                      .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()), per_page=10)
    return render_template("attendance/imports.html", form=form, recent=recent,
                           pages=page_links(recent)), status


@bp.route("/imports/<int:job_id>")
@access.require("import_attendance")
def view_import(job_id: int):
    recovery.maybe_recover()  # a job whose worker went away is failed (at most once a minute)
    job = access.get_import_or_404(current_user, job_id)
    shows_errors(job.finished and job.status != ImportStatus.done)  # a failed import lists its problems
    return render_template("attendance/import.html", job=job, can_retry=service.can_retry(job),
                           errors_until=uploads.errors_kept_until(job.finished_at),
                           errors_expired=uploads.errors_expired(job.finished_at))


@bp.route("/imports/<int:job_id>/retry", methods=["POST"])
@access.require("import_attendance")
def retry_import(job_id: int):
    """Try a failed import again from its kept file: its uploader or an LA administrator
    (the only people who can see the job)."""
    job = access.get_import_or_404(current_user, job_id)
    try:
        retry = service.retry_import_job(current_user, job, origin=request.remote_addr)
    except Refused as refused:
        flash(refused.message, "info")
        return redirect(url_for("attendance.view_import", job_id=job.id), code=303)
    transaction.after_commit(partial(jobs.start, retry.id))
    return redirect(url_for("attendance.view_import", job_id=retry.id), code=303)


@bp.route("/imports/<int:job_id>/progress")
@access.require("import_attendance")
def import_progress(job_id: int):
    recovery.maybe_recover()
    job = access.get_import_or_404(current_user, job_id)
    return render_template("attendance/_import_progress.html", job=job, can_retry=service.can_retry(job),
                           errors_until=uploads.errors_kept_until(job.finished_at),
                           errors_expired=uploads.errors_expired(job.finished_at))


@bp.route("/imports/<int:job_id>/errors.csv")
@access.require("import_attendance")
def import_errors(job_id: int):
    job = access.get_import_or_404(current_user, job_id)
    path = errors_path(job)
    if job.status != ImportStatus.failed or uploads.errors_expired(job.finished_at):
        uploads.discard(path)  # kept IMPORT_ERRORS_DAYS, even if no restart has swept it yet
        abort(404)
    if not os.path.exists(path):
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"import-{job.id}-errors.csv")


@bp.route("/samples/<string:name>")
@access.require("import_attendance")
def sample(name: str):
    from portal.config import ROOT

    files = {"attendance-marks.csv", "pupils.csv"}
    if name not in files:
        abort(404)
    return send_file(ROOT / "samples" / name, mimetype="text/csv", as_attachment=True, download_name=name)


# ----- school attendance ---------------------------------------------------------------

@bp.route("/schools")
@access.require("view_school_attendance")
def schools():
    rows = db.session.scalars(access.schools_for(current_user)).all()
    if len(rows) == 1:
        return redirect(url_for("attendance.school", school_id=rows[0].id))
    return render_template("attendance/schools.html", schools=rows)


def _filters():
    args = request.args
    errors = {}
    year = int_arg("year", min=-2, max=14, errors=errors,
                   message="Year group must be a number from {min} (nursery) to {max}")
    return {
        "band_filter": args.get("band", "") if args.get("band", "") in (*calc.BANDS, calc.NO_DATA) else "",
        "year_filter": year,
        "cohort": args.get("cohort", "") if args.get("cohort", "") in {f for f, _, _ in COHORT_FLAGS} else "",
        "group": args.get("group", "") if args.get("group", "") in (*summaries.GROUPS, STAGE_DUE) else "",
    }, errors


def _school_rows(school: Organisation):
    ctx = summaries.school_context(school.id)
    filters, errors = _filters()
    sort = request.args.get("sort", "name")
    if sort not in summaries.SORTS:
        sort = "name"
    year = (ctx.year.label, ctx.year.start, ctx.year.end) if ctx.year else None
    due = filters["group"] == STAGE_DUE
    stmt = _rows_statement(ctx.school_id, year, ctx.window, ctx.last_day, ctx.as_of, calc.ambition(),
                           filters["band_filter"], filters["year_filter"], filters["cohort"],
                           "" if due else filters["group"], sort)
    # the school's own stages this term (issue 17): one read for the whole school, whatever its size
    stages = stages_of(school.id, as_of=ctx.as_of)
    if due:  # "stage meeting due": reached a stage without its call or meeting logged this term
        stmt = stmt.where(Pupil.id.in_(sorted(pid for pid, stage in stages.items() if stage.due)))
    return ctx, stmt, filters, sort, errors, stages


def _build_rows(school_id: int, year: tuple | None, window: tuple, last_day, as_of, ambition: int,
                band_filter: str, year_filter: int | None, cohort: str, group: str, sort: str):
    """The school's rows, filtered and sorted: built from plain values only (the school's
    context, the ambition in force, the checked filters and sort), never from the database."""
    ctx = summaries.SchoolContext(school_id, summaries.Period(*year) if year else None, window, last_day, as_of)
    stmt, band, pct, unauth10 = summaries.school_rows_stmt(ctx, ambition)
    stmt = summaries.apply_filters(stmt, ctx, band, unauth10, band_filter=band_filter, year_filter=year_filter,
                                   cohort=cohort, group=group)
    return stmt.order_by(*summaries.SORTS[sort](pct, unauth10))


# a school's rows for a day, filters and sort, built once (the statement's cache key with it)
_rows_statement = StatementMemo(_build_rows, maxsize=128)


@bp.route("/schools/<int:school_id>/attendance")
@access.require("view_school_attendance")
@audit.viewing("school_attendance_viewed", "a school's attendance list", ("Organisation", "school_id"),
               terms=("band", "year", "cohort", "group", "sort", "page"))
def school(school_id: int):
    school = access.get_school_or_404(current_user, school_id)

    def context() -> dict:
        ctx, stmt, filters, sort, errors, stages = _school_rows(school)
        rows, total, pagination = _paginate_rows(stmt)
        counts = {**summaries.key_group_counts(ctx), STAGE_DUE: sum(1 for stage in stages.values() if stage.due)}
        return dict(school=school, ctx=ctx, rows=rows, total=total, pages=pagination, filters=filters,
                    sort=sort, errors=shows_errors(errors), counts=counts, calc=calc, stages=stages,
                    key_actions=access.can(current_user, "view_key_actions"),
                    cohorts=COHORT_FLAGS, year_label=year_label, flag_kinds=flags.KINDS,
                    pupil_href=href_format("pupils.view", "pupil_id"), school_rows=school_rows,
                    years=db.session.scalars(select(Pupil.nc_year).distinct().where(Pupil.school_id == school.id)
                                             .order_by(Pupil.nc_year)).all(),
                    page_status=422 if errors else 200)
    if htmx and htmx.target == "school-rows" and not htmx.history_restore_request:
        return render_template("attendance/_school_rows.html", **context())
    return render_page("attendance/school.html", context)


def _page() -> int:
    from portal.pagination import page_number

    return page_number()


class _Page(Numbered):
    """Pagination over rows of (Pupil, figures...) for page_links()."""

    def __init__(self, page, per_page, total):
        self.per_page, self.total = per_page, total
        self._number(page, max(1, -(-total // per_page)))


def _paginate_rows(stmt, per_page: int = 50):
    """One page of the rows and how many there are in all, in one query (`count(*) OVER ()`: the
    pupils' figures are summed once, not again for a count); a page past the end (or none left
    on it) falls back to a count and the last page."""
    counted = _counted_page(stmt, per_page)
    page = _page()
    rows = db.session.execute(counted, {"rows_offset": (page - 1) * per_page}).all()
    if rows:
        total = int(rows[0].total_rows)
    else:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        last = max(1, -(-total // per_page))
        if page > last:
            page = last
            rows = db.session.execute(counted, {"rows_offset": (page - 1) * per_page}).all()
    p = _Page(page, per_page, total)
    return rows, total, page_links(p)


def _build_counted_page(stmt, per_page: int):
    """A page of `stmt`'s rows from the offset `rows_offset`, each with the count of all of them."""
    return (stmt.add_columns(func.count().over().label("total_rows"))
            .limit(per_page).offset(bindparam("rows_offset", type_=BigInteger)))


_counted_pages: dict = {}


def _counted_page(stmt, per_page: int):
    """`_build_counted_page`, kept beside the statement it pages (both built once)."""
    key = (id(stmt), per_page)
    kept = _counted_pages.get(key)
    if kept is None or kept[0] is not stmt:
        if len(_counted_pages) >= 256:
            _counted_pages.clear()
        kept = _counted_pages[key] = (stmt, _build_counted_page(stmt, per_page))
    return kept[1]


@bp.route("/schools/<int:school_id>/attendance.csv")
@access.require("view_school_attendance")
@audit.viewing("attendance_exported", "a school's attendance list as CSV", ("Organisation", "school_id"),
               terms=("band", "year", "cohort", "group", "sort"))
def school_export(school_id: int):
    school = access.get_school_or_404(current_user, school_id)
    ctx, stmt, _, _, _, stages = _school_rows(school)

    labels = calc.band_labels()

    def rows():
        for row in db.session.execute(stmt):
            p = row.Pupil
            # the page's figure, digit for digit (calc.percent_text), without its "%" sign
            yield [p.upn, p.legal_forename, p.legal_surname, p.year_label,
                   calc.percent_text(row.attended, row.possible) or "", labels[row.band], row.possible,
                   row.attended,
                   row.authorised, row.unauthorised, row.unauth10,
                   " ".join(short for _, _, short in p.flags),
                   stages[p.id].stage or "" if p.id in stages else "",
                   "yes" if p.id in stages and stages[p.id].due else ""]

    return csv_response(f"attendance-{school.urn or school.id}.csv",
                        ["upn", "legal_forename", "legal_surname", "year", "attendance_percent", "band",
                         "possible_sessions", "attended", "authorised_absence", "unauthorised_absence",
                         "unauthorised_last_10_school_weeks", "cohorts", "school_stage", "stage_meeting_due"],
                        rows())
