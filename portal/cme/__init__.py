"""Children missing education (issue 18): schools' notifications of deletions from the admission
register and of joiners at non-standard points, the joint reasonable enquiries behind a
deletion on the 20-day ground, and the LA's CME enquiries with their outcomes.

`bp` here, and VIEWS, the modules whose routes join it; create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("cme", __name__)
VIEWS = ("views", "enquiry_views", "share_views")
