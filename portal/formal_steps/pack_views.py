"""A prosecution's evidence pack, as a printable page (the lead side and the LA)."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template
from flask_login import current_user

from portal import access, audit
from portal.formal_steps import bp, pack, pack_pdf
from portal.forms import shows_errors
from portal.params import date_arg


def _load(case_id: int, step_id: int):
    case = access.get_case_for_steps_or_404(current_user, case_id, need="manage")
    step = access.get_formal_step_or_404(current_user, case, step_id, need="manage")
    if not step.is_prosecution:
        abort(404)
    return case, step


def _period() -> tuple[date, date, dict[str, str]]:
    """The register extract's period from `?from=&to=` (default: the last 12 weeks)."""
    errors: dict[str, str] = {}
    default_start, default_end = pack.default_period()
    start = date_arg("from", default=default_start, errors=errors, subject="The start of the period")
    end = date_arg("to", default=default_end, errors=errors, subject="The end of the period")
    if start and end and end < start:
        errors["to"] = "The end of the period must be on or after its start"
    if errors or start is None or end is None:
        return default_start, default_end, errors
    return start, end, errors


@bp.route("/cases/<int:case_id>/formal-steps/<int:step_id>/evidence-pack")
@access.require("view_cases")
@audit.viewing("formal_step_pack_viewed", "the evidence pack of a prosecution", ("Case", "case_id"),
               terms=("from", "to"))
def evidence_pack(case_id: int, step_id: int):
    case, step = _load(case_id, step_id)
    start, end, errors = _period()
    return render_template("formal_steps/pack.html", case=case, step=step, pack=pack.build(step, start, end),
                           errors=shows_errors(errors)), (422 if errors else 200)


@bp.route("/cases/<int:case_id>/formal-steps/<int:step_id>/evidence-pack.pdf")
@access.require("view_cases")
@audit.viewing("formal_step_pack_viewed", "the evidence pack of a prosecution", ("Case", "case_id"),
               terms=("from", "to"))
def evidence_pack_pdf(case_id: int, step_id: int):
    case, step = _load(case_id, step_id)
    start, end, errors = _period()
    if errors:
        abort(400)
    built = pack.build(step, start, end)
    return Response(pack_pdf.render_pdf(built), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{pack_pdf.filename(built)}"'})
