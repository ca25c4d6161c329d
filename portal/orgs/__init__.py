"""Organisations (schools, agencies) and users: the admin screens.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.orgs import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("orgs", __name__)
VIEWS = ("views",)
