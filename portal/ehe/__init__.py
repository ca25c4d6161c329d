"""Elective home education (issue 18): the LA's record of each child it knows to be educated at
home (when it started, how the LA learnt of it, the school left, the suitability enquiries, the
reviews and the end), the "home educated, known to the LA" line shown where a child is looked
at, and the reports (by year group and previous school, new this term, returns to school).

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.ehe import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("ehe", __name__)
VIEWS = ("views",)
