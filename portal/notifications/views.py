"""A user's notifications (and marking them read); the outbox of e-mail for LA admins."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, update

from portal import access, audit
from portal.extensions import db
from portal.notifications import bp
from portal.notifications.models import Notification, OutboxEmail
from portal.pagination import page_links, paginate
from portal.timeutil import utcnow


@bp.route("/notifications")
@access.require("use_portal")
@audit.viewing("notifications_viewed", "their notifications (which name children)")
def list_notifications():
    page = paginate(select(Notification).where(Notification.user_id == current_user.id)
                    .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return render_template("notifications/notifications.html", page=page, pages=page_links(page))


@bp.route("/notifications/read", methods=["POST"])
@access.require("use_portal")
def mark_read():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
    return redirect(url_for("notifications.list_notifications"), code=303)


@bp.route("/outbox")
@access.require("read_outbox")
def outbox():
    page = paginate(select(OutboxEmail).order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()))
    return render_template("notifications/outbox.html", page=page, pages=page_links(page))
