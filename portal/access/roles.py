"""Role names and their labels. Imports no model, so models may use the labels without an
import circle; which organisation kinds each role may belong to lives in `access.orgs`."""
from __future__ import annotations

SCHOOL_STAFF = "school_staff"
EWO = "ewo"
SOCIAL_CARE = "social_care"
EARLY_HELP = "early_help"
HEALTH = "health"  # school nursing, CAMHS: the same need-to-know view as early help
POLICE = "police"
PANEL_CHAIR = "panel_chair"
LA_ADMIN = "la_admin"

ROLES = (SCHOOL_STAFF, EWO, SOCIAL_CARE, EARLY_HELP, HEALTH, POLICE, PANEL_CHAIR, LA_ADMIN)
ALL_ROLES = frozenset(ROLES)
AGENCY_ROLES = (SOCIAL_CARE, EARLY_HELP, HEALTH, POLICE)
# The partnership's practitioners: any of them may be a case's lead professional (issue 14.11;
# a school nurse may lead as early help's key worker may: health has early help's view, 14.12).
PRACTITIONER_ROLES = (EWO, EARLY_HELP, HEALTH, SOCIAL_CARE)

ROLE_LABELS = {
    SCHOOL_STAFF: "School staff",
    EWO: "Education welfare officer",
    SOCIAL_CARE: "Children's social care",
    EARLY_HELP: "Early help",
    HEALTH: "Health",
    POLICE: "Police",
    PANEL_CHAIR: "Panel chair",
    LA_ADMIN: "LA administrator",
}


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
