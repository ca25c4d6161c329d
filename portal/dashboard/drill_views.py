"""The attendance picture's outputs: the pupils behind any figure (a page, 50 a page, and
its CSV) and every table of the dashboards as CSV."""
from __future__ import annotations

import re

from flask import abort, render_template
from flask_login import current_user

from portal import access, audit
from portal.attendance import calc
from portal.csvutil import csv_response
from portal.dashboard import bp, drill, exports, figures, governors, picture
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.pagination import RowsPage, page_links
from portal.params import int_arg
from portal.timeutil import today

PER_PAGE = 50
DRILL_TERMS = ("period", "measure", "flag", "school", "phase", "year", "cohort", "without", "page")


@bp.route("/attendance-picture/pupils")
@access.require("see_pupils_behind_figures")
@audit.viewing("picture_pupils_viewed", "the pupils behind a figure of the attendance picture", terms=DRILL_TERMS)
def picture_pupils():
    user = current_user._get_current_object()
    d = drill.from_request(user)
    if d.school is not None:
        audit.viewed(d.school)
    if d.period is None:
        return render_template("dashboard/picture_pupils.html", drill=d, heading=d.heading(0), rows=[], total=0,
                               pages=None, involvement={}, schools={}, today=today())
    page = RowsPage(d.statement(user), per_page=PER_PAGE)
    rows = page.items
    ids = [row.Pupil.id for row in rows]
    return render_template("dashboard/picture_pupils.html", drill=d, heading=d.heading(page.total), rows=rows,
                           total=page.total, pages=page_links(page),
                           involvement=drill.involvement(user, ids),
                           schools=drill.school_names(row.Pupil.school_id for row in rows), today=today())


@bp.route("/attendance-picture/pupils.csv")
@access.require("see_pupils_behind_figures")
@audit.viewing("picture_pupils_exported", "the pupils behind a figure of the attendance picture, as CSV",
               terms=DRILL_TERMS[:-1])
def picture_pupils_csv():
    user = current_user._get_current_object()
    d = drill.from_request(user)
    if d.school is not None:
        audit.viewed(d.school)
    header = ["upn", "legal_forename", "legal_surname", "year", "school", "attendance_percent", "possible_sessions",
              "attended", "authorised_absence", "unauthorised_absence", "case_or_referral"]
    if d.period is None:
        return csv_response("pupils.csv", header, [])
    rows = db.session.execute(d.statement(user)).all()
    schools = drill.school_names(row.Pupil.school_id for row in rows)
    involved = drill.involvement(user, [row.Pupil.id for row in rows])

    lines = []  # read now: the request's commit expires the rows before the response streams
    for row in rows:
        p = row.Pupil
        held = involved.get(p.id)
        lines.append([p.upn, p.legal_forename, p.legal_surname, p.year_label, schools.get(p.school_id, ""),
                      calc.percent_text(row.attended, row.possible) or "", row.possible, row.attended,
                      row.authorised, row.unauthorised, held.text if held else ""])

    audit.viewed(detail=f"{len(rows)} pupils")
    return csv_response("pupils-" + "-".join(_slug(p) for p in d.parts()) + ".csv", header, lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _table_scope(user) -> tuple[figures.Scope, str, Organisation | None]:
    """The scope a table counts: the user's picture (the LA dashboard), or one school of it
    (`?school=`, the school dashboard). 403 for a role that sees neither; 404 for a school
    outside the user's scope; 400 for an unusable number."""
    problems: dict[str, str] = {}
    school_id = int_arg("school", errors=problems)
    if problems:
        abort(400)
    if school_id is None:
        if not access.can(user, "view_la_picture"):
            abort(403)
        return picture.scope_for(user), "attendance-picture", None
    if not access.can(user, "view_school_picture"):
        abort(403)
    school = access.get_school_or_404(user, school_id)
    return figures.Scope.school(school.id), f"school-{school.urn or school.id}", school


@bp.route("/attendance-picture/<string:table>.csv")
@access.require("use_portal")  # the LA picture's roles, or a school's (checked by _table_scope)
@audit.viewing("picture_table_exported", "a table of the attendance picture, as CSV", terms=("period", "school"))
def picture_csv(table: str):
    build = exports.TABLES.get(table)
    if build is None:
        abort(404)
    user = current_user._get_current_object()
    scope, name, school = _table_scope(user)
    period = picture.period_from_request()
    if table == "headline" and school is not None:  # national figures for the school's phase
        phase = getattr(school.phase, "value", school.phase) or ""
        result = exports.headline(scope, period, today(), governors.NATIONAL_PHASE.get(phase), phase)
    else:
        result = build(scope, period, today())
    audit.viewed(detail=table)
    return csv_response(f"{name}-{table}.csv", result.header, result.rows)
