"""Every endpoint has a row saying which roles may reach it, for every HTTP method it takes,
and the status an allowed role gets. A route (or a method) without a row fails.

For each endpoint and method: anonymous users are sent to sign in (public routes excepted);
every role not allowed gets 403 or 404; every allowed role gets exactly the expected status
(an empty form is a 422, a confirmation a 303, a page a 200). And every route that takes an
object id answers 404, for every method, to each allowed role when the object is outside
that role's scope (another school's pupil, a case not shared, a meeting not invited to...)."""
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
CASE_ROLES = frozenset({access.SCHOOL_STAFF, access.EWO, access.SOCIAL_CARE, access.EARLY_HELP, access.HEALTH,
                        access.POLICE, access.LA_ADMIN})
ACTION_ADDERS = frozenset({access.SCHOOL_STAFF, access.EWO, access.SOCIAL_CARE, access.EARLY_HELP, access.HEALTH,
                           access.LA_ADMIN})
SCHOOL_STAFF, EWO, LA_ADMIN, PANEL_CHAIR = access.SCHOOL_STAFF, access.EWO, access.LA_ADMIN, access.PANEL_CHAIR
# A TSM of school A with every partner agency invited: all but the panel chair (not invited).
TSM_VIEWERS = ALL - {access.PANEL_CHAIR}
STEP_VIEWERS = CASE_ROLES - {access.POLICE}

