"""Truancy sweeps: encounters, matching, follow-ups and reports.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.sweeps import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("sweeps", __name__)
VIEWS = ("sweep_views", "encounter_views", "followup_views")
