"""Sign in, sign out, passwords, lockout and two-factor sign-in.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.auth import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("auth", __name__)
VIEWS = ("views",)
