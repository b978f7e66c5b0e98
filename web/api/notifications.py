"""The caller's notifications: `GET /me/notifications` (newest first) and `POST .../{id}/read`."""

from __future__ import annotations

from flask import Response, jsonify

from web.api import bp
from web.api.auth import current_actor
from web.runtime import runtime


@bp.get("/me/notifications")
def my_notifications() -> Response:
    notices = runtime().service.notices
    actor = current_actor()
    items = [item.to_json() for item in notices.inbox(actor)]
    return jsonify({"items": items, "unread": notices.unread_count(actor)})


@bp.post("/me/notifications/<int:notification_id>/read")
def read_notification(notification_id: int) -> Response:
    notices = runtime().service.notices
    actor = current_actor()
    changed = notices.mark_read(actor, notification_id)
    return jsonify({"id": notification_id, "changed": changed, "unread": notices.unread_count(actor)})
