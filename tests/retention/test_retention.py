"""Issue 16: the retention schedule. For each category a record dated a day before its cut-off
is due and one dated on the cut-off is kept; the dry run counts exactly those and changes
nothing; the applied run deletes exactly those (a closed case with everything hanging off it,
its document's file included), leaves everything else, and is recorded and audited; a run
that fails half-way leaves everything; the schedule is validated; only LA admins use it."""
from __future__ import annotations

import os
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import func, select

from portal import access, transaction
from portal.attendance.models import AttendanceMark, MarkChange, PupilWeek
from portal.audit import AuditEvent
from portal.cases import documents
from portal.cases import service as cases
from portal.cases.models import Action, Case, CaseDocument, CaseStatus, ChronologyEntry, Referral
from portal.errors import Refused
from portal.extensions import db
from portal.notifications.models import Notification
from portal.retention import service
from portal.retention.models import RetentionRun, RetentionSettings
from portal.sweeps.models import Encounter, MatchStatus, Sweep
from portal.timeutil import LONDON
from tests import clock
from tests.cases.test_views import open_case, signed_in, text_of
from tests.factories import make_import_job, make_pupil

TODAY = date(2026, 12, 3)  # a Thursday
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# The default schedule's cut-offs on TODAY: what is dated before them is due.
CASES_CUT = date(2020, 12, 3)      # 6 years after closure
MARKS_CUT = date(2020, 11, 30)     # 6 years, from the Monday of that week
AUDIT_CUT = date(2019, 12, 3)      # 7 years
ENCOUNTERS_CUT = date(2025, 12, 3)  # 1 year


@pytest.fixture(autouse=True)
def _fixed_today():
    with clock.on(TODAY):
        yield


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=LONDON).astimezone(timezone.utc)


def closed_case(world, forename: str, closed_on: date) -> Case:
    pupil = make_pupil(world.school_a, forename)
    case = open_case(world, pupil)
    ewo = world.user("ewo")
    cases.add_action(ewo, case, "Weekly check-in", date(2026, 12, 10), owner_user=ewo)
    documents.add_document(ewo, case, data=PDF, filename="contract.pdf", title="Contract", category="contract")
    case.status, case.closed_at, case.closure_reason = CaseStatus.closed, noon(closed_on), "improved"
    db.session.flush()
    return case


def marks(pupil, day: date, week_start: date, job) -> None:
    db.session.add(AttendanceMark(pupil_id=pupil.id, date=day, session="AM", code="/"))
    db.session.add(MarkChange(pupil_id=pupil.id, date=day, session="AM", old_code="N", new_code="/",
                              import_job_id=job.id))
    db.session.add(PupilWeek(pupil_id=pupil.id, week_start=week_start, possible=1, attended=1,
                             open_sessions=1, last_date=day))


def encounter(sweep, user, seen_on: date, pupil=None) -> Encounter:
    row = Encounter(sweep_id=sweep.id, seen_at=noon(seen_on), location="High Street", officer_id=user.id,
                    recorded_by_id=user.id, forename="Kit", surname="Stray", school_status="unknown",
                    accompanied="alone", outcome="taken_to_school", pupil_id=pupil.id if pupil else None,
                    match_status=MatchStatus.matched if pupil else MatchStatus.no_match)
    db.session.add(row)
    return row


