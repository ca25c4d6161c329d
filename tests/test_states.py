"""States as types: every status is an enum of the model, the database holds only its members
(a CHECK constraint, on SQLite and PostgreSQL alike), and the migration that added the
constraints upgrades a database that already has data."""
from __future__ import annotations

import importlib
import os
from datetime import date, datetime, time, timezone
from decimal import Decimal

import flask_migrate
import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.attendance.models import ImportJob, ImportStatus, ReferenceFigure, SchoolClosure
from portal.cases.models import Action, ActionStatus, Case, CaseShare, CaseStatus, Referral, ReferralStatus
from portal.extensions import db
from portal.panels.models import MeetingStatus, PanelMeeting
from portal.states import State
from portal.sweeps.models import Encounter, FollowUp, FollowUpStatus, MatchStatus, Sweep
from portal.timeutil import utcnow
from tests.factories import build_world, make_import_job, make_pupil
from tests.test_codebase import ROOT

# Every model module, so that every state column is seen.
for path in [*(ROOT / "portal").rglob("models.py"), ROOT / "portal" / "audit.py"]:
    importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))

# Every state column of the models: (table, column, its enum).
STATE_COLUMNS = sorted(
    (table.name, column.name, column.type.enum_class)
    for table in db.metadata.tables.values() for column in table.columns
    if isinstance(getattr(column.type, "enum_class", None), type) and issubclass(column.type.enum_class, State))


STATES_YEAR = "2041/42"


@pytest.fixture(autouse=True)
def _remove_the_states_figure():
    yield
    db.session.rollback()
    db.session.execute(delete(ReferenceFigure).where(ReferenceFigure.academic_year == STATES_YEAR))
    db.session.commit()


def _add(row):
    db.session.add(row)
    db.session.flush()
    return row


