"""Subject access export (issue 16, UK GDPR): everything the partnership holds about one
pupil, for an LA administrator to review and release. collect.py: what is gathered (and how
another child's details are kept out); bundle.py: the ZIP (HTML, JSON, files, the list of third
parties for redaction review); service.py: the use case (checks the request reference, audits
the export, never its content)."""
from flask import Blueprint

bp = Blueprint("subject_access", __name__)
VIEWS = ("views",)
