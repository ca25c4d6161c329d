"""Every endpoint has a row saying which roles may reach it. A route without a row fails.

For each endpoint: anonymous users are sent to sign in (public routes excepted); every role
not allowed gets 403 or 404; every allowed role gets through (not 401/403/404)."""
from __future__ import annotations

import os
import tempfile

import pytest

from portal import access

PUBLIC = "public"
ALL = access.ALL_ROLES
ADMIN = frozenset({access.LA_ADMIN})
SCHOOLS_EWO_ADMIN = frozenset({access.SCHOOL_STAFF, access.EWO, access.LA_ADMIN})
SCHOOL_ADMIN = frozenset({access.SCHOOL_STAFF, access.LA_ADMIN})
SCHOOL = frozenset({access.SCHOOL_STAFF})
EWO_ADMIN = frozenset({access.EWO, access.LA_ADMIN})
RUN_PANELS = frozenset({access.PANEL_CHAIR, access.LA_ADMIN})
SWEEP_ROLES = frozenset({access.POLICE, access.EWO, access.LA_ADMIN})
CASE_ROLES = frozenset({access.SCHOOL_STAFF, access.EWO, access.SOCIAL_CARE, access.EARLY_HELP, access.POLICE,
                        access.LA_ADMIN})

# endpoint -> (who may reach it, method used to probe it)
MATRIX: dict[str, tuple[frozenset[str] | str, str]] = {
    "auth.login": (PUBLIC, "GET"),
    "health.healthz": (PUBLIC, "GET"),
    "auth.logout": (ALL, "POST"),
    "auth.change_password": (ALL, "GET"),
    "dashboard.home": (ALL, "GET"),
    "orgs.list_organisations": (ADMIN, "GET"),
    "orgs.new_organisation": (ADMIN, "GET"),
    "orgs.view_organisation": (ADMIN, "GET"),
    "orgs.edit_organisation": (ADMIN, "GET"),
    "orgs.deactivate_organisation": (ADMIN, "GET"),
    "orgs.reactivate_organisation": (ADMIN, "GET"),
    "orgs.list_users": (ADMIN, "GET"),
    "orgs.new_user": (ADMIN, "GET"),
    "orgs.view_user": (ADMIN, "GET"),
    "orgs.edit_user": (ADMIN, "GET"),
    "orgs.deactivate_user": (ADMIN, "GET"),
    "orgs.reactivate_user": (ADMIN, "GET"),
    "orgs.unlock_user": (ADMIN, "POST"),
    "audit.list_events": (ADMIN, "GET"),
    "pupils.search": (SCHOOLS_EWO_ADMIN, "GET"),
    "pupils.view": (SCHOOLS_EWO_ADMIN, "GET"),
    "pupils.edit": (SCHOOL_ADMIN, "GET"),
    "pupils.add_contact": (SCHOOL_ADMIN, "GET"),
    "pupils.remove_contact": (SCHOOL_ADMIN, "GET"),
    "attendance.schools": (SCHOOLS_EWO_ADMIN, "GET"),
    "attendance.school": (SCHOOLS_EWO_ADMIN, "GET"),
    "attendance.school_export": (SCHOOLS_EWO_ADMIN, "GET"),
    "attendance.list_imports": (SCHOOL_ADMIN, "GET"),
    "attendance.view_import": (SCHOOL_ADMIN, "GET"),
    "attendance.import_progress": (SCHOOL_ADMIN, "GET"),
    "attendance.import_errors": (SCHOOL_ADMIN, "GET"),
    "attendance.sample": (SCHOOL_ADMIN, "GET"),
    "cases.new_referral": (SCHOOL, "GET"),
    "cases.edit_referral": (SCHOOL, "GET"),
    "cases.list_referrals": (SCHOOLS_EWO_ADMIN, "GET"),
    "cases.view_referral": (SCHOOLS_EWO_ADMIN, "GET"),
    "cases.add_to_referral": (SCHOOL, "POST"),
    "cases.triage_referral": (EWO_ADMIN, "GET"),
    "cases.list_cases": (CASE_ROLES, "GET"),
    "cases.view_case": (CASE_ROLES, "GET"),
    "cases.update_case": (EWO_ADMIN, "POST"),
    "cases.add_entry": (CASE_ROLES, "POST"),
    "cases.correct_entry": (EWO_ADMIN, "GET"),
    "cases.strike_entry": (EWO_ADMIN, "GET"),
    "cases.share_case": (EWO_ADMIN, "GET"),
    "cases.withdraw_share": (EWO_ADMIN, "GET"),
    "cases.close_case": (EWO_ADMIN, "GET"),
    "cases.add_action": (frozenset({access.SCHOOL_STAFF, access.EWO, access.SOCIAL_CARE, access.EARLY_HELP,
                                    access.LA_ADMIN}), "POST"),
    "cases.complete_action": (frozenset({access.EWO, access.EARLY_HELP, access.LA_ADMIN}), "GET"),
    "cases.action_row": (CASE_ROLES, "GET"),
    "cases.my_actions": (CASE_ROLES, "GET"),
    "cases.notifications": (ALL, "GET"),
    "cases.mark_notifications_read": (ALL, "POST"),
    "cases.outbox": (ADMIN, "GET"),
    "cases.list_stages": (ADMIN, "GET"),
    "cases.edit_stage": (ADMIN, "GET"),
    "panels.list_meetings": (ALL, "GET"),
    "panels.new_meeting": (RUN_PANELS, "GET"),
    "panels.view_meeting": (ALL, "GET"),
    "panels.build_agenda": (RUN_PANELS, "POST"),
    "panels.add_item": (RUN_PANELS, "POST"),
    "panels.move_item": (RUN_PANELS, "POST"),
    "panels.set_slot": (RUN_PANELS, "POST"),
    "panels.remove_item": (RUN_PANELS, "GET"),
    "panels.publish": (RUN_PANELS, "POST"),
    "panels.invite_person": (RUN_PANELS, "POST"),
    "panels.invite_agency": (RUN_PANELS, "POST"),
    "panels.confidentiality": (ALL, "GET"),  # every role is invited to the meeting below
    "panels.view_pack": (ALL, "GET"),
    "panels.run_meeting": (RUN_PANELS, "GET"),
    "panels.record_attendance": (RUN_PANELS, "POST"),
    "panels.record_decision": (RUN_PANELS, "POST"),
    "panels.mark_held": (RUN_PANELS, "POST"),  # not yet started: refused with a message, 303
    "panels.minutes": (ALL, "GET"),  # members: the redacted version
    "panels.minutes_pdf": (ALL, "GET"),
    "panels.panel_overview": (RUN_PANELS, "GET"),
    "sweeps.list_sweeps": (SWEEP_ROLES, "GET"),
    "sweeps.new_sweep": (SWEEP_ROLES, "GET"),
    "sweeps.view_sweep": (SWEEP_ROLES, "GET"),
    "sweeps.new_encounter": (SWEEP_ROLES, "GET"),  # the police lead, the EWO an officer
    "sweeps.view_encounter": (SWEEP_ROLES, "GET"),
    "sweeps.list_encounters": (EWO_ADMIN, "GET"),
    "sweeps.match_encounter": (EWO_ADMIN, "GET"),
    "sweeps.report": (SWEEP_ROLES, "GET"),
    "sweeps.report_csv": (SWEEP_ROLES, "GET"),
    "sweeps.list_followups": (SCHOOLS_EWO_ADMIN, "GET"),
    "sweeps.view_followup": (SCHOOLS_EWO_ADMIN, "GET"),
    "sweeps.record_followup": (SCHOOLS_EWO_ADMIN, "POST"),
}


