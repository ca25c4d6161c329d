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


def child_label(pupil) -> str:
    """How an in-app notification names the child it is about: "Amelia Brown (Demo Primary)"."""
    return f"{pupil.display_name} ({pupil.school.name})"


def notify_users(users, text: str, link: str, *, about=None) -> None:
    """Add notifications (and e-mails) in the current transaction. `text` says what happened
    without naming anyone; `about` (a pupil) names the child and school in the app only
    ("Truancy sweep follow-up: Amelia Brown (Demo Primary)"), behind the sign-in. No child or
    case detail is put in an e-mail: only that there is something to look at, and the link."""
    shown = f"{text}: {child_label(about)}" if about is not None else text
    for user in {u.id: u for u in users if u is not None and u.active}.values():
        db.session.add(Notification(user_id=user.id, text=shown[:300], link=link))
        db.session.add(OutboxEmail(to=user.email, subject="Attendance Partnership Portal: " + text[:150],
                                   body=f"{text}\n\nSign in to see it: {link}\n"))


def notify_org(org_id: int, text: str, link: str, *, about=None) -> None:
    members = db.session.scalars(select(User).where(User.organisation_id == org_id, User.active.is_(True)))
    notify_users(list(members), text, link, about=about)


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
