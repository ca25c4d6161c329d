"""Letters: templates kept by LA admins (versioned, audited), letters drafted from them per
liable parent, merged in a sandbox (merge.py), previewed, and frozen as a PDF when sent
(service.py). Access: portal/access/letters.py."""
from flask import Blueprint

bp = Blueprint("letters", __name__)
VIEWS = ("template_views", "letter_views")