def url_args(world) -> dict:
    """A real object for every id a URL can take, visible to every role allowed to use it
    (school A is the demo school user's and its named EWO's)."""
    from portal.extensions import db
    from tests.factories import make_import_job, make_pupil

    if not hasattr(world, "_url_args"):
        pupil = make_pupil(world.school_a)
        from portal.pupils.models import Contact

        contact = Contact(pupil=pupil, name="Pat Parent")
        db.session.add(contact)
        db.session.flush()
        job = make_import_job(world.user("school_staff"), world.school_a, status="failed")
        job.path = os.path.join(tempfile.mkdtemp(), "upload.csv")
        db.session.flush()
        with open(f"{job.path}.{job.id}.errors.csv", "w") as f:
            f.write("row,field,message\n2,code,Unknown register code\n")
        # A case of school A shared with every agency, with an entry, an action for early help
        # and a draft referral (the school's), plus one more submitted referral to triage.
        from portal.cases.models import Action, Case, CaseShare, ChronologyEntry, Referral

        referral = Referral(pupil_id=pupil.id, school_id=world.school_a.id, status="more_info",
                            created_by_id=world.user("school_staff").id, barriers={"illness": ""})
        submitted = Referral(pupil_id=pupil.id, school_id=world.school_a.id, status="submitted",
                             created_by_id=world.user("school_staff").id, barriers={"illness": ""})
        db.session.add_all([referral, submitted])
        db.session.flush()
        case = Case(pupil_id=pupil.id, status="open", lead_id=world.user("ewo").id)
        db.session.add(case)
        db.session.flush()
        for org in (world.social_care_org, world.early_help_org, world.police_org):
            db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="test",
                                     shared_by_id=world.user("ewo").id))
        entry = ChronologyEntry(case_id=case.id, kind="note", occurred_at=world.school_a.created_at,
                                text="A note", author_id=world.user("ewo").id, police_shareable=True)
        share = CaseShare(case_id=case.id, organisation_id=world.school_b.id, reason="test",
                          shared_by_id=world.user("ewo").id)
        from datetime import date as _date

        action = Action(case_id=case.id, description="Visit", due_date=_date(2026, 12, 1),
                        owner_org_id=world.early_help_org.id, created_by_id=world.user("ewo").id)
        db.session.add_all([entry, share, action])
        db.session.commit()
        # A published panel meeting chaired by the panel chair, with that case on its agenda and
        # every organisation of the world invited (so every role may open it).
        from datetime import timedelta

        from portal.panels import service as panels
        from portal.timeutil import utcnow

        chair = world.user("panel_chair")
        meeting = panels.schedule_meeting(chair, utcnow() + timedelta(days=10), place="Civic Centre")
        item = panels.add_item(chair, meeting, case, "Listed by the chair")
        for org in (world.school_a, world.service, world.social_care_org, world.early_help_org, world.police_org):
            panels.invite_agency(chair, meeting, org)
        panels.publish(chair, meeting)
        # A sweep led by the police user with school A's EWO taking part: one child matched to
        # the pupil (a follow-up for school A), one still to match.
        from datetime import time as _time

        from portal.sweeps import service as sweeps

        police = world.user("police")
        sweep = sweeps.create_sweep(police, held_on=_date(2026, 11, 20), starts_at=_time(9), ends_at=_time(12),
                                    area="Town centre", lead=police, officers=[world.user("ewo")], agencies=[])
        child = {"seen_time": _time(10), "location": "High Street", "officer_id": police.id,
                 "forename": pupil.legal_forename, "surname": pupil.legal_surname,
                 "date_of_birth": pupil.date_of_birth, "age": None, "school_status": "school",
                 "school_id": world.school_a.id, "accompanied": "alone", "outcome": "returned_to_school"}
        matched = sweeps.record_encounter(police, sweep, child)
        unmatched = sweeps.record_encounter(police, sweep, {**child, "forename": "Unknown", "surname": "Child"})
        follow_up = sweeps.confirm_match(world.user("ewo"), matched, pupil, matched.version)
        world._url_args = {
            "org_id": world.school_b.id,
            "user_id": world.user("school_staff_b").id,
            "pupil_id": pupil.id,
            "contact_id": contact.id,
            "school_id": world.school_a.id,
            "job_id": job.id,
            "name": "attendance-marks.csv",
            "referral_id": referral.id,
            "submitted_referral_id": submitted.id,
            "case_id": case.id,
            "entry_id": entry.id,
            "share_id": share.id,
            "action_id": action.id,
            "stage_id": 1,
            "meeting_id": meeting.id,
            "item_id": item.id,
            "sweep_id": sweep.id,
            "encounter_id": matched.id,
            "unmatched_encounter_id": unmatched.id,
            "followup_id": follow_up.id,
        }
    return world._url_args


