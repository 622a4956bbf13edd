"""Requests that another site's page makes a visitor's browser send are refused.

A page on another site can make a visitor's browser post a form to this app: to
``/login`` (login CSRF: the visitor is signed in as the attacker, and their next chats
are saved where the attacker reads them), or to any of Gradio's routes with the
visitor's session cookie. Browsers say where such a request comes from
(``Sec-Fetch-Site``; ``Origin`` in older ones): an unsafe request (POST, PUT, PATCH,
DELETE) from another origin gets 403 and one line, before the app sees it.

``/v1`` is left alone: it is authenticated by an ``Authorization`` header, which a form
on another site cannot set, and an OpenAI client in a browser sends its own origin.
Clients that are not browsers (curl, gradio_client) send neither header and pass.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
EXEMPT_PREFIXES = ("/v1/",)


def cross_site_reason(headers: dict[bytes, bytes]) -> str:
    """Why a request with ``headers`` (lower-case names) comes from another site's page,
    or "" when it does not (or no browser says)."""
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
    if site:
        if site in ("same-origin", "none"):  # "none": typed or bookmarked by the user
            return ""
        return f"it was sent by a page of another site (Sec-Fetch-Site: {site})"
    origin = headers.get(b"origin")
    if origin is None:
        return ""
    origin_text = origin.decode("latin-1").strip()
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    if origin_text == "null" or urlsplit(origin_text).netloc.lower() != host:
        return f"it was sent by a page of another site (Origin: {origin_text[:100]})"
    return ""


class CrossSiteRequestMiddleware:
    """ASGI middleware refusing unsafe requests that come from another site's page."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] == "http"
            and scope.get("method") not in SAFE_METHODS
            and not str(scope.get("path", "")).startswith(EXEMPT_PREFIXES)
        ):
            headers = {name.lower(): value for name, value in scope.get("headers", [])}
            reason = cross_site_reason(headers)
            if reason:
                await _refuse(send, f"Request refused: {reason}. Open the app itself instead.")
                return
        await self.app(scope, receive, send)


async def _refuse(send, message: str) -> None:
    body = json.dumps({"detail": message, "error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
