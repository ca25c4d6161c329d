"""Role home pages.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.dashboard import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)
VIEWS = ("views", "drill_views", "governors_views")