# endpoint -> (who may reach it, {method: the status an allowed role gets}). A status may be a
# dict by role where roles differ (None: every other allowed role). Forms are probed empty.
MATRIX: dict[str, tuple[frozenset[str] | str, dict[str, int | dict]]] = {
    "auth.login": (PUBLIC, {"GET": 200, "POST": 422}),  # signed in: both redirect home (302)
    "health.healthz": (PUBLIC, {"GET": 200}),
    # the second step of signing in: without a good password first, back to sign in
    "auth.enter_code": (PUBLIC, {"GET": 302, "POST": 302}),
    "auth.enter_recovery_code": (PUBLIC, {"GET": 302, "POST": 302}),
    "auth.set_up_two_factor": (PUBLIC, {"GET": 302, "POST": 302}),
    "auth.logout": (ALL, {"POST": 302}),
    "auth.change_password": (ALL, {"GET": 200, "POST": 422}),
    "dashboard.home": (ALL, {"GET": 200}),
    "dashboard.la_picture": (frozenset({LA_ADMIN, EWO, PANEL_CHAIR}), {"GET": 200}),
    "dashboard.school_picture": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "orgs.list_organisations": (ADMIN, {"GET": 200}),
    "orgs.new_organisation": (ADMIN, {"GET": 200, "POST": 422}),
    "orgs.view_organisation": (ADMIN, {"GET": 200}),
    "orgs.edit_organisation": (ADMIN, {"GET": 200, "POST": 422}),
    "orgs.deactivate_organisation": (ADMIN, {"GET": 200, "POST": 422}),  # a school still has pupils
    "orgs.reactivate_organisation": (ADMIN, {"GET": 200, "POST": 302}),
    "orgs.list_users": (ADMIN, {"GET": 200}),
    "orgs.new_user": (ADMIN, {"GET": 200, "POST": 422}),
    "orgs.view_user": (ADMIN, {"GET": 200}),
    "orgs.edit_user": (ADMIN, {"GET": 200, "POST": 422}),
    "orgs.deactivate_user": (ADMIN, {"GET": 200, "POST": 302}),  # the GET is the confirmation page
    "orgs.reactivate_user": (ADMIN, {"GET": 200, "POST": 302}),
    "orgs.unlock_user": (ADMIN, {"POST": 302}),
    "orgs.reset_two_factor": (ADMIN, {"GET": 200, "POST": 302}),  # the GET is the confirmation page
    "audit.list_events": (ADMIN, {"GET": 200}),
    "pupils.search": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "pupils.view": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "pupils.edit": (SCHOOL_ADMIN, {"GET": 200, "POST": 422}),
    "pupils.add_contact": (SCHOOL_ADMIN, {"GET": 200, "POST": 422}),
    "pupils.remove_contact": (SCHOOL_ADMIN, {"GET": 200, "POST": 302}),
    "attendance.schools": (SCHOOLS_EWO_ADMIN, {"GET": {LA_ADMIN: 200, None: 302}}),  # one school: straight to it
    "attendance.school": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "attendance.school_export": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "attendance.list_imports": (SCHOOL_ADMIN, {"GET": 200, "POST": 422}),
    "attendance.view_import": (SCHOOL_ADMIN, {"GET": 200}),
    "attendance.import_progress": (SCHOOL_ADMIN, {"GET": 200}),
    "attendance.import_errors": (SCHOOL_ADMIN, {"GET": 200}),
    # the job's file is no longer kept: back to the job with a message
    "attendance.retry_import": (SCHOOL_ADMIN, {"POST": 303}),
    "attendance.sample": (SCHOOL_ADMIN, {"GET": 200}),
    "attendance.calendar_page": (ADMIN, {"GET": 200}),
    "attendance.new_term": (ADMIN, {"GET": 200, "POST": 422}),
    "attendance.edit_term": (ADMIN, {"GET": 200, "POST": 422}),
    "attendance.remove_term": (ADMIN, {"GET": 200, "POST": 303}),  # the matrix's own term (MATRIX_YEAR)
    "attendance.school_closures": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "attendance.new_closure": (SCHOOLS_EWO_ADMIN, {"GET": 200, "POST": 422}),
    "attendance.remove_closure": (SCHOOLS_EWO_ADMIN, {"GET": 200, "POST": 303}),
    # the pupil already has an open referral and case: a second referral is refused (issue 14.3)
    "cases.new_referral": (SCHOOL, {"GET": 409, "POST": 409}),
    "cases.edit_referral": (SCHOOL, {"GET": 200, "POST": 422}),
    "cases.list_referrals": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "cases.view_referral": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "cases.add_to_referral": (SCHOOL, {"POST": 422}),
    "cases.triage_referral": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "cases.list_cases": (CASE_ROLES, {"GET": 200}),
    "cases.view_case": (CASE_ROLES, {"GET": 200}),
    "cases.update_case": (EWO_ADMIN, {"POST": 303}),  # nothing changed
    "cases.add_entry": (CASE_ROLES, {"POST": 422}),
    "cases.correct_entry": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "cases.strike_entry": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "cases.share_case": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "cases.withdraw_share": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "cases.close_case": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    # the whole family (issue 14.11): the lead side; an empty form is refused
    "cases.add_family_child": (EWO_ADMIN, {"POST": 422}),
    "cases.remove_family_child": (EWO_ADMIN, {"POST": 422}),
    "cases.change_lead": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "cases.add_action": (ACTION_ADDERS, {"POST": 422}),
    # documents (issue 14.10): whoever adds to the chronology attaches one; the matrix's document
    # is shared with the police; the uploader (the EWO, the lead) or the lead side removes it
    "cases.new_document": (CASE_ROLES, {"GET": 200, "POST": 422}),
    "cases.download_document": (CASE_ROLES, {"GET": 200}),
    "cases.remove_document": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "cases.complete_action": (frozenset({access.EWO, access.EARLY_HELP, access.LA_ADMIN}),  # early help owns it
                              {"GET": 200, "POST": 422}),
    "cases.action_row": (CASE_ROLES, {"GET": 200}),
    "cases.my_actions": (CASE_ROLES, {"GET": 200}),
    "notifications.list_notifications": (ALL, {"GET": 200}),
    "notifications.mark_read": (ALL, {"POST": 303}),
    "notifications.outbox": (ADMIN, {"GET": 200}),
    "cases.list_stages": (ADMIN, {"GET": 200}),
    "cases.edit_stage": (ADMIN, {"GET": 200, "POST": 422}),
    "attendance.edit_settings": (ADMIN, {"GET": 200, "POST": 422}),
    # the retention schedule, what is due, and the confirmed run (an empty form: nothing confirmed)
    "retention.edit_settings": (ADMIN, {"GET": 200, "POST": 422}),
    "retention.due": (ADMIN, {"GET": 200}),
    "retention.confirm_delete": (ADMIN, {"GET": 200, "POST": 422}),
    "attendance.reference_figures": (ADMIN, {"GET": 200}),
    "attendance.reference_figures_csv": (ADMIN, {"GET": 200}),
    "attendance.reference_new": (ADMIN, {"GET": 200, "POST": 422}),
    "attendance.reference_figure": (ADMIN, {"GET": 200, "POST": 422}),
    "attendance.reference_remove": (ADMIN, {"GET": 200, "POST": 303}),  # the matrix's own figure (MATRIX_YEAR)
    "attendance.reference_upload": (ADMIN, {"GET": 200, "POST": 422}),
    "panels.list_meetings": (ALL, {"GET": 200}),
    "panels.new_meeting": (RUN_PANELS, {"GET": 200, "POST": 422}),
    "panels.view_meeting": (ALL, {"GET": 200}),
    "panels.build_agenda": (RUN_PANELS, {"POST": 303}),
    "panels.add_item": (RUN_PANELS, {"POST": 422}),
    "panels.search_cases": (RUN_PANELS, {"GET": 200}),
    "panels.move_item": (RUN_PANELS, {"POST": 422}),
    "panels.set_slot": (RUN_PANELS, {"POST": 422}),
    "panels.remove_item": (RUN_PANELS, {"GET": 200, "POST": 422}),
    "panels.publish": (RUN_PANELS, {"POST": 422}),  # already published
    "panels.invite_person": (RUN_PANELS, {"POST": 422}),
    "panels.invite_agency": (RUN_PANELS, {"POST": 422}),
    # every role is invited to the meeting below; the chair side needs no confirmation
    "panels.confidentiality": (ALL, {"GET": {PANEL_CHAIR: 303, LA_ADMIN: 303, None: 200}, "POST": 303}),
    "panels.view_pack": (ALL, {"GET": 200}),
    "panels.run_meeting": (RUN_PANELS, {"GET": 200}),
    "panels.record_attendance": (RUN_PANELS, {"POST": 303}),
    "panels.add_attendee": (RUN_PANELS, {"POST": 422}),
    "panels.record_decision": (RUN_PANELS, {"POST": 422}),
    "panels.mark_held": (RUN_PANELS, {"POST": 303}),  # not yet started: refused with a message
    "panels.minutes": (ALL, {"GET": 200}),  # members: the redacted version
    "panels.minutes_pdf": (ALL, {"GET": 200}),
    "panels.panel_overview": (RUN_PANELS, {"GET": 200}),
    "sweeps.list_sweeps": (SWEEP_ROLES, {"GET": 200}),
    "sweeps.new_sweep": (SWEEP_ROLES, {"GET": 200, "POST": 422}),
    "sweeps.view_sweep": (SWEEP_ROLES, {"GET": 200}),
    # the lead (police) and the LA
    "sweeps.edit_sweep": (SWEEP_ROLES, {"GET": {access.EWO: 403, None: 200}, "POST": {access.EWO: 403, None: 422}}),
    "sweeps.new_encounter": (SWEEP_ROLES, {"GET": 200, "POST": 422}),  # the police lead, the EWO an officer
    "sweeps.view_encounter": (SWEEP_ROLES, {"GET": 200}),
    "sweeps.list_encounters": (EWO_ADMIN, {"GET": 200}),
    "sweeps.match_encounter": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "sweeps.undo_match": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "sweeps.report": (SWEEP_ROLES, {"GET": 200}),
    "sweeps.report_csv": (SWEEP_ROLES, {"GET": 200}),
    "sweeps.list_followups": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "sweeps.view_followup": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "sweeps.record_followup": (SCHOOLS_EWO_ADMIN, {"POST": 422}),
    # the attendance picture's outputs: the pupils behind a figure (not the panel chair), the
    # tables as CSV (the LA picture's roles; a school's staff with ?school=), governors' summary
    "dashboard.picture_pupils": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "dashboard.picture_pupils_csv": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "dashboard.picture_csv": (frozenset({LA_ADMIN, EWO, PANEL_CHAIR}), {"GET": 200}),
    "dashboard.governors_summary": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "dashboard.governors_summary_pdf": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    # The school's own stages (issue 17): read by whoever sees the pupil, logged by the school;
    # the key-actions list for the school's staff and its named EWO only.
    "schoolstages.pupil_stages": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "schoolstages.new_call": (SCHOOL, {"GET": 200, "POST": 422}),
    "schoolstages.edit_call": (SCHOOL, {"GET": 200, "POST": 422}),
    "schoolstages.new_meeting": (SCHOOL, {"GET": 200, "POST": 422}),
    "schoolstages.edit_meeting": (SCHOOL, {"GET": 200, "POST": 422}),
    "schoolstages.key_action_list": (frozenset({SCHOOL_STAFF, EWO}), {"GET": 200}),
    "schoolstages.prepare_key_actions": (SCHOOL, {"POST": 303}),
    "schoolstages.allocate_key_action": (SCHOOL, {"GET": 200, "POST": 422}),
    "schoolstages.complete_key_action": (SCHOOL, {"POST": 303}),  # an empty version is no version check
    "schoolstages.review_key_actions": (SCHOOL, {"POST": 303}),
    # Children missing education (issue 18): the world's EWO is not a CME officer (403: tests/cme);
    # a school notifies and sees its own notifications; the LA works the queue and the enquiries.
    "cme.new_notification": (SCHOOL, {"GET": 200, "POST": 422}),
    "cme.joint_enquiries": (SCHOOL_ADMIN, {"GET": 200, "POST": 422}),
    "cme.list_notifications": (SCHOOL_ADMIN, {"GET": 200}),
    "cme.acknowledge_notification": (ADMIN, {"POST": 303}),
    "cme.open_enquiry_from_notification": (ADMIN, {"POST": 303}),
    "cme.list_enquiries": (ADMIN, {"GET": 200}),
    "cme.new_enquiry": (ADMIN, {"GET": 200, "POST": 422}),
    "cme.view_enquiry": (ADMIN, {"GET": 200}),
    "cme.close_enquiry": (ADMIN, {"POST": 422}),
    "cme.reopen_enquiry": (ADMIN, {"POST": 422}),
    "cme.record_step": (ADMIN, {"GET": 200, "POST": 422}),
    "cme.open_enquiry_from_encounter": (ADMIN, {"POST": 303}),
    "cme.cme_report": (ADMIN, {"GET": 200}),
    "cme.link_pupil": (ADMIN, {"POST": 422}),
    "cme.cme_report_csv": (ADMIN, {"GET": 200}),
    "cme.upload_notifications": (SCHOOL, {"GET": 200, "POST": 422}),
    "cme.upload_template": (SCHOOL, {"GET": 200}),
    # CME enquiries shared with partner agencies (issue 18): the world's enquiry is shared with
    # its social care and its police organisations
    "cme.share_enquiry": (ADMIN, {"GET": 200, "POST": 422}),
    "cme.withdraw_cme_share": (ADMIN, {"GET": 200, "POST": 422}),
    "cme.shared_enquiries": (frozenset({access.SOCIAL_CARE, access.POLICE}), {"GET": 200}),
    "cme.view_shared_enquiry": (frozenset({access.SOCIAL_CARE, access.POLICE}), {"GET": 200}),
    "tsm.list_meetings": (ALL, {"GET": 200}),
    "tsm.coverage": (EWO_ADMIN, {"GET": 200}),
    "tsm.new_meeting": (ADMIN, {"GET": 200, "POST": 422}),
    "tsm.view_meeting": (TSM_VIEWERS, {"GET": 200}),
    "tsm.save_notes": (EWO_ADMIN, {"POST": 303}),  # empty notes are notes
    "tsm.mark_held": (EWO_ADMIN, {"POST": 303}),  # a meeting still to come: refused with a message
    "tsm.new_item": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "tsm.edit_item": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    # the action is early help's; the EWO and the LA run the meeting
    "tsm.complete_action": (frozenset({access.EWO, access.LA_ADMIN, access.EARLY_HELP}), {"POST": 303}),
    "tsm.minutes": (TSM_VIEWERS, {"GET": 200}),
    "tsm.minutes_pdf": (TSM_VIEWERS, {"GET": 200}),
    # formal support and court steps (issue 15): the lead side manages them; the school and the
    # partners the case is shared with see them; the police never (404). The matrix's steps: an
    # education supervision order in force and a prosecution file in preparation.
    "formal_steps.new_step": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal_steps.view_step": (STEP_VIEWERS, {"GET": 200}),
    "formal_steps.edit_step": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal_steps.change_status": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal_steps.extend_order": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal_steps.add_step_action": (EWO_ADMIN, {"POST": 422}),
    "formal_steps.evidence_pack": (EWO_ADMIN, {"GET": 200}),
    "formal_steps.evidence_pack_pdf": (EWO_ADMIN, {"GET": 200}),
    "formal_steps.list_steps": (STEP_VIEWERS, {"GET": 200}),
    # letters (issue 15): LA admins keep the templates (the POST retires the matrix's own); the
    # lead side writes letters on a case, schools (their EWO, the LA) stage letters for a pupil;
    # the matrix's sent letter (the EWO's, on the case shared with every agency) is read by all
    # who see the case but the police (404); its draft is sent or discarded by the lead side
    "letters.list_templates": (ADMIN, {"GET": 200}),
    "letters.new_template": (ADMIN, {"GET": 200, "POST": 422}),
    "letters.edit_template": (ADMIN, {"GET": 200, "POST": 422}),
    "letters.retire_template": (ADMIN, {"GET": 200, "POST": 303}),
    "letters.new_case_letter": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "letters.new_pupil_letter": (SCHOOLS_EWO_ADMIN, {"GET": 200, "POST": 422}),
    "letters.view_letter": (CASE_ROLES - {access.POLICE}, {"GET": 200}),
    "letters.letter_pdf": (CASE_ROLES - {access.POLICE}, {"GET": 200}),
    "letters.send_letter": (EWO_ADMIN, {"POST": 422}),  # not confirmed
    "letters.discard_letter": (EWO_ADMIN, {"GET": 200, "POST": 422}),  # not confirmed
    # formal enforcement (issue 15): the EWO and the LA manage; the school requests and sees its
    # requests; partners see the status on cases shared with them; the police nothing (404)
    "formal.new_nti": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal.view_nti": (CASE_ROLES - {access.POLICE}, {"GET": 200}),
    "formal.nti_outcome": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal.new_nti_request": (SCHOOL, {"GET": 200, "POST": 422}),
    "formal.nti_requests": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "formal.view_nti_request": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "formal.decline_nti_request": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal.consider_penalty": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal.view_notice": (CASE_ROLES - {access.POLICE}, {"GET": 200}),
    "formal.issue_notice": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal.record_payment": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal.withdraw_notice": (EWO_ADMIN, {"GET": 200, "POST": 422}),
    "formal.consider_prosecution": (EWO_ADMIN, {"POST": 422}),  # not yet past the 28 days
    "formal.share_notice_details": (EWO_ADMIN, {"POST": 303}),  # nothing changed
    "formal.penalty_notices": (EWO_ADMIN, {"GET": 200}),
    "formal.penalty_figures": (ADMIN, {"GET": 200}),
    "formal.penalty_figures_csv": (ADMIN, {"GET": 200}),
    # a subject access export of a pupil (issue 16): LA admins only; an empty form is refused
    "subject_access.export": (ADMIN, {"GET": 200, "POST": 422}),
    # the school attendance self-assessment (issue 17): the school completes its own (the matrix's
    # assessment of this year is submitted: its edit page goes back to it; the draft of last year
    # is saved empty), its named EWO reviews it (an empty review is saved), the LA and the EWO see
    # the grid; partners and the panel chair see none of it (404 on an assessment)
    "selfassessment.school_assessments": (SCHOOL, {"GET": 200}),
    "selfassessment.start": (SCHOOL, {"POST": 303}),  # already started this year: refused with a message
    "selfassessment.edit_assessment": (SCHOOL, {"GET": 200, "POST": 303}),
    "selfassessment.add_evidence": (SCHOOL, {"POST": 422}),  # no file
    "selfassessment.download_evidence": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "selfassessment.remove_evidence": (SCHOOL, {"POST": 303}),
    "selfassessment.view_assessment": (SCHOOLS_EWO_ADMIN, {"GET": 200}),
    "selfassessment.review_assessment": (frozenset({EWO}), {"GET": 200, "POST": 303}),
    "selfassessment.overview": (EWO_ADMIN, {"GET": 200}),
    "selfassessment.overview_csv": (EWO_ADMIN, {"GET": 200}),
    "selfassessment.complete_action": (SCHOOL, {"POST": 303}),
    "selfassessment.questions_page": (ADMIN, {"GET": 200}),
    "selfassessment.start_draft": (ADMIN, {"POST": 303}),  # there is a draft already: refused with a message
    "selfassessment.add_area": (ADMIN, {"POST": 422}),
    "selfassessment.change_area": (ADMIN, {"POST": 422}),
    "selfassessment.retire_area": (ADMIN, {"POST": 303}),
    "selfassessment.publish": (ADMIN, {"POST": 422}),  # not confirmed
    # Dip-sampling (issue 17): LA admins (and team managers: EWOs with the flag, which the world's
    # EWO is not: tests/quality) draw and audit; the lead professional (the world's EWO leads the
    # case) reads its completed audit and acknowledges it; LA admins keep the audit form.
    # elective home education (issue 18): LA admins and CME officers (the world's EWO has no flag)
    "ehe.list_records": (ADMIN, {"GET": 200}),
    "ehe.new_record": (ADMIN, {"GET": 200, "POST": 422}),
    "ehe.view_record": (ADMIN, {"GET": 200}),
    "ehe.add_enquiry": (ADMIN, {"GET": 200, "POST": 422}),
    "ehe.add_review": (ADMIN, {"GET": 200, "POST": 422}),
    "ehe.end_record": (ADMIN, {"GET": 200, "POST": 422}),
    "ehe.report": (ADMIN, {"GET": 200}),
    "ehe.report_csv": (ADMIN, {"GET": 200}),
    "quality.list_samples": (ADMIN, {"GET": 200}),
    "quality.new_sample": (ADMIN, {"GET": 200, "POST": 422}),
    "quality.view_sample": (ADMIN, {"GET": 200}),
    "quality.audit_case": (ADMIN, {"GET": 200, "POST": 303}),  # complete: no longer changed
    "quality.sample_themes": (ADMIN, {"GET": 200}),
    "quality.sample_themes_print": (ADMIN, {"GET": 200}),
    "quality.sample_themes_csv": (ADMIN, {"GET": 200}),
    "quality.my_audits": (frozenset({access.EWO, access.EARLY_HELP, access.HEALTH, access.SOCIAL_CARE,
                                     access.LA_ADMIN}), {"GET": 200}),
    "quality.view_audit": (EWO_ADMIN, {"GET": 200}),
    "quality.acknowledge_audit": (frozenset({access.EWO}), {"POST": 303}),
    "quality.audit_form": (ADMIN, {"GET": 200}),
    "quality.new_form_draft": (ADMIN, {"POST": 303}),  # a draft is there already: refused with a message
    "quality.publish_form": (ADMIN, {"POST": 303}),
    "quality.new_criterion": (ADMIN, {"GET": 200, "POST": 422}),
    "quality.criterion": (ADMIN, {"GET": 200, "POST": 422}),
}