@pytest.fixture
def seeded(world):
    """On each side of each cut-off: `due` names what the run must delete, `kept` what it keeps."""
    due_case = closed_case(world, "Old", date(2020, 12, 2))
    kept_case = closed_case(world, "Recent", CASES_CUT)
    open_old = open_case(world, make_pupil(world.school_a, "Open"))  # open: never due, however old
    open_old.opened_at = noon(date(2015, 1, 5))

    pupil = make_pupil(world.school_a, "Marks")
    job = make_import_job(world.user("school_staff"), world.school_a)
    marks(pupil, date(2020, 11, 27), date(2020, 11, 23), job)  # the Friday before: due
    marks(pupil, MARKS_CUT, MARKS_CUT, job)                     # the Monday: kept

    admin = world.user("la_admin")
    old_audit = AuditEvent(at=noon(date(2019, 12, 2)), actor_label="old", verb="old_entry")
    kept_audit = AuditEvent(at=noon(AUDIT_CUT), actor_label="kept", verb="kept_entry")
    db.session.add_all([old_audit, kept_audit])

    police = world.user("police")
    sweep = Sweep(held_on=date(2025, 12, 2), starts_at=time(10), ends_at=time(12), area="Town centre",
                  lead_id=police.id, created_by_id=police.id)
    db.session.add(sweep)
    db.session.flush()
    due_encounter = encounter(sweep, police, date(2025, 12, 2))
    kept_encounter = encounter(sweep, police, ENCOUNTERS_CUT)
    matched_encounter = encounter(sweep, police, date(2025, 12, 2), pupil=pupil)
    db.session.commit()
    return dict(due_case=due_case.id, due_referral=due_case.referral_id, kept_case=kept_case.id,
                open_case=open_old.id, pupil=pupil.id, old_audit=old_audit.id, kept_audit=kept_audit.id,
                due_encounter=due_encounter.id, kept_encounter=kept_encounter.id,
                matched_encounter=matched_encounter.id, admin=admin)


def stored_name(case_id: int) -> str:
    return db.session.scalar(select(CaseDocument.stored_name).where(CaseDocument.case_id == case_id))


def file_exists(app, name: str) -> bool:
    return os.path.exists(os.path.join(app.config["DOCUMENTS_DIR"], name))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_cutoffs_of_the_default_schedule():
    assert service.cutoffs() == {"cases": CASES_CUT, "marks": MARKS_CUT, "audit": AUDIT_CUT,
                                 "encounters": ENCOUNTERS_CUT}
    assert service.years_before(date(2028, 2, 29), 6) == date(2022, 2, 28)


def test_the_dry_run_counts_what_is_due_and_changes_nothing(app, seeded):
    with transaction.unit():
        run = service.run(None, apply=False)
    db.session.expire_all()
    counts = run.counts
    assert {k: counts[k] for k in service.CATEGORIES} == {"cases": 1, "marks": 1, "audit": 1, "encounters": 1}
    assert counts["oldest"] == {"cases": "2020-12-02", "marks": "2020-11-27", "audit": "2019-12-02",
                                "encounters": "2025-12-02"}
    assert counts["rows"]["marks"] == {"attendance_marks": 1, "pupil_weeks": 1, "mark_changes": 1}
    case_rows = counts["rows"]["cases"]
    assert case_rows["cases"] == 1 and case_rows["referrals"] == 1 and case_rows["case_documents"] == 1
    assert case_rows["actions"] == 1 and case_rows["chronology_entries"] >= 3
    assert run.cutoffs == {"cases": "2020-12-03", "marks": "2020-11-30", "audit": "2019-12-03",
                           "encounters": "2025-12-03"}
    # nothing changed
    assert count(Case) == 3 and count(AttendanceMark) == 2 and count(Encounter) == 3
    assert count(AuditEvent, AuditEvent.verb == "old_entry") == 1
    assert file_exists(app, stored_name(seeded["due_case"]))
    # recorded and audited
    assert db.session.scalars(select(RetentionRun)).one().applied is False
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "retention_dry_run")).one()
    assert entry.object_type == "RetentionRun" and entry.changes["counts"]["cases"] == 1


