"""The sweeps blueprint: sweeps and reports (sweep_views), encounters and matching
(encounter_views), follow-ups (followup_views)."""
from flask import Blueprint

bp = Blueprint("sweeps", __name__)

from portal.sweeps import encounter_views, followup_views, sweep_views  # noqa: E402,F401