def one_of_each(world, closures: bool = True) -> dict[str, int]:
    """A row in every table with a state column: {table: id} (school closures came after the
    states migration: `closures=False` for a database of that day)."""
    ewo, school = world.user("ewo"), world.school_a
    pupil = make_pupil(school)
    referral = Referral(pupil_id=pupil.id, school_id=school.id, created_by_id=world.user("school_staff").id,
                        consent="given", urgency="routine", safeguarding_concern=False)  # NOT NULL before 0018_refs
    case = Case(pupil_id=pupil.id, lead_id=ewo.id)
    meeting = PanelMeeting(held_at=datetime(2026, 12, 10, 14, tzinfo=timezone.utc),
                           chair_id=world.user("panel_chair").id)
    sweep = Sweep(held_on=date(2026, 11, 20), starts_at=time(9), ends_at=time(12), area="Town centre",
                  lead_id=world.user("police").id, created_by_id=world.user("police").id)
    db.session.add_all([referral, case, meeting, sweep])
    db.session.flush()
    police = world.user("police")
    encounter = Encounter(sweep_id=sweep.id, seen_at=datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc),
                          location="High Street", officer_id=police.id, recorded_by_id=police.id, forename="Sam",
                          surname="Child", school_status="unknown", accompanied="alone", outcome="no_action")
    db.session.add(encounter)
    db.session.flush()
    if closures:
        action_id = _add(Action(case_id=case.id, description="Home visit", due_date=date(2026, 12, 4),
                                created_by_id=ewo.id, owner_user_id=ewo.id)).id
    else:  # the actions of that day had no link to a formal step (0019): written as the day had them
        action_id = db.session.execute(text(
            "INSERT INTO actions (case_id, description, owner_user_id, due_date, status, outcome, police_shareable, "
            "created_by_id, created_at, version) VALUES (:case_id, 'Home visit', :user, :due, 'open', '', FALSE, "
            ":user, :now, 1) RETURNING id"), {"case_id": case.id, "user": ewo.id, "due": date(2026, 12, 4),
                                       "now": utcnow()}).scalar_one()
    if closures:
        follow_up_id = _add(FollowUp(encounter_id=encounter.id, pupil_id=pupil.id, school_id=school.id,
                                     due_on=date(2026, 11, 23))).id
    else:  # the follow-ups of that day had no cancellation columns (0018): written as the day had them
        follow_up_id = db.session.execute(text(
            "INSERT INTO follow_ups (encounter_id, pupil_id, school_id, due_on, status, outcome, created_at, version) "
            "VALUES (:encounter_id, :pupil_id, :school_id, :due_on, 'open', '', :now, 1) RETURNING id"),
            {"encounter_id": encounter.id, "pupil_id": pupil.id, "school_id": school.id,
             "due_on": date(2026, 11, 23), "now": utcnow()}).scalar_one()
    ids = {}
    if closures:
        job_id = make_import_job(ewo, school).id
    else:  # the import job of that day's schema (no amendment reason yet)
        job_id = db.session.execute(text(
            "INSERT INTO import_jobs (kind, school_id, uploaded_by_id, filename, path, size_bytes, status, phase, "
            "progress, rows, added, changed, unchanged, error_count, message, created_at) VALUES ('marks', :school, "
            ":user, 'test.csv', '/nonexistent/test.csv', 0, 'done', 'Finished', 100, 0, 0, 0, 0, 0, '', :now) "
            "RETURNING id"), {"school": school.id, "user": ewo.id, "now": datetime.now(timezone.utc)}).scalar_one()
    if closures:
        closure = SchoolClosure(school_id=school.id, date=date(2026, 11, 27), note="INSET")
        db.session.add(closure)
        # reference data, kept between tests: a year of its own, removed after the test
        figure = ReferenceFigure(kind="local", academic_year=STATES_YEAR, period="year", phase="all", cohort="all",
                                 measure="overall_absence", value=Decimal("5.0"), source="test",
                                 published_on=date(2026, 1, 1))
        db.session.add(figure)
        db.session.flush()
        ids["school_closures"] = closure.id
        ids["reference_figures"] = figure.id
        # Targeting Support Meetings came later still
        from portal.attendance.models import Term
        from portal.tsm.models import NextStep, SupportMeeting, TsmItem

        term_id = db.session.scalar(select(Term.id).order_by(Term.id).limit(1))
        tsm = SupportMeeting(school_id=school.id, term_id=term_id, ewo_id=ewo.id,
                             held_at=datetime(2026, 12, 10, 14, tzinfo=timezone.utc),
                             booked_by_id=world.user("la_admin").id)
        db.session.add(tsm)
        db.session.flush()
        item = TsmItem(meeting_id=tsm.id, pupil_id=pupil.id, next_step=NextStep.school_support,
                       recorded_by_id=ewo.id)
        db.session.add(item)
        db.session.flush()
        ids["support_meetings"], ids["support_meeting_items"] = tsm.id, item.id
        # documents on a case (issue 14.10) came later still
        from portal.cases.models import CaseDocument, ChronologyEntry

        entry = ChronologyEntry(case_id=case.id, kind="document",
                                occurred_at=datetime(2026, 11, 20, tzinfo=timezone.utc),
                                text="Document added: letter.pdf (Letter)", author_id=ewo.id)
        db.session.add(entry)
        db.session.flush()
        document = CaseDocument(case_id=case.id, entry_id=entry.id, title="letter.pdf", category="letter",
                                filename="letter.pdf", stored_name="1" * 48, file_type="pdf", size=10,
                                uploaded_by_id=ewo.id)
        db.session.add(document)
        db.session.flush()
        ids["case_documents"] = document.id
        # formal steps (issue 15) came later still
        from portal.formal_steps.models import FormalStep

        step = FormalStep(case_id=case.id, kind="prosecution", status="file_in_preparation",
                          evidence_entry_id=entry.id, created_by_id=ewo.id, reviews=[], extensions=[],
                          further_hearings=[])
        db.session.add(step)
        db.session.flush()
        ids["formal_steps"] = step.id
        # letters (issue 15) came later still
        from portal.letters.models import Letter, LetterTemplate, LetterTemplateVersion

        template = LetterTemplate(key="states", name="States letter", audience="la")
        template.versions.append(LetterTemplateVersion(number=1, subject="A letter", body="Dear parent"))
        db.session.add(template)
        db.session.flush()
        letter = Letter(pupil_id=pupil.id, case_id=case.id, template_version_id=template.versions[0].id,
                        audience="la", recipient="Pat Parent", subject="A letter", text="Dear Pat",
                        created_by_id=ewo.id)
        db.session.add(letter)
        db.session.flush()
        ids["letter_templates"], ids["letters"] = template.id, letter.id
        # notices to improve, schools' requests and penalty notices (issue 15) came later still
        from portal.formal.models import NoticeToImprove, NtiRequest, PenaltyNotice

        day = date(2026, 11, 2)
        ids["nti_requests"] = _add(NtiRequest(case_id=case.id, school_id=school.id, requested_by_id=ewo.id,
                                              evidence="Evidence")).id
        ids["notices_to_improve"] = _add(NoticeToImprove(
            case_id=case.id, pupil_id=pupil.id, issued_on=day, qualifying_start=day, qualifying_end=day,
            unauthorised_sessions=10, period_weeks=3, period_start=day, period_end=day, raised_by_id=ewo.id)).id
        ids["penalty_notices"] = _add(PenaltyNotice(
            number="PN-2026-9999", case_id=case.id, pupil_id=pupil.id, parent_name="A Parent",
            reason="term_time_holiday", drafted_by_id=ewo.id, served_by="hand")).id
        ids.update(_issue_17_rows(world, school, pupil, case))
        ids.update(_issue_18_rows(world, school, pupil))
    return {**ids, "referrals": referral.id, "cases": case.id, "actions": action_id, "panel_meetings": meeting.id,
            "encounters": encounter.id, "follow_ups": follow_up_id, "import_jobs": job_id}


