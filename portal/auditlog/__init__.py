"""The audit log screen.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.auditlog import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("audit", __name__)
VIEWS = ("views",)
