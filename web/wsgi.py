"""WSGI entry for gunicorn: `gunicorn -w 2 -b 127.0.0.1:8000 web.wsgi:app`.

Behind a reverse proxy set OCOPFLOW_PROXY_HOPS=1 so client addresses (used by
sign-in throttling) and https come from X-Forwarded-* headers.
"""

from __future__ import annotations

import os

from werkzeug.middleware.proxy_fix import ProxyFix

from web import create_app

app = create_app()
_hops = int(os.environ.get("OCOPFLOW_PROXY_HOPS", "0") or 0)
if _hops > 0:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_hops, x_proto=_hops, x_host=_hops)  # type: ignore[method-assign]