def _issue_17_rows(world, school, pupil, case) -> dict[str, int]:
    """The self-assessment, dip-sampling and school-stage tables (issue 17) came later still. The
    audit form's version 1 is reference data (seeded by its migration, kept between tests): its
    row is used as it is, and left published as it was."""
    from portal.quality.models import AuditFormVersion, AuditGrade, CaseAudit, DipSample
    from portal.schoolstages.models import FirstDayCall, KeyAction
    from portal.selfassessment.models import (
        Questionnaire,
        SelfAssessment,
        SelfAssessmentAnswer,
        SelfAssessmentArea,
        SelfAssessmentEvidence,
    )

    staff, admin = world.user("school_staff"), world.user("la_admin")
    day = date(2026, 11, 2)
    questionnaire = _add(Questionnaire(number=41))
    area = _add(SelfAssessmentArea(questionnaire_id=questionnaire.id, key="states", title="States"))
    assessment = _add(SelfAssessment(school_id=school.id, academic_year="2041/42", questionnaire_id=questionnaire.id,
                                     started_by_id=staff.id))
    answer = _add(SelfAssessmentAnswer(assessment_id=assessment.id, area_id=area.id))
    evidence = _add(SelfAssessmentEvidence(assessment_id=assessment.id, title="Policy", filename="policy.pdf",
                                           stored_name="states-evidence", file_type="pdf", size=1,
                                           uploaded_by_id=staff.id))
    form = db.session.scalars(select(AuditFormVersion).order_by(AuditFormVersion.number)).first()
    sample = _add(DipSample(size=1, seed=7, population="open", population_size=1, drawn_by_id=admin.id))
    audit = _add(CaseAudit(sample_id=sample.id, case_id=case.id, lead_id=case.lead_id, form_id=form.id))
    grade = _add(AuditGrade(audit_id=audit.id, criterion_id=form.criteria[0].id))
    call = _add(FirstDayCall(pupil_id=pupil.id, school_id=school.id, call_date=day, outcome="no_answer",
                             recorded_by_id=staff.id))
    key_action = _add(KeyAction(school_id=school.id, week_start=day, pupil_id=pupil.id, stage=1,
                                action="First-day call home"))
    return {"self_assessment_questionnaires": questionnaire.id, "self_assessments": assessment.id,
            "self_assessment_answers": answer.id, "self_assessment_evidence": evidence.id,
            "audit_form_versions": form.id, "dip_samples": sample.id, "case_audits": audit.id,
            "case_audit_grades": grade.id, "first_day_calls": call.id, "key_actions": key_action.id}


