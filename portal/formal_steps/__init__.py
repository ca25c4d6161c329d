"""Formal support and court steps on a case (issue 15): attendance and parenting contracts,
education supervision orders and prosecutions under s444, each with its status and dates,
shown on the case page and counted on the LA picture. service.py: the use cases; rules.py:
the statuses and dates; pack.py: a prosecution's evidence pack."""
from flask import Blueprint

bp = Blueprint("formal_steps", __name__)
VIEWS = ("step_views", "pack_views")