def _endpoints(app):
    return sorted({r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"})


def test_every_endpoint_has_a_row(app):
    missing = [e for e in _endpoints(app) if e not in MATRIX]
    assert not missing, f"endpoints without an access row: {missing}"
    stale = [e for e in MATRIX if e not in _endpoints(app)]
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


def test_every_view_declares_its_permission(app):
    undeclared = [e for e in _endpoints(app)
                  if not hasattr(app.view_functions[e], "required_permission")]
    assert not undeclared, f"views without @access.require / @access.public: {undeclared}"


# Endpoints that need a different object of the same kind (by url_args key).
ARG_OVERRIDES = {"cases.triage_referral": {"referral_id": "submitted_referral_id"},
                 "sweeps.match_encounter": {"encounter_id": "unmatched_encounter_id"}}


def _url(app, endpoint, world):
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    all_args = url_args(world)
    names = {k: ARG_OVERRIDES.get(endpoint, {}).get(k, k) for k in rule.arguments}
    args = {k: all_args[name] for k, name in names.items() if name in all_args}
    with app.test_request_context():
        return url_for(endpoint, **args)


def _probe(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post_form(url, {})


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_anonymous(app, client, world, endpoint):
    allowed, method = MATRIX[endpoint]
    client.checks_pages = False
    response = _probe(client, method, _url(app, endpoint, world))
    if allowed == PUBLIC:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


ROLE_USERS = list(access.ROLES)


@pytest.mark.parametrize("role", ROLE_USERS)
def test_each_role_across_the_matrix(app, world, role):
    client = app.test_client()
    assert client.login(world.user(role)).status_code == 302
    for endpoint, (allowed, method) in sorted(MATRIX.items()):
        if allowed == PUBLIC or endpoint == "auth.logout":
            continue
        response = _probe(client, method, _url(app, endpoint, world))
        if role in allowed:
            assert response.status_code not in (401, 403, 404), f"{role} refused {endpoint}"
        else:
            assert response.status_code in (403, 404), f"{role} reached {endpoint}: {response.status_code}"


@pytest.mark.parametrize("role", ROLE_USERS)
def test_logout_for_each_role(client, world, role):
    client.login(world.user(role))
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
