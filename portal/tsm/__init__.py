"""Targeting Support Meetings (TSMs): the LA's termly conversation with every school about its
data, the pupils and cohorts at risk, and the joint actions agreed (DOMAIN.md).

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.tsm import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("tsm", __name__)
VIEWS = ("views", "minutes_views")
