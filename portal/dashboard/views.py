"""Each role's home page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal import access

bp = Blueprint("dashboard", __name__)

# What each role will find here; later issues replace these with live panels.
ROLE_HOME = {
    access.SCHOOL_STAFF: [
        ("Your pupils", "pupils on your school's roll, their attendance and the key groups to act on"),
        ("Referrals", "referrals to your named education welfare officer and their progress"),
        ("Truancy sweep follow-ups", "pupils from your school found out of school, to follow up within a day"),
    ],
    access.EWO: [
        ("Referrals to triage", "new referrals from the schools you serve, oldest first"),
        ("Your caseload", "cases you lead, their stage of support and next review dates"),
        ("Sweep matching", "truancy sweep encounters waiting to be matched to pupils"),
    ],
    access.SOCIAL_CARE: [
        ("Shared cases", "cases the attendance service has shared with children's social care"),
        ("Your actions", "actions agreed for your agency, with due dates"),
    ],
    access.EARLY_HELP: [
        ("Shared cases", "cases the attendance service has shared with early help"),
        ("Your actions", "actions agreed for your agency, with due dates"),
    ],
    access.POLICE: [
        ("Truancy sweeps", "sweeps you are part of and the encounters recorded in them"),
        ("Shared cases", "the summary of cases shared with the police"),
    ],
    access.PANEL_CHAIR: [
        ("Panel meetings", "upcoming and past multi-agency panel meetings and their agendas"),
        ("Panel overview", "decisions, actions by agency and the impact on attendance"),
    ],
    access.LA_ADMIN: [
        ("Organisations", "schools and partner agencies, and each school's named EWO"),
        ("Users", "who can sign in, their role and organisation"),
        ("Audit log", "every sign-in, view and change, filterable by person, record and date"),
    ],
}


@bp.route("/")
@access.require("use_portal")
def home():
    user = current_user._get_current_object()
    return render_template("dashboard/home.html", user=user, sections=ROLE_HOME.get(user.role, []))
