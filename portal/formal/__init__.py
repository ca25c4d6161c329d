"""Formal enforcement on a case (issue 15): notices to improve (NTI), schools' requests for one,
and penalty notices under the national framework (August 2024).

`notices.py` and `penalties.py` are the use cases, `letters.py` the merge fields a letter takes
from them; the views are split by sub-topic like the rest of the portal.
"""
from flask import Blueprint

bp = Blueprint("formal", __name__)
VIEWS = ("nti_views", "penalty_views")
