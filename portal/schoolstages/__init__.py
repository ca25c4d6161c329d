"""The school's own stages before a referral (issue 17): the stage each pupil's days absent this
term reach (the LA's thresholds, `portal.cases.stages`), the first-day calls and stage meetings
a school logs, and its weekly key-actions list.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.schoolstages import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("schoolstages", __name__)
VIEWS = ("views", "key_action_views")