MATRIX_YEAR = "2040/41"  # a term and a figure of the matrix's own: reference data, kept between tests


@pytest.fixture(autouse=True)
def _remove_the_matrix_term():
    yield
    from sqlalchemy import delete

    from portal.attendance.models import ReferenceFigure, Term
    from portal.extensions import db

    db.session.rollback()
    db.session.execute(delete(Term).where(Term.academic_year == MATRIX_YEAR))
    db.session.execute(delete(ReferenceFigure).where(ReferenceFigure.academic_year == MATRIX_YEAR))
    db.session.commit()
    from tests.quality import forget_form_versions

    forget_form_versions()


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
        case = Case(pupil_id=pupil.id, status="open", lead_id=world.user("ewo").id,
                    next_review=world.school_a.created_at.date())  # due: the panel chair may list it
        db.session.add(case)
        db.session.flush()
        for org in (world.social_care_org, world.early_help_org, world.health_org, world.police_org):
            db.session.add(CaseShare(case_id=case.id, organisation_id=org.id, reason="test",
                                     shared_by_id=world.user("ewo").id))
        entry = ChronologyEntry(case_id=case.id, kind="note", occurred_at=world.school_a.created_at,
                                text="A note", police_text="A note", author_id=world.user("ewo").id)
        share = CaseShare(case_id=case.id, organisation_id=world.school_b.id, reason="test",
                          shared_by_id=world.user("ewo").id)
        from datetime import date as _date

        action = Action(case_id=case.id, description="Visit", due_date=_date(2026, 12, 1),
                        owner_org_id=world.early_help_org.id, created_by_id=world.user("ewo").id)
        db.session.add_all([entry, share, action])
        db.session.commit()
        from portal.cases import documents

        document = documents.add_document(world.user("ewo"), case, data=b"%PDF-1.4 matrix", filename="letter.pdf",
                                          title="A letter", category="letter", police_shareable=True)
        db.session.commit()
        letter, draft_letter, letter_template = _letters(world, pupil, case, world.user("ewo"))
        # A published panel meeting chaired by the panel chair, with that case on its agenda and
        # every organisation of the world invited (so every role may open it).
        from datetime import timedelta

        from portal.panels import service as panels
        from portal.timeutil import utcnow

        chair = world.user("panel_chair")
        meeting = panels.schedule_meeting(chair, utcnow() + timedelta(days=10), place="Civic Centre")
        item = panels.add_item(chair, meeting, case, "Listed by the chair")
        for org in (world.school_a, world.service, world.social_care_org, world.early_help_org, world.health_org,
                    world.police_org):
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
        not_on_roll = sweeps.record_encounter(police, sweep, {**child, "forename": "Nobody", "surname": "Known"})
        sweeps.mark_not_on_roll(world.user("ewo"), not_on_roll, not_on_roll.version)
        follow_up = sweeps.confirm_match(world.user("ewo"), matched, pupil, matched.version)
        from portal.attendance.models import SchoolClosure, Term

        term = Term(academic_year=MATRIX_YEAR, name="Autumn", start_date=_date(2040, 9, 4),
                    end_date=_date(2040, 12, 19))
        closure = SchoolClosure(school_id=world.school_a.id, date=_date(2026, 11, 19), kind="inset")
        from decimal import Decimal

        from sqlalchemy import select

        from portal.attendance.models import ReferenceFigure

        # reference data, kept between tests: the matrix's own figure (the modules that use
        # these arguments without the matrix's clean-up find it there)
        figure = db.session.scalar(select(ReferenceFigure).where(ReferenceFigure.academic_year == MATRIX_YEAR))
        if figure is None:
            figure = ReferenceFigure(kind="local", academic_year=MATRIX_YEAR, period="autumn", phase="all",
                                     cohort="all", measure="overall_absence", value=Decimal("5.5"),
                                     source="The matrix", published_on=_date(2026, 1, 1))
        db.session.add_all([term, closure, figure])
        db.session.commit()
        # A TSM of school A next summer (still to come), every partner agency invited, with an
        # item for the pupil owned by early help.
        tsm, tsm_item = _tsm(world, world.school_a, pupil, [world.social_care_org, world.early_help_org,
                                                             world.health_org, world.police_org],
                             world.early_help_org)
        step = _formal_step(case, world.user("ewo"))
        nti, notice, nti_request = _formal(world, case, pupil)
        from tests.quality import audited_sample, form_draft

        sample, case_audit = audited_sample(world.user("la_admin"), case)
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
            "document_id": document.id,
            "stage_id": 1,
            "meeting_id": meeting.id,
            "item_id": item.id,
            "sweep_id": sweep.id,
            "encounter_id": matched.id,
            "unmatched_encounter_id": unmatched.id,
            "not_on_roll_encounter_id": not_on_roll.id,
            "followup_id": follow_up.id,
            "term_id": term.id,
            "closure_id": closure.id,
            "table": "headline",
            "figure_id": figure.id,
            "tsm_id": tsm.id,
            "tsm_item_id": tsm_item.id,
            "step_id": step.id,
            "prosecution_step_id": _formal_step(case, world.user("ewo"), "prosecution").id,
            "letter_id": letter.id,
            "draft_letter_id": draft_letter.id,
            "template_id": letter_template.id,
            "nti_id": nti.id,
            "notice_id": notice.id,
            "request_id": nti_request.id,
            **_self_assessments(world, "school_staff"),
            "sample_id": sample.id,
            "audit_id": case_audit.id,
            "criterion_id": form_draft(world.user("la_admin")).criteria[0].id,
            **_school_stages(world, world.school_a, pupil),
            "ehe_id": _ehe_record(world),
            **_cme(world, world.school_a, pupil),
        }
    return world._url_args


