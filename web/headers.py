"""Security headers on every response: a strict Content-Security-Policy, HSTS in production,
a Permissions-Policy, and the older headers browsers still read.

The pages load script and style only from this site (web/static/), so the policy
allows nothing inline: an injected `<script>` or `style=` would not run even if
escaping ever failed. `frame-ancestors 'none'` (with X-Frame-Options for older
browsers) refuses framing, so no other site can overlay a page to steal clicks.
A response that sets its own policy (the downloaded workflow diagram) keeps it.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Features no page uses: a page that is ever subverted cannot ask for them either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
HSTS = "max-age=31536000; includeSubDomains"  # one year, the value HSTS preload lists ask for


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["ENV"] == "production":
        # Production runs behind https (SESSION_COOKIE_SECURE); browsers ignore HSTS over plain http.
        headers.setdefault("Strict-Transport-Security", HSTS)
    # what a signed-in person or a token holder reads is theirs: no shared cache keeps it
    if g.get("actor") is not None or g.get("api_actor") is not None:
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_headers(app: Flask) -> None:
    app.after_request(security_headers)
