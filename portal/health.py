from flask import Blueprint, jsonify
from sqlalchemy import text

from portal import access
from portal.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@access.public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
