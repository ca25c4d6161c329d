"""Pupils, contacts, cohort flags, UPN check, the pupil import, search and the pupil page.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.pupils import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("pupils", __name__)
VIEWS = ("views",)
