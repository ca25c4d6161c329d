"""Dip-sampling (quality assurance of cases, issue 17): an LA admin or a team manager draws a
seeded, stratified sample of cases; each is audited on the audit form (kept as data, versioned);
the case's lead professional reads the completed audit and acknowledges it; the themes across
a sample make a report (page, CSV, printable).

The blueprint `bp` here, and VIEWS, the modules whose routes join it."""
from flask import Blueprint

bp = Blueprint("quality", __name__)
VIEWS = ("views", "form_views")