def _issue_18_rows(world, school, pupil) -> dict[str, int]:
    """Children missing education and elective home education (issue 18) came later still."""
    from portal.cme.models import CmeEnquiry, CmeNotification, CmeStep, JointEnquiry
    from portal.ehe.models import EheRecord, SuitabilityEnquiry

    staff, admin = world.user("school_staff"), world.user("la_admin")
    day = date(2026, 11, 2)
    notification = _add(CmeNotification(pupil_id=pupil.id, school_id=school.id, kind="deletion", event_date=day,
                                        notified_by_id=staff.id))
    joint = _add(JointEnquiry(pupil_id=pupil.id, party="school", done_on=day, what_done="A home visit",
                              recorded_by_id=staff.id))
    enquiry = _add(CmeEnquiry(source="professional", child_name="Sam Child", opened_by_id=admin.id))
    step = _add(CmeStep(enquiry_id=enquiry.id, kind="home_visit", due_date=day))
    record = _add(EheRecord(forename="Sam", surname="Child", date_of_birth=date(2015, 5, 1), started_on=day,
                            learnt_from="parent", created_by_id=admin.id))
    suitability = _add(SuitabilityEnquiry(record_id=record.id, asked_on=day, question="A report", outcome="suitable",
                                          recorded_by_id=admin.id))
    return {"cme_notifications": notification.id, "cme_joint_enquiries": joint.id, "cme_enquiries": enquiry.id,
            "cme_steps": step.id, "ehe_records": record.id, "ehe_enquiries": suitability.id}


def test_the_states_are_the_ones_the_code_knows():
    assert [(table, column) for table, column, _ in STATE_COLUMNS] == [
        ("actions", "status"), ("audit_form_versions", "status"), ("case_audit_grades", "grade"),
        ("case_audits", "overall_grade"), ("case_audits", "status"),
        ("case_documents", "file_type"), ("case_documents", "status"), ("cases", "status"),
        ("cme_enquiries", "outcome"), ("cme_enquiries", "source"), ("cme_enquiries", "status"),
        ("cme_joint_enquiries", "party"), ("cme_notifications", "ground"), ("cme_notifications", "kind"),
        ("cme_notifications", "status"), ("cme_steps", "kind"),
        ("dip_samples", "population"), ("ehe_enquiries", "outcome"), ("ehe_records", "end_reason"),
        ("ehe_records", "learnt_from"), ("ehe_records", "status"), ("ehe_records", "suitability"),
        ("encounters", "match_status"), ("first_day_calls", "outcome"),
        ("follow_ups", "status"), ("formal_steps", "kind"), ("formal_steps", "status"),
        ("import_jobs", "status"), ("key_actions", "status"),
        ("letter_templates", "audience"), ("letters", "audience"), ("letters", "status"),
        ("notices_to_improve", "status"), ("nti_requests", "status"),
        ("panel_meetings", "status"), ("penalty_notices", "reason"), ("penalty_notices", "served_by"),
        ("penalty_notices", "status"), ("reference_figures", "cohort"),
        ("reference_figures", "kind"), ("reference_figures", "measure"), ("reference_figures", "period"),
        ("reference_figures", "phase"), ("referrals", "status"), ("school_closures", "kind"),
        ("self_assessment_answers", "action_status"), ("self_assessment_answers", "rating"),
        ("self_assessment_answers", "review"), ("self_assessment_evidence", "file_type"),
        ("self_assessment_questionnaires", "status"), ("self_assessments", "status"),
        ("support_meeting_items", "next_step"), ("support_meeting_items", "status"), ("support_meetings", "status")]
    assert [s.value for s in ReferralStatus] == ["draft", "submitted", "more_info", "accepted", "declined"]
    assert [s.value for s in CaseStatus] == ["open", "monitoring", "closed"]
    assert [s.value for s in ActionStatus] == ["open", "done", "cancelled"]
    assert [s.value for s in MeetingStatus] == ["scheduled", "published", "held"]
    assert [s.value for s in MatchStatus] == ["unmatched", "matched", "no_match"]
    assert [s.value for s in FollowUpStatus] == ["open", "done", "cancelled"]
    assert [s.value for s in ImportStatus] == ["queued", "running", "done", "failed"]


