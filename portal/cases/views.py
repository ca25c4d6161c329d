"""The cases blueprint: referrals (referral_views), cases (case_views), actions and
notifications (work_views)."""
from flask import Blueprint

bp = Blueprint("cases", __name__)

from portal.cases import case_views, referral_views, settings_views, work_views  # noqa: E402,F401
