"""HTTP hardening of the dashboard's server: which hosts it answers to, where
state-changing requests may come from, and the headers that keep a browser
from framing it or running scripts it did not serve.

- **Host allowlist**: a request whose ``Host`` is not one of the allowed
  names (the interface it listens on, ``localhost`` and any given with
  ``nigah serve --allow-host``) is refused (400): a DNS-rebinding page
  cannot reach it through another name.
- **Origin check**: a POST (every Dash callback) carrying an ``Origin`` other
  than the dashboard's own is refused (403).
- **Headers**: a Content-Security-Policy with scripts from the dashboard only
  (Dash's inline start-up script by its hash; ``'unsafe-eval'`` because
  plotly.js compiles functions), ``frame-ancestors 'none'``, no sniffing, no
  referrer.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request

LOCAL = ("127.0.0.1", "localhost", "::1")


def _hostname(netloc: str) -> str:
    return (urlsplit(f"//{netloc}").hostname or "").lower()


def content_security_policy(app) -> str:
    """The policy; a map tile server on the network (``NIGAH_TILE_URL``) may serve images to the map."""
    from nigah.dashboard.maps import tile_url

    scripts = " ".join(["'self'", "'unsafe-eval'", *app.csp_hashes()])
    tiles = urlsplit(tile_url() or "")
    tiles = f" {tiles.scheme}://{tiles.netloc}" if tiles.scheme and tiles.netloc else ""
    return "; ".join([
        "default-src 'self'", f"script-src {scripts}", "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{tiles}", "font-src 'self' data:", f"connect-src 'self'{tiles}",
        "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"])


def harden(app, allowed_hosts: tuple[str, ...] = LOCAL) -> None:
    """Install the checks and headers on ``app`` (a Dash app) for ``allowed_hosts``."""
    allowed = {h.lower().strip("[]") for h in allowed_hosts}
    server = app.server
    policy: list[str] = []   # computed on first request, once the layout's scripts are known

    @server.before_request
    def _check_host_and_origin():
        if _hostname(request.host) not in allowed:
            abort(400, "unknown host")
        origin = request.headers.get("Origin")
        if request.method not in ("GET", "HEAD", "OPTIONS") and origin and origin != "null":
            if urlsplit(origin).netloc.lower() != request.host.lower():
                abort(403, "cross-origin request refused")

    @server.after_request
    def _headers(response):
        if not policy:
            policy.append(content_security_policy(app))
        response.headers["Content-Security-Policy"] = policy[0]
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