def _pair_ehe_record(table, column, member, row_id) -> None:
    """An EHE record is ended exactly when it has its end date and reason (ck_ehe_records_ended):
    before its status or end reason is stored, the other columns are set to go with it."""
    if table != "ehe_records" or column not in ("status", "end_reason"):
        return
    ended = column == "end_reason" or member.value == "ended"
    db.session.execute(text("UPDATE ehe_records SET status = :status, ended_on = :on, end_reason = :reason "
                            "WHERE id = :id"),
                       {"status": "ended" if ended else "current", "on": date(2026, 11, 30) if ended else None,
                        "reason": (member.value if column == "end_reason" else "other") if ended else None,
                        "id": row_id})


def _pair_formal_step(table, column, member, row_id) -> None:
    """A formal step's kind and status go in pairs (ck_formal_steps_kind_status): before a
    member of one is stored, the other is set to one that goes with it."""
    if table != "formal_steps":
        return
    from portal.formal_steps.models import STATUSES_BY_KIND

    if column == "status":
        kind = next(k for k, statuses in STATUSES_BY_KIND.items() if member in statuses)
        pair = {"kind": kind.value, "status": member.value}
    else:
        pair = {"kind": member.value, "status": STATUSES_BY_KIND[member][0].value}
    db.session.execute(text("UPDATE formal_steps SET kind = :kind, status = :status WHERE id = :id"),
                       {**pair, "id": row_id})


@pytest.mark.parametrize("table, column, state", STATE_COLUMNS, ids=[f"{t}.{c}" for t, c, _ in STATE_COLUMNS])
def test_the_database_holds_only_the_members_of_a_state(world, table, column, state):
    """Each member can be stored (the constraint and the enum agree), anything else is refused
    by the database itself, whatever writes it."""
    row_id = one_of_each(world)[table]
    db.session.commit()
    statement = text(f"UPDATE {table} SET {column} = :value WHERE id = :id")
    for member in state:
        _pair_formal_step(table, column, member, row_id)
        _pair_ehe_record(table, column, member, row_id)
        db.session.execute(statement, {"value": member.value, "id": row_id})
    for stray in ("bogus", member.value.upper(), f"{member.value} ", ""):
        with pytest.raises(IntegrityError) as refused:
            with db.session.begin_nested():
                db.session.execute(statement, {"value": stray, "id": row_id})
        # (a formal step's stray status may meet its kind's check first: refused all the same)
        assert f"ck_{table}_{column}" in str(refused.value) or (
            table == "formal_steps" and "ck_formal_steps_kind_status" in str(refused.value)) or (
            table == "ehe_records" and "ck_ehe_records_ended" in str(refused.value))
    db.session.commit()
    assert db.session.scalar(text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}) == member.value


def test_a_row_inserted_with_a_status_outside_its_states_is_refused(world):
    insert = text("INSERT INTO import_jobs (kind, filename, path, size_bytes, status, phase, progress, rows, added, "
                  "changed, unchanged, error_count, message, created_at) VALUES ('marks', 'marks.csv', '/nowhere', "
                  "0, :status, 'Waiting to start', 0, 0, 0, 0, 0, 0, '', :now)")
    with pytest.raises(IntegrityError) as refused:
        with db.session.begin_nested():
            db.session.execute(insert, {"status": "paused", "now": utcnow()})
    assert "ck_import_jobs_status" in str(refused.value)
    db.session.execute(insert, {"status": "queued", "now": utcnow()})  # the same row in a state goes in
    db.session.commit()
    assert db.session.scalars(db.select(ImportJob.status)).all() == [ImportStatus.queued]