def _school_stages(world, school, pupil) -> dict:
    """A first-day call, a stage meeting and a key action of `pupil` (issue 17)."""
    from datetime import date

    from portal.extensions import db
    from portal.schoolstages.models import FirstDayCall, KeyAction, StageMeeting

    staff = world.user("school_staff" if school is world.school_a else "school_staff_b")
    call = FirstDayCall(pupil_id=pupil.id, school_id=school.id, call_date=date(2026, 11, 16), outcome="no_answer",
                        recorded_by_id=staff.id)
    meeting = StageMeeting(pupil_id=pupil.id, school_id=school.id, stage=2, meeting_date=date(2026, 11, 18),
                           attendees="Tutor and mother", targets="Full attendance", recorded_by_id=staff.id)
    item = KeyAction(school_id=school.id, week_start=date(2026, 11, 16), pupil_id=pupil.id, stage=2,
                     action="Tutor meeting")
    db.session.add_all([call, meeting, item])
    db.session.commit()
    return {"stage_call_id": call.id, "stage_meeting_id": meeting.id, "key_action_id": item.id}


def _ehe_record(world) -> int:
    """A current EHE record of a child never on a roll here (issue 18)."""
    from datetime import date

    from portal.ehe import service as ehe
    from portal.extensions import db

    record = ehe.start_ehe(world.user("la_admin"), {
        "forename": "Robin", "surname": "Homeward", "date_of_birth": date(2015, 5, 1),
        "started_on": date(2026, 9, 1), "learnt_from": "parent", "previous_school_name": "A school elsewhere"})
    db.session.commit()
    return record.id


