"""The school attendance self-assessment (issue 17): a questionnaire kept as data by the LA
(versioned), which each school completes once an academic year, rating every area Red / Amber /
Green with its evidence and a planned action; the school's named EWO reviews it (agree or
challenge, per area); the LA sees every school's ratings in one grid.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.selfassessment import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("selfassessment", __name__)
VIEWS = ("views", "question_views")
