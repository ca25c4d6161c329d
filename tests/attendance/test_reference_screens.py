"""The LA admin's reference figures screens: the list with its filters, add (checked), change
(version-checked: a stale write is a 409), remove after confirming, load a CSV file (header
checked, every row checked, all or nothing, a figure already held updated only when asked),
download as CSV (formula-safe), and `flask --app portal reference load`. Every change audited."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.attendance.models import ReferenceFigure
from portal.audit import AuditEvent
from portal.extensions import db
from tests import clock
from tests.attendance.reference_helpers import keep_figures  # noqa: F401

pytestmark = pytest.mark.usefixtures("keep_figures")
TODAY = date(2026, 12, 2)
HEADER = "kind,academic_year,period,phase,cohort,measure,value,source,published_on\n"


@pytest.fixture(autouse=True)
def _today():
    with clock.on(TODAY):
        yield


@pytest.fixture
def admin(client, world):
    client.login(world.user("la_admin"))
    return client


def _audit(verb):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.verb == verb).order_by(AuditEvent.id)).all()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReferenceFigure))


def _form(**changes) -> dict:
    data = {"kind": "national", "academic_year": "2025/26", "period": "autumn", "phase": "primary",
            "cohort": "fsm", "measure": "persistent_absence", "value": "27.35",
            "source": 'DfE "Pupil attendance in schools"', "published_on": ["12", "3", "2026"]}
    data.update(changes)
    return data


def _seeded(period="autumn", cohort="all", measure="overall_absence") -> ReferenceFigure:
    return db.session.scalar(select(ReferenceFigure).where(
        ReferenceFigure.academic_year == "2024/25", ReferenceFigure.period == period,
        ReferenceFigure.cohort == cohort, ReferenceFigure.measure == measure))


def test_the_list_shows_the_seeded_figures_and_filters_them(admin):
    page = admin.get("/settings/reference-figures").get_data(as_text=True)
    assert "Figures (14)" in page and "31.7%" in page and "Eligible for free school meals" in page
    assert "Pupil attendance in schools&#34;, official statistics in development, published 11 December 2025" in page
    autumn_pa = admin.get("/settings/reference-figures?year=2024/25&period=autumn&measure=persistent_absence")
    html = autumn_pa.get_data(as_text=True)
    assert "Figures (6)" in html and "19.2%" in html and "6.5%" not in html and "18.7%" not in html
    # a filter naming nothing held is ignored, not an error
    assert "Figures (14)" in admin.get("/settings/reference-figures?year=1999/00&period=winter").get_data(as_text=True)


def test_the_settings_page_links_to_the_figures(admin):
    assert "/settings/reference-figures" in admin.get("/settings/attendance").get_data(as_text=True)


def test_an_admin_adds_a_figure_and_it_is_audited(admin):
    response = admin.post_form("/settings/reference-figures/new", _form())
    assert response.status_code == 303
    figure = db.session.scalar(select(ReferenceFigure).where(ReferenceFigure.academic_year == "2025/26"))
    assert (figure.kind.value, figure.period.value, figure.phase.value, figure.cohort.value, figure.measure.value,
            figure.value, figure.published_on, figure.version) == \
        ("national", "autumn", "primary", "fsm", "persistent_absence", Decimal("27.35"), date(2026, 3, 12), 1)
    [entry] = _audit("reference_figure_added")
    assert entry.changes["value"] == {"from": None, "to": "27.35"}
    assert "National persistent absence, autumn term 2025/26, primary" in entry.summary


@pytest.mark.parametrize("changes, field, message", [
    ({"academic_year": "2025/27"}, "academic_year", "Enter the academic year like 2024/25"),
    ({"academic_year": ""}, "academic_year", "Enter the academic year"),
    ({"value": "abc"}, "value", "The figure must be a number"),
    ({"value": "100.1"}, "value", "The figure must be a percentage from 0 to 100"),
    ({"value": "6.123"}, "value", "at most 2 decimal places"),
    ({"value": "-1"}, "value", "The figure must be a percentage from 0 to 100"),
    ({"source": ""}, "source", "Enter the source"),
    ({"published_on": ["3", "12", "2026"]}, "published_on", "today or in the past"),
    ({"published_on": ["31", "2", "2026"]}, "published_on", "Date published must be a real date"),
    ({"period": "winter"}, "period", "Not a valid choice"),
    ({"academic_year": "2024/25", "period": "autumn", "phase": "all", "cohort": "fsm", "measure": "overall_absence"},
     "measure", "There is already a figure for this: National overall absence, autumn term 2024/25"),
])
def test_a_bad_figure_is_refused_with_a_clear_message(admin, changes, field, message):
    response = admin.post_form("/settings/reference-figures/new", _form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#{field}' in html and message in html
    assert _count() == 14 and not _audit("reference_figure_added")


def test_changing_a_figure_is_version_checked_and_audited(admin, other_client, world):
    figure = _seeded()
    form = admin.get(f"/settings/reference-figures/{figure.id}").get_data(as_text=True)
    assert 'value="6.5"' in form
    data = _form(academic_year="2024/25", phase="all", cohort="all", measure="overall_absence", value="6.6",
                 source=figure.source, published_on=["11", "12", "2025"], version=str(figure.version))
    assert admin.post_form(f"/settings/reference-figures/{figure.id}", data).status_code == 303
    db.session.expire_all()
    assert (figure.value, figure.version) == (Decimal("6.60"), 2)
    [entry] = _audit("reference_figure_updated")
    assert entry.changes == {"value": {"from": "6.50", "to": "6.60"}}
    # a second admin still holding version 1 is told, and nothing is overwritten
    other_client.login(world.user("la_admin"))
    lost = other_client.post_form(f"/settings/reference-figures/{figure.id}", {**data, "value": "9.9", "version": "1"})
    assert lost.status_code == 409
    assert "Someone else changed this reference figure" in lost.get_data(as_text=True)
    db.session.expire_all()
    assert figure.value == Decimal("6.60") and len(_audit("reference_figure_updated")) == 1


def test_a_change_cannot_take_another_figures_key(admin):
    figure = _seeded()
    data = _form(academic_year="2024/25", phase="all", cohort="all", measure="persistent_absence", value="6.6",
                 published_on=["11", "12", "2025"], version=str(figure.version))
    response = admin.post_form(f"/settings/reference-figures/{figure.id}", data)
    assert response.status_code == 422 and "There is already a figure for this" in response.get_data(as_text=True)


def test_removing_a_figure_asks_first_and_is_audited(admin):
    figure_id = _seeded(cohort="fsm", measure="persistent_absence").id
    page = admin.get(f"/settings/reference-figures/{figure_id}/remove").get_data(as_text=True)
    assert "Remove this reference figure?" in page and "31.7%" in page
    assert admin.post_form(f"/settings/reference-figures/{figure_id}/remove").status_code == 303
    assert _count() == 13
    [entry] = _audit("reference_figure_removed")
    assert entry.changes["value"] == {"from": "31.70", "to": None}
    assert admin.get(f"/settings/reference-figures/{figure_id}").status_code == 404


def _upload(client, text: str, update: bool = False):
    data = {"file": (io.BytesIO(text.encode()), "figures.csv")}
    if update:
        data["update"] = "y"
    return client.post_form("/settings/reference-figures/upload", data, content_type="multipart/form-data")


def test_a_good_file_loads_every_figure_and_is_audited(admin):
    text = (HEADER + "national,2025/26,autumn,all,all,overall_absence,6.1,DfE release,2026-03-12\n"
            "local,2025/26,autumn,secondary,looked_after,persistent_absence,22.5%,Demo Borough,2026-02-01\n\n")
    response = _upload(admin, text)
    assert response.status_code == 303
    assert _count() == 16
    local = db.session.scalar(select(ReferenceFigure).where(ReferenceFigure.kind == "local"))
    assert (local.phase.value, local.cohort.value, local.value) == ("secondary", "looked_after", Decimal("22.50"))
    [entry] = _audit("reference_figures_loaded")
    assert "2 added, 0 updated, 0 unchanged" in entry.summary
    assert len(_audit("reference_figure_added")) == 2


def test_a_file_with_any_bad_row_loads_nothing_and_lists_every_problem_by_row(admin):
    text = (HEADER + "national,2025/26,autumn,all,all,overall_absence,6.1,DfE,2026-03-12\n"
            "national,2025/26,winter,all,all,overall_absence,6.1,DfE,2026-03-12\n"
            "national,2025/26,autumn,all,xx,overall_absence,abc,,12/03/2026\n"
            "national,2025/26,autumn,all,all,overall_absence,6.2,DfE,2026-03-12\n"
            "national,2024/25,year,all,all,overall_absence,6.9,DfE,2025-12-11\n")
    response = _upload(admin, text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The file has 7 problems: nothing was loaded" in html and "There is a problem" in html
    for message in ("The period must be one of year, autumn, spring, summer",
                    "The cohort must be one of all, fsm", "The figure must be a number",
                    "Enter the source", "must be a real date written YYYY-MM-DD, not &#39;12/03/2026&#39;",
                    "The same figure as row 2", "Already held: National overall absence, academic year 2024/25"):
        assert message in html, message
    assert _count() == 14 and not _audit("reference_figures_loaded") and not _audit("reference_figure_added")


@pytest.mark.parametrize("text, message", [
    ("kind,year,value\nnational,2025/26,6\n", "The first line must be the column names kind,academic_year"),
    (HEADER, "The file has no figures in it"),
    (HEADER + "national,2025/26,autumn\n", "Expected 9 values"),
    ("", "The first line must be the column names"),
])
def test_a_file_with_a_bad_header_or_shape_is_refused(admin, text, message):
    response = _upload(admin, text)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _count() == 14


def test_a_figure_already_held_is_updated_only_when_asked(admin):
    text = HEADER + ('national,2024/25,autumn,all,fsm,persistent_absence,31.9,"DfE, revised",2026-01-15\n'
                     'national,2024/25,autumn,all,not_fsm,persistent_absence,14.4,'
                     'DfE "Pupil attendance in schools"\\, official statistics in development,2025-12-11\n')
    assert _upload(admin, text).status_code == 422
    assert _seeded(cohort="fsm", measure="persistent_absence").value == Decimal("31.70")
    text = HEADER + ('national,2024/25,autumn,all,fsm,persistent_absence,31.9,"DfE, revised",2026-01-15\n'
                     'national,2024/25,autumn,all,not_fsm,persistent_absence,14.4,'
                     '"DfE ""Pupil attendance in schools"", official statistics in development",2025-12-11\n')
    response = _upload(admin, text, update=True)
    assert response.status_code == 303
    db.session.expire_all()
    figure = _seeded(cohort="fsm", measure="persistent_absence")
    assert (figure.value, figure.source, figure.version) == (Decimal("31.90"), "DfE, revised", 2)
    assert _seeded(cohort="not_fsm", measure="persistent_absence").version == 1
    [entry] = _audit("reference_figures_loaded")
    assert "0 added, 1 updated, 1 unchanged" in entry.summary
    assert _count() == 14


def test_the_download_is_formula_safe_and_loads_back(admin):
    _upload(admin, HEADER + 'local,2025/26,year,all,all,overall_absence,5,"=HYPERLINK(""http://x"")",2026-01-01\n')
    response = admin.get("/settings/reference-figures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="reference-figures.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == HEADER.strip().split(",") and len(rows) == 16
    local = next(r for r in rows if r[0] == "local")
    assert local[7] == '\'=HYPERLINK("http://x")' and local[6] == "5.00"
    filtered = admin.get("/settings/reference-figures.csv?period=year").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(filtered)))) == 4  # header, two national, one local
    # the national rows load back unchanged
    back = io.StringIO()
    csv.writer(back).writerows([rows[0], *(r for r in rows[1:] if r[0] == "national")])
    assert _upload(admin, back.getvalue(), update=True).status_code == 303
    assert "0 added, 0 updated, 14 unchanged" in _audit("reference_figures_loaded")[-1].summary


def test_the_command_loads_a_file_or_lists_its_problems(app, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "national,2025/26,spring,all,all,overall_absence,7.1,DfE,2026-06-01\n")
    result = app.test_cli_runner().invoke(args=["reference", "load", str(good)])
    assert result.exit_code == 0 and "1 added, 0 updated, 0 unchanged" in result.output
    assert _count() == 15
    assert _audit("reference_figures_loaded")[0].actor_label.startswith("command line")
    result = app.test_cli_runner().invoke(args=["reference", "load", str(good)])
    assert result.exit_code == 1 and "row 2, row: Already held" in result.output
    result = app.test_cli_runner().invoke(args=["reference", "load", "--update", str(good)])
    assert result.exit_code == 0 and "0 added, 0 updated, 1 unchanged" in result.output