def test_a_state_attribute_holds_a_member():
    case = Case(status="monitoring")
    assert case.status is CaseStatus.monitoring and case.status.label == "Monitoring"
    assert ReferralStatus.submitted.label == "Awaiting triage" and MatchStatus.no_match.label == "Not on roll"
    with pytest.raises(ValueError):
        case.status = "reopened"
    assert f"Case moved to {CaseStatus.closed}." == "Case moved to closed."  # shown as stored


def test_a_state_read_back_is_a_member(world):
    ids = one_of_each(world)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Case, ids["cases"]).status is CaseStatus.open
    assert db.session.get(Referral, ids["referrals"]).status is ReferralStatus.draft
    assert db.session.get(Encounter, ids["encounters"]).match_status is MatchStatus.unmatched


# ----- the migration ---------------------------------------------------------------------------------

def _scratch_database(tmp_path):
    """A database of its own (a file; on PostgreSQL a schema), and how to remove it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'upgrade.db'}", lambda: None
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS states_upgrade CASCADE"))
        conn.execute(text("CREATE SCHEMA states_upgrade"))

    def drop():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS states_upgrade CASCADE"))
    return url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dstates_upgrade", drop


LATER_USER_FLAGS = ("team_manager", "cme_officer")


def test_the_states_migration_upgrades_a_database_with_data(app, tmp_path):
    url, drop = _scratch_database(tmp_path)
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret-key",
                        "RATELIMIT_STORAGE_URI": "memory://"})
    try:
        with other.app_context():
            flask_migrate.upgrade(revision="0009_two_factor")
            # the users of that day had no flags (team manager 0025, CME officer 0027), which the
            # ORM writes: added for the world and dropped again before the upgrade adds them back
            for flag in LATER_USER_FLAGS:
                db.session.execute(text(f"ALTER TABLE users ADD COLUMN {flag} BOOLEAN NOT NULL DEFAULT FALSE"))
            # the data of the day before: rows in every state column's table and a case share
            # (written as that day's schema had it: no version)
            world = build_world()
            ids = one_of_each(world, closures=False)
            db.session.execute(text("UPDATE cases SET status = 'monitoring' WHERE id = :id"), {"id": ids["cases"]})
            db.session.execute(text(
                "INSERT INTO case_shares (case_id, organisation_id, reason, shared_by_id, shared_at, withdraw_reason) "
                "VALUES (:case_id, :org_id, 'Early help assessment', :user_id, :now, '')"),
                {"case_id": ids["cases"], "org_id": world.early_help_org.id, "user_id": world.user("ewo").id,
                 "now": utcnow()})
            db.session.commit()
            before = {table: db.session.scalar(text(f"SELECT COUNT(*) FROM {table}"))
                      for table in [*ids, "case_shares", "users", "pupils", "chronology_entries"]}
            for flag in LATER_USER_FLAGS:
                db.session.execute(text(f"ALTER TABLE users DROP COLUMN {flag}"))
            db.session.commit()
            db.session.remove()

            flask_migrate.upgrade()

            after = {table: db.session.scalar(text(f"SELECT COUNT(*) FROM {table}")) for table in before}
            assert after == before
            assert db.session.get(Case, ids["cases"]).status is CaseStatus.monitoring
            assert db.session.get(Action, ids["actions"]).status is ActionStatus.open
            share = db.session.scalars(db.select(CaseShare)).one()
            assert share.version == 1 and share.active
            with pytest.raises(IntegrityError):
                db.session.execute(text("UPDATE cases SET status = 'reopened' WHERE id = :id"), {"id": ids["cases"]})
            db.session.rollback()
            if db.engine.dialect.name == "sqlite":
                assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on after the upgrade
                assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
