"""In-app notifications and e-mail (sent by SMTP or kept in the outbox), for every domain:
`notify.notify_users` / `notify.notify_org` add them in the caller's transaction.

Every domain declares its blueprint the same way: `bp` here, and VIEWS, the modules whose
routes join it (each starts `from portal.notifications import bp`); create_app imports them.
"""
from flask import Blueprint

bp = Blueprint("notifications", __name__)
VIEWS = ("views",)
