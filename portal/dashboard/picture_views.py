"""The attendance picture (issue 13): the LA dashboard (LA admins, EWOs for their schools, the
panel chair read-only) and a school's dashboard (its staff, its EWO, the LA). Figures only:
no pupil is named here; every number links to the pupils behind it (`dashboard.picture_pupils`)
for those who may see them. The measures come from `figures`, the words from `picture_page`."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select

from portal import access
from portal.attendance import calc, flags, summaries
from portal.dashboard import bp, figures
from portal.dashboard import picture_page as page
from portal.dashboard.charts import trend_chart, trend_marks, trend_rows
from portal.dashboard.picture import period_from_request, scope_for
from portal.extensions import db
from portal.pagecache import render_page
from portal.pupils.models import COHORT_FLAGS, Pupil
from portal.timeutil import today
from portal.urls import href_format

bp.add_app_template_global(page.figure, "picture_figure")
bp.add_app_template_global(page.change, "picture_change")
bp.add_app_template_global(page.school_rows, "picture_school_rows")
bp.add_app_template_global(page.year_group_rows, "picture_year_group_rows")
bp.add_app_template_global(page.cohort_rows, "picture_cohort_rows")
bp.add_app_template_global(trend_marks, "trend_marks")
bp.add_app_template_global(trend_rows, "trend_rows")


def _trend(scope: figures.Scope, phase: str = "all"):
    trend = figures.trend(scope, today())
    if trend is None or not (trend.this_year or trend.last_year):
        return None, None
    nat = page.national_for("overall_absence", "year", trend.this_label, phase, attendance=True,
                            missing_for=f"the academic year {trend.this_label}"
                            + ("" if phase == "all" else f" ({page.phase_words(phase)} schools)"))
    return trend_chart(trend, nat.value, nat.label), nat


def _figures(scope: figures.Scope, period: figures.Period, links: page.Links, *, phase: str = "all",
             la: figures.Measures | None = None) -> dict:
    """What both dashboards show for a scope and period."""
    now = figures.headline(scope, period)
    before = figures.comparison(scope, period)
    cohorts = figures.cohorts(scope, period)
    chart, trend_national = _trend(scope, phase)
    return {
        "now": now,
        "before": before,
        "headline": page.headline_rows(now, before, period, links, phase=phase, la=la),
        "counts": page.count_rows(now, before, period, figures.flag_counts(scope), links),
        "year_groups": figures.by_year_group(scope, period),
        "cohorts": cohorts,
        "cohort_national": {c.key: page.national("overall_absence", period, phase, c.key,
                                                 missing_for=f"{c.label}, {period.label}")
                            for c in cohorts},
        "reasons": figures.reasons(scope, period),
        "chart": chart,
        "trend_national": trend_national,
    }


def _common(period: figures.Period | None) -> dict:
    return {"period": period, "choices": figures.choices(today()), "page": page, "ambition": calc.ambition()}


@bp.route("/attendance-picture")
@access.require("view_la_picture")
def la_picture():
    user = current_user._get_current_object()

    def build() -> dict:
        period = period_from_request()
        scope = scope_for(user)
        links = page.Links(period, access.can(user, "see_pupils_behind_figures"))
        sort, descending = page.sort_from_request()
        context = _common(period) | {"links": links, "sort": sort, "descending": descending,
                                     "whole_la": scope.school_ids is None,
                                     "school_links": access.can(user, "view_school_picture")}
        if period is not None:
            context |= _figures(scope, period, links)
            schools = figures.by_school(scope, period)
            last_tsm = page.last_tsm_by_school()
            for row in schools:
                row.extra["last_tsm"] = last_tsm.get(row.extra["school"].id)
            context |= {
                "schools": page.sort_schools(schools, sort, descending),
                "school_href": href_format("dashboard.school_picture", "school_id", period=period.choice),
                "phases": figures.by_phase(scope, period),
                "phase_national": {key: page.national("overall_absence", period, key,
                                                      missing_for=f"{page.phase_words(key)} schools, {period.label}")
                                   for key, _ in figures.PHASES},
            }
        return context

    return render_page("dashboard/la_picture.html", build)


@bp.route("/schools/<int:school_id>/attendance-picture")
@access.require("view_school_picture")
def school_picture(school_id: int):
    user = current_user._get_current_object()
    school = access.get_school_or_404(user, school_id)

    def build() -> dict:
        period = period_from_request()
        scope = figures.Scope.school(school.id)
        links = page.Links(period, access.can(user, "see_pupils_behind_figures"), school_id=school.id)
        phase = school.phase.value if school.phase else "all"
        ctx = summaries.school_context(school.id)
        context = _common(period) | {
            "school": school, "links": links, "phase": phase,
            "on_roll": db.session.scalar(select(func.count()).select_from(Pupil).where(Pupil.school_id == school.id)),
            "key_groups": summaries.key_group_counts(ctx), "ctx": ctx, "flag_kinds": flags.KINDS,
            "governors_href": page.Links.governors(school.id),
        }
        if period is not None:
            la = figures.headline(figures.Scope.la(), period)  # the whole LA, whatever the viewer's scope
            context |= _figures(scope, period, links, phase=phase, la=la) | {"la": la}
        return context | {"cohort_flags": COHORT_FLAGS}

    return render_page("dashboard/school_picture.html", build)
