"""The multi-agency attendance panel: meetings, members, the agenda and its decisions, minutes.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.panels import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("panels", __name__)
VIEWS = ("meetings_views", "run_views", "minutes_views")
