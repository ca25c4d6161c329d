"""The retention schedule (issue 16, UK GDPR): how long closed cases, register marks, audit
entries and unmatched sweep encounters are kept, what is due, and the run that deletes it.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.retention import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("retention", __name__)
VIEWS = ("views",)