def test_the_applied_run_deletes_exactly_what_is_due(app, seeded):
    due_file, kept_file = stored_name(seeded["due_case"]), stored_name(seeded["kept_case"])
    with transaction.unit():
        run = service.run(seeded["admin"], apply=True)
    db.session.expire_all()
    assert {k: run.counts[k] for k in service.CATEGORIES} == {"cases": 1, "marks": 1, "audit": 1, "encounters": 1}

    due_case = seeded["due_case"]
    assert db.session.get(Case, due_case) is None
    assert db.session.get(Referral, seeded["due_referral"]) is None
    for model in (ChronologyEntry, Action, CaseDocument):
        assert count(model, model.case_id == due_case) == 0
    assert not file_exists(app, due_file)
    # the kept case and the open one, whole
    for case_id in (seeded["kept_case"], seeded["open_case"]):
        assert db.session.get(Case, case_id) is not None
        assert count(ChronologyEntry, ChronologyEntry.case_id == case_id) >= 2
    assert count(Action, Action.case_id == seeded["kept_case"]) == 1
    assert file_exists(app, kept_file)

    assert [m.date for m in db.session.scalars(select(AttendanceMark))] == [MARKS_CUT]
    assert [w.week_start for w in db.session.scalars(select(PupilWeek).where(
        PupilWeek.pupil_id == seeded["pupil"]))] == [MARKS_CUT]
    assert [c.date for c in db.session.scalars(select(MarkChange))] == [MARKS_CUT]

    assert db.session.get(AuditEvent, seeded["old_audit"]) is None
    assert db.session.get(AuditEvent, seeded["kept_audit"]) is not None

    left = set(db.session.scalars(select(Encounter.id)))
    assert left == {seeded["kept_encounter"], seeded["matched_encounter"]}

    stored = db.session.scalars(select(RetentionRun)).one()
    assert stored.applied is True and stored.actor_id == seeded["admin"].id
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "retention_applied")).one()
    assert entry.actor_id == seeded["admin"].id and "cases 1" in entry.summary
    # a second run finds nothing due
    assert not service.plan().anything


def test_a_big_run_deletes_chunk_by_chunk(app, world, seeded, monkeypatch):
    """However the rows fall into chunks of ids: here one id a statement, and an entry of the
    due case that corrects another (a reference inside one table)."""
    first = db.session.scalars(select(ChronologyEntry).where(ChronologyEntry.case_id == seeded["due_case"])
                               .order_by(ChronologyEntry.id)).first()
    db.session.add(ChronologyEntry(case_id=seeded["due_case"], kind="correction", occurred_at=noon(TODAY),
                                   text="Corrected", corrects_id=first.id))
    db.session.commit()
    monkeypatch.setattr(service, "CHUNK", 1)
    with transaction.unit():
        service.run(seeded["admin"], apply=True)
    db.session.expire_all()
    assert db.session.get(Case, seeded["due_case"]) is None
    assert count(ChronologyEntry, ChronologyEntry.case_id == seeded["due_case"]) == 0
    assert db.session.get(Case, seeded["kept_case"]) is not None


def test_a_run_that_fails_leaves_everything(app, seeded):
    due_file = stored_name(seeded["due_case"])
    with pytest.raises(RuntimeError):
        with transaction.unit():
            service.run(seeded["admin"], apply=True)
            raise RuntimeError("the run fails before its commit")
    db.session.expire_all()
    assert count(Case) == 3 and count(AttendanceMark) == 2 and count(Encounter) == 3
    assert count(RetentionRun) == 0
    assert file_exists(app, due_file)


def test_the_schedule_moves_the_cutoffs(world, seeded):
    with transaction.unit():
        service.update(world.user("la_admin"), {"case_years": 1, "marks_years": 6, "audit_years": 7,
                                                "encounter_years": 1}, 0)
    assert service.cutoffs()["cases"] == date(2025, 12, 3)
    assert {c.key: c.count for c in service.plan().categories}["cases"] == 2


def test_only_an_active_la_admin_applies_a_run(world, seeded):
    with pytest.raises(Refused):
        service.run(world.user("ewo"), apply=True)
    with pytest.raises(Refused):
        service.confirming_admin("ewo.a@test.example")
    with pytest.raises(Refused):
        service.confirming_admin("nobody@test.example")
    admin = world.user("la_admin")
    admin.active = False
    db.session.commit()
    with pytest.raises(Refused):
        service.confirming_admin(admin.email)


def test_the_command(app, world, seeded):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert ("dry run" in result.output
            and "Audit entries: 1 (dated before 2019-12-03), oldest 2019-12-02" in result.output)
    assert "Register marks (with their weekly summaries and amendments): 1" in result.output
    assert count(Case) == 3

    refused = runner.invoke(args=["retention", "--apply"])
    assert refused.exit_code != 0 and "--confirmed-by" in refused.output
    refused = runner.invoke(args=["retention", "--apply", "--confirmed-by", "ewo.a@test.example"])
    assert refused.exit_code != 0 and "active LA admin" in refused.output
    assert count(Case) == 3 and count(RetentionRun) == 1

    applied = runner.invoke(args=["retention", "--apply", "--confirmed-by", "ADMIN@test.example"])
    assert applied.exit_code == 0, applied.output
    assert "deleted" in applied.output
    assert count(Case) == 2 and count(RetentionRun) == 2