def _cme(world, school, pupil) -> dict:
    """A deletion notified by the pupil's school, and a CME enquiry opened by hand (issue 18)."""
    from datetime import date

    from portal.cme.models import CmeEnquiry, CmeNotification, CmeShare, CmeStep
    from portal.extensions import db

    staff = world.user("school_staff" if school is world.school_a else "school_staff_b")
    notification = CmeNotification(pupil_id=pupil.id, school_id=school.id, kind="deletion", ground="other_school",
                                   event_date=date(2026, 11, 20), destination="Hill Academy",
                                   notified_by_id=staff.id)
    enquiry = CmeEnquiry(source="professional", child_name="Sam Example", opened_by_id=world.user("la_admin").id)
    db.session.add_all([notification, enquiry])
    db.session.flush()
    step = CmeStep(enquiry_id=enquiry.id, kind="home_visit", due_date=date(2026, 11, 27))
    shares = [CmeShare(enquiry_id=enquiry.id, organisation_id=org.id, reason="Not seen since October",
                       shared_by_id=world.user("la_admin").id) for org in (world.social_care_org, world.police_org)]
    db.session.add_all([step, *shares])
    db.session.commit()
    return {"notification_id": notification.id, "enquiry_id": enquiry.id, "cme_step_id": step.id,
            "cme_share_id": shares[0].id}


