"""In-app notifications, and e-mail through SMTP (MAIL_SERVER) or the outbox."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.notifications.models import Notification, OutboxEmail
from portal.orgs.models import User
from portal.timeutil import utcnow

log = logging.getLogger(__name__)


def notify_users(users, text: str, link: str) -> None:
    """Add notifications (and e-mails) in the current transaction. No case detail is put in
    an e-mail: only that there is something to look at, and the link."""
    for user in {u.id: u for u in users if u is not None and u.active}.values():
        db.session.add(Notification(user_id=user.id, text=text[:300], link=link))
        db.session.add(OutboxEmail(to=user.email, subject="Attendance Partnership Portal: " + text[:150],
                                   body=f"{text}\n\nSign in to see it: {link}\n"))


def notify_org(org_id: int, text: str, link: str) -> None:
    members = db.session.scalars(select(User).where(User.organisation_id == org_id, User.active.is_(True)))
    notify_users(list(members), text, link)


def send_outbox() -> int:
    """Send queued e-mail when MAIL_SERVER is set (called after each commit that wrote some;
    the caller commits what was sent)."""
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return 0
    sent = 0
    for mail in db.session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None)).limit(100)):
        message = EmailMessage()
        message["From"] = current_app.config.get("MAIL_FROM", "no-reply@attendance.invalid")
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            with smtplib.SMTP(server, int(current_app.config.get("MAIL_PORT", 25)), timeout=10) as smtp:
                smtp.send_message(message)
            mail.sent_at = utcnow()
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            mail.error = str(exc)[:300]
            log.warning("could not send e-mail %s: %s", mail.id, type(exc).__name__)
    db.session.flush()
    return sent