def test_the_weekly_dry_run_tells_the_la_admins_when_something_is_due(app, world, seeded):
    result = app.test_cli_runner().invoke(args=["retention", "--notify"])
    assert result.exit_code == 0, result.output
    notes = db.session.scalars(select(Notification).where(Notification.text.contains("retention"))).all()
    assert [n.user_id for n in notes] == [world.user("la_admin").id]
    assert notes[0].link == "/retention"


def test_nothing_due_tells_nobody(app, world):
    result = app.test_cli_runner().invoke(args=["retention", "--notify"])
    assert result.exit_code == 0, result.output
    assert count(Notification) == 0 and count(RetentionRun) == 1


# ----- the pages ------------------------------------------------------------------------------

def test_the_page_shows_what_is_due_with_the_cutoffs(app, world, seeded):
    client = signed_in(app, world.user("la_admin"))
    page = text_of(client.get("/retention"))
    assert "Closed cases" in page and "3 Dec 2020" in page and "30 Nov 2020" in page and "3 Dec 2019" in page
    assert "Delete or anonymise" in page
    assert count(RetentionRun) == 0  # looking is not a run


def test_the_confirmation_is_needed_then_the_run_deletes(app, world, seeded):
    client = signed_in(app, world.user("la_admin"))
    page = client.get("/retention/delete")
    assert page.status_code == 200 and "govuk-warning-text" in page.get_data(as_text=True)

    refused = client.post_form("/retention/delete", {})
    assert refused.status_code == 422
    assert "govuk-error-summary" in refused.get_data(as_text=True)
    assert "Confirm that the records listed are to be deleted" in text_of(refused)
    assert count(Case) == 3 and count(RetentionRun) == 0

    done = client.post_form("/retention/delete", {"confirm": "y"})
    assert done.status_code == 303
    db.session.expire_all()
    assert count(Case) == 2 and count(AttendanceMark) == 1 and count(Encounter) == 2
    run = db.session.scalars(select(RetentionRun)).one()
    assert run.applied and run.actor_id == world.user("la_admin").id


@pytest.mark.parametrize("field, value, message", [
    ("marks_years", "5", "the regulations keep registers at least 6 years"),
    ("case_years", "26", "from 1 to 25"),
    ("case_years", "0", "from 1 to 25"),
    ("audit_years", "", "from 6 to 25"),
    ("encounter_years", "one", "from 1 to 6"),
])
def test_the_schedule_refuses_what_is_out_of_bounds(app, world, field, value, message):
    client = signed_in(app, world.user("la_admin"))
    good = {"case_years": "6", "marks_years": "6", "audit_years": "7", "encounter_years": "1", "version": "0"}
    response = client.post_form("/settings/retention", good | {field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and message in text_of(response)
    assert db.session.get(RetentionSettings, 1) is None


def test_the_schedule_is_saved_and_audited(app, world):
    client = signed_in(app, world.user("la_admin"))
    response = client.post_form("/settings/retention", {"case_years": "10", "marks_years": "8", "audit_years": "7",
                                                        "encounter_years": "2", "version": "0"})
    assert response.status_code == 303
    db.session.expire_all()
    row = db.session.get(RetentionSettings, 1)
    assert (row.case_years, row.marks_years, row.audit_years, row.encounter_years) == (10, 8, 7, 2)
    entry = db.session.scalars(select(AuditEvent).where(AuditEvent.verb == "retention_settings_updated")).one()
    assert entry.changes["case_years"] == {"from": 6, "to": 10}


@pytest.mark.parametrize("role", sorted(access.ALL_ROLES - {access.LA_ADMIN}))
def test_only_la_admins_reach_the_retention_pages(app, world, seeded, role):
    client = signed_in(app, world.user(role))
    for url in ("/retention", "/retention/delete", "/settings/retention"):
        assert client.get(url).status_code == 403
    assert client.post_form("/retention/delete", {"confirm": "y"}).status_code == 403
    assert count(Case) == 3 and count(RetentionRun) == 0