def _formal_step(case, author, kind="education_supervision_order"):
    """An education supervision order in force (or a prosecution file in preparation) on the
    case, resting on a support plan (issue 15)."""
    from datetime import date as _date

    from portal.cases.models import ChronologyEntry
    from portal.extensions import db
    from portal.formal_steps.models import FormalStep

    plan = ChronologyEntry(case_id=case.id, kind="support_plan", occurred_at=case.opened_at, text="A plan",
                           support_name="Weekly mentoring", review_on=_date(2026, 12, 1), author_id=author.id)
    db.session.add(plan)
    db.session.flush()
    status = "in_force" if kind == "education_supervision_order" else "file_in_preparation"
    step = FormalStep(case_id=case.id, kind=kind, status=status, evidence_entry_id=plan.id, section="444(1)",
                      applied_on=_date(2026, 9, 1), starts_on=_date(2026, 10, 1), ends_on=_date(2027, 9, 30),
                      created_by_id=author.id, reviews=[], extensions=[], further_hearings=[])
    db.session.add(step)
    db.session.commit()
    return step


def _letters(world, pupil, case, author):
    """A letter of the case to a liable parent of the pupil, sent, and a draft (issue 15)."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal.extensions import db
    from portal.letters import service as letters
    from portal.letters.models import LetterTemplate
    from portal.pupils.models import Contact
    from portal.timeutil import today

    parent = Contact(pupil=pupil, name="Lee Liable", parental_responsibility=True)
    db.session.add(parent)
    db.session.flush()
    letters.ensure_default_templates()
    template = db.session.scalar(select(LetterTemplate).where(LetterTemplate.key == "early_concern"))
    period = {"start": today() - timedelta(days=30), "end": today()}
    sent, = letters.draft_letters(author, pupil=pupil, case=case, template=template, contact_ids=[parent.id], **period)
    letters.mark_sent(author, sent, None)
    draft, = letters.draft_letters(author, pupil=pupil, case=case, template=template, contact_ids=[parent.id],
                                   **period)
    db.session.commit()
    return sent, draft, template


def _tsm(world, school, pupil, partners, owner_org):
    """A booked TSM of `school` in the summer term 2026/27 and one item for `pupil`."""
    from datetime import datetime

    from portal.extensions import db
    from portal.timeutil import LONDON
    from portal.tsm import service as tsm

    admin = world.user("la_admin")
    meeting = tsm.book(admin, school, datetime(2027, 6, 9, 10, tzinfo=LONDON), ewo=school.named_ewo,
                       partners=partners)
    item = tsm.record_item(school.named_ewo, meeting, {
        "pupil_id": pupil.id, "discussed": True, "next_step": "ewo_referral", "owner_org_id": owner_org.id,
        "due_date": datetime(2027, 6, 30).date(), "note": "Anxious mornings"}, {})
    db.session.commit()
    return meeting, item


def _self_assessments(world, staff_key):
    """The school's self-assessment of this year, submitted with a file of evidence and a planned
    action (its owner the school's staff member), and a draft of last year with a file; a draft
    of the questionnaire's next version (issue 17)."""
    from portal.extensions import db
    from portal.selfassessment import questions, service

    staff = world.user(staff_key)
    pdf = b"%PDF-1.4\n%%EOF\n"
    assessment = service.start(staff, staff.organisation)
    evidence = service.add_evidence(staff, assessment, data=pdf, filename="policy.pdf", title="Policy")
    values = {a.id: {"rating": "green"} for a in assessment.answers}
    action = assessment.answers[0]
    values[action.id] = {"rating": "amber", "action": "Train staff", "action_owner_id": staff.id,
                         "action_due": service.today().replace(year=service.today().year + 1)}
    service.save(staff, assessment, values, None, submit=True)
    draft = service.start(staff, staff.organisation, service.previous_year(assessment.academic_year))
    draft_evidence = service.add_evidence(staff, draft, data=pdf, filename="old.pdf", title="Old")
    args = {"assessment_id": assessment.id, "evidence_id": evidence.id, "answer_id": action.id,
            "draft_assessment_id": draft.id, "draft_evidence_id": draft_evidence.id}
    if questions.draft() is None:
        args["area_id"] = questions.start_draft(world.user("la_admin")).areas[0].id
    db.session.commit()
    return args


def _formal(world, case, pupil):
    """A notice to improve in its period, an issued penalty notice and an open school request on
    the case (issue 15)."""
    from datetime import date, timedelta

    from portal.extensions import db
    from portal.formal.models import NoticeToImprove, NtiParent, NtiRequest, PenaltyNotice
    from portal.pupils.models import Contact

    parent = Contact(pupil=pupil, name="Pia Parent", parental_responsibility=True)
    db.session.add(parent)
    db.session.flush()
    day = date(2026, 11, 2)
    nti = NoticeToImprove(case_id=case.id, pupil_id=pupil.id, issued_on=day, qualifying_start=day - timedelta(weeks=10),
                          qualifying_end=day, unauthorised_sessions=12, not_appropriate_rationale="Holiday",
                          period_weeks=3, period_start=day, period_end=day + timedelta(days=7000),
                          raised_by_id=case.lead_id)
    db.session.add(nti)
    db.session.flush()
    db.session.add(NtiParent(nti_id=nti.id, contact_id=parent.id, parent_name=parent.name))
    notice = PenaltyNotice(number=f"PN-2026-{case.id:04d}", case_id=case.id, pupil_id=pupil.id, contact_id=parent.id,
                           parent_name=parent.name, skip_reason="Holiday", reason="term_time_holiday",
                           status="issued", drafted_by_id=case.lead_id, issued_on=day, served_by="hand",
                           deemed_served_on=day, amount_full=160, pay_full_by=day + timedelta(days=7000))
    item = NtiRequest(case_id=case.id, school_id=pupil.school_id, requested_by_id=case.lead_id, evidence="Evidence")
    db.session.add_all([notice, item])
    db.session.commit()
    return nti, notice, item


def foreign_args(world) -> dict:
    """For every id a URL can take, an object outside the scope of every role of the world
    except the LA admin: school B's pupil, referral, case (shared with no one: its one share
    is withdrawn) and import; a meeting of another chair, inviting no one of the world; a sweep
    of another force, its encounter matched to school B's pupil and that pupil's follow-up."""
    from datetime import date, time, timedelta

    from portal.cases.models import Action, Case, CaseShare, ChronologyEntry, Referral
    from portal.extensions import db
    from portal.orgs.models import OrgKind
    from portal.panels import service as panels
    from portal.pupils.models import Contact
    from portal.sweeps import service as sweeps
    from portal.timeutil import utcnow
    from tests.factories import make_import_job, make_org, make_pupil, make_user

    if hasattr(world, "_foreign_args"):
        return world._foreign_args
    staff_b, ewo_b = world.user("school_staff_b"), world.user("ewo_b")
    pupil = make_pupil(world.school_b, "Fern", "Foreign")
    contact = Contact(pupil=pupil, name="Faye Foreign")
    db.session.add(contact)
    job = make_import_job(staff_b, world.school_b, status="failed")
    referral = Referral(pupil_id=pupil.id, school_id=world.school_b.id, status="submitted",
                        created_by_id=staff_b.id, barriers={"illness": ""})
    db.session.add(referral)
    case = Case(pupil_id=pupil.id, status="open", lead_id=ewo_b.id, next_review=date(2026, 11, 1))  # due: listable
    db.session.add(case)
    db.session.flush()
    share = CaseShare(case_id=case.id, organisation_id=world.police_org.id, reason="test",
                      shared_by_id=ewo_b.id, withdrawn_at=utcnow(), withdrawn_by_id=ewo_b.id,
                      withdraw_reason="Not needed")
    entry = ChronologyEntry(case_id=case.id, kind="note", occurred_at=utcnow(), text="A note", author_id=ewo_b.id,
                            police_text="A note")
    action = Action(case_id=case.id, description="Visit", due_date=date(2026, 12, 1),
                    owner_org_id=world.early_help_org.id, created_by_id=ewo_b.id)
    db.session.add_all([share, entry, action])
    db.session.flush()
    from portal.cases.models import CaseDocument

    document = CaseDocument(case_id=case.id, entry_id=entry.id, title="A letter", category="letter",
                            filename="letter.pdf", stored_name="0" * 48, file_type="pdf", size=10,
                            police_shareable=True, uploaded_by_id=ewo_b.id)
    db.session.add(document)
    other_chair = make_user(access.PANEL_CHAIR, world.service)
    other_force = make_org(OrgKind.police, "Another Constabulary")
    other_officer = make_user(access.POLICE, other_force)
    db.session.commit()
    meeting = panels.schedule_meeting(other_chair, utcnow() + timedelta(days=10), place="Town Hall")
    item = panels.add_item(other_chair, meeting, case, "Listed by its chair")
    panels.publish(other_chair, meeting)
    sweep = sweeps.create_sweep(other_officer, held_on=date(2026, 11, 20), starts_at=time(9), ends_at=time(12),
                                area="Retail park", lead=other_officer, officers=[], agencies=[])
    child = {"seen_time": time(10), "location": "Car park", "officer_id": other_officer.id,
             "forename": pupil.legal_forename, "surname": pupil.legal_surname, "date_of_birth": pupil.date_of_birth,
             "age": None, "school_status": "school", "school_id": world.school_b.id, "accompanied": "alone",
             "outcome": "returned_to_school"}
    encounter = sweeps.record_encounter(other_officer, sweep, child)
    follow_up = sweeps.confirm_match(ewo_b, encounter, pupil, encounter.version)
    from portal.attendance.models import SchoolClosure

    closure = SchoolClosure(school_id=world.school_b.id, date=date(2026, 11, 19), kind="inset")
    db.session.add(closure)
    db.session.commit()
    tsm, tsm_item = _tsm(world, world.school_b, pupil, [], world.school_b)
    letter, draft_letter, _ = _letters(world, pupil, case, ewo_b)
    nti, notice, nti_request = _formal(world, case, pupil)
    from tests.quality import audited_sample

    sample, case_audit = audited_sample(world.user("la_admin"), case)
    world._foreign_args = {
        "pupil_id": pupil.id, "contact_id": contact.id, "school_id": world.school_b.id, "job_id": job.id,
        "referral_id": referral.id, "submitted_referral_id": referral.id, "case_id": case.id, "entry_id": entry.id,
        "share_id": share.id, "action_id": action.id, "document_id": document.id, "meeting_id": meeting.id,
        "item_id": item.id,
        "sweep_id": sweep.id, "encounter_id": encounter.id, "unmatched_encounter_id": encounter.id,
        "followup_id": follow_up.id, "closure_id": closure.id, "tsm_id": tsm.id, "tsm_item_id": tsm_item.id,
        "step_id": _formal_step(case, ewo_b).id, "prosecution_step_id": _formal_step(case, ewo_b, "prosecution").id,
        "letter_id": letter.id, "draft_letter_id": draft_letter.id,
        "nti_id": nti.id, "notice_id": notice.id, "request_id": nti_request.id,
        **_self_assessments(world, "school_staff_b"),
        "sample_id": sample.id, "audit_id": case_audit.id,
        **_school_stages(world, world.school_b, pupil),
    }
    return world._foreign_args


def _methods(app) -> dict[str, set[str]]:
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            methods.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return methods


def test_every_endpoint_and_method_has_a_row(app):
    methods = _methods(app)
    missing = [e for e in sorted(methods) if e not in MATRIX]
    assert not missing, f"endpoints without an access row: {missing}"
    stale = [e for e in MATRIX if e not in methods]
    assert not stale, f"rows for endpoints that no longer exist: {stale}"
    wrong = {e: (sorted(methods[e]), sorted(MATRIX[e][1])) for e in methods if set(MATRIX[e][1]) != methods[e]}
    assert not wrong, f"rows whose methods differ from the route's (route, row): {wrong}"


def test_every_view_declares_its_permission(app):
    undeclared = [e for e in sorted(_methods(app)) if not hasattr(app.view_functions[e], "required_permission")]
    assert not undeclared, f"views without @access.require / @access.public: {undeclared}"


# Endpoints that need a different object of the same kind (by url_args key).
ARG_OVERRIDES = {"cases.triage_referral": {"referral_id": "submitted_referral_id"},
                 "sweeps.match_encounter": {"encounter_id": "unmatched_encounter_id"},
                 "cme.open_enquiry_from_encounter": {"encounter_id": "not_on_roll_encounter_id"},
                 "formal_steps.evidence_pack": {"step_id": "prosecution_step_id"},
                 "formal_steps.evidence_pack_pdf": {"step_id": "prosecution_step_id"},
                 "letters.send_letter": {"letter_id": "draft_letter_id"},
                 "letters.discard_letter": {"letter_id": "draft_letter_id"},
                 "selfassessment.edit_assessment": {"assessment_id": "draft_assessment_id"},
                 "selfassessment.add_evidence": {"assessment_id": "draft_assessment_id"},
                 "selfassessment.remove_evidence": {"assessment_id": "draft_assessment_id",
                                                    "evidence_id": "draft_evidence_id"}}


def _url(app, endpoint, world, args_for=None):
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    all_args = (args_for or url_args)(world)
    names = {k: ARG_OVERRIDES.get(endpoint, {}).get(k, k) for k in rule.arguments}
    args = {k: all_args[name] for k, name in names.items() if name in all_args}
    with app.test_request_context():
        return url_for(endpoint, **args)


def _probe(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": client.token()})


def _expected(status, role):
    if isinstance(status, dict):
        return status.get(role, status.get(None))
    return status


def _rows():
    return [(endpoint, method) for endpoint, (_, methods) in sorted(MATRIX.items()) for method in sorted(methods)]


@pytest.mark.parametrize(("endpoint", "method"), _rows())
def test_anonymous(app, client, world, endpoint, method):
    allowed, statuses = MATRIX[endpoint]
    client.checks_pages = False
    response = _probe(client, method, _url(app, endpoint, world))
    if allowed == PUBLIC:
        assert response.status_code == statuses[method]
    else:
        assert response.status_code == 302, f"anonymous {method} {endpoint}: {response.status_code}"
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", list(access.ROLES))
def test_each_role_across_the_matrix(app, world, role):
    client = app.test_client()
    assert client.login(world.user(role)).status_code == 302
    problems = []
    for endpoint, method in _rows():
        allowed, statuses = MATRIX[endpoint]
        if allowed == PUBLIC or endpoint == "auth.logout":
            continue
        response = _probe(client, method, _url(app, endpoint, world))
        if role in allowed:
            expected = _expected(statuses[method], role)
            if response.status_code != expected:
                problems.append(f"{method} {endpoint}: {response.status_code}, expected {expected}")
        elif response.status_code not in (403, 404):
            problems.append(f"{method} {endpoint} reached: {response.status_code}")
    assert not problems, f"{role}:\n" + "\n".join(problems)


OBJECT_ARGS = {"pupil_id", "contact_id", "school_id", "job_id", "referral_id", "case_id", "entry_id", "share_id",
               "action_id", "meeting_id", "item_id", "sweep_id", "encounter_id", "followup_id", "closure_id",
               "tsm_id", "tsm_item_id", "document_id", "step_id", "letter_id", "nti_id", "notice_id", "request_id",
               "assessment_id", "evidence_id", "answer_id", "sample_id", "audit_id"}


@pytest.mark.parametrize("role", [r for r in access.ROLES if r != access.LA_ADMIN])
def test_objects_out_of_scope_are_404_for_every_method(app, world, role):
    """Every route with an object id, every method, each role allowed to use the route: an
    object outside the role's scope is a 404 (its existence is not revealed)."""
    client = app.test_client()
    client.checks_pages = False
    url_args(world)
    foreign_args(world)
    assert client.login(world.user(role)).status_code == 302
    probed, problems = 0, []
    for endpoint, method in _rows():
        allowed, _ = MATRIX[endpoint]
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if allowed == PUBLIC or role not in allowed or not (set(rule.arguments) & OBJECT_ARGS):
            continue
        response = _probe(client, method, _url(app, endpoint, world, foreign_args))
        probed += 1
        if response.status_code != 404:
            problems.append(f"{method} {endpoint}: {response.status_code}")
    assert probed, f"{role}: no object route probed"
    assert not problems, f"{role} out of scope, expected 404:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", list(access.ROLES))
def test_logout_for_each_role(client, world, role):
    client.login(world.user(role))
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
