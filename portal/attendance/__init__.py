"""Register codes, marks, weekly summaries, the calculations, the import and its jobs, the
school attendance pages.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.attendance import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("attendance", __name__)
VIEWS = ("views", "settings_views", "calendar_views", "reference_views")
