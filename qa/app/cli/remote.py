"""``qa ask --server URL``: ask a running app instead of loading the index here.

The app's Gradio API ``/ask`` returns the same answer object as ``qa ask --json``, so the
answer prints the same. Standard library only (no model, no Chroma, no Gradio client):
``POST <url>/gradio_api/call/ask`` queues the question, ``GET .../<event id>`` streams the
result as server-sent events. With ``QA_AUTH`` on the app, ``--api-key user:password``
logs in first (the app's ``/login``, as the page does).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar


class ServerError(RuntimeError):
    """The app could not be asked: down, not a qa app, refused the login, or failed."""


def ask_server(
    url: str,
    question: str,
    k: int | None = None,
    article: str = "",
    date_from: str = "",
    date_to: str = "",
    api_key: str = "",
    timeout: float = 300.0,
) -> dict:
    """The app's answer object for ``question`` (its ``{"error": ...}`` as it is)."""
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ServerError(f"--server {url!r} is not an http:// or https:// URL")
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    if api_key:
        _login(opener, base, api_key, timeout)
    data = [question, k or 0, article, None, date_from, date_to]
    queued = _json(_open(opener, f"{base}/gradio_api/call/ask", {"data": data}, timeout), base)
    event_id = queued.get("event_id") if isinstance(queued, dict) else None
    if not event_id:
        raise ServerError(f"{base} did not queue the question (is it a qa app?)")
    with _open(opener, f"{base}/gradio_api/call/ask/{event_id}", None, timeout) as stream:
        event = ""
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line[5:].strip() or "null")
                if event == "error":
                    raise ServerError(f"the app at {base} failed to answer ({payload})")
                if isinstance(payload, list) and payload and isinstance(payload[0], dict):
                    return payload[0]
                raise ServerError(f"{base} sent an unexpected answer: {str(payload)[:200]}")
    raise ServerError(f"the app at {base} closed the connection before answering")


def _login(opener, base: str, api_key: str, timeout: float) -> None:
    user, sep, password = api_key.partition(":")
    if not sep:
        raise ServerError("--api-key must be user:password (an entry of the app's QA_AUTH)")
    form = urllib.parse.urlencode({"username": user, "password": password}).encode()
    try:
        with opener.open(urllib.request.Request(f"{base}/login", data=form), timeout=timeout):
            pass
    except urllib.error.HTTPError as exc:
        raise ServerError(f"the app at {base} refused the login for {user!r} ({exc.code})") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise _unreachable(base, exc) from exc


def _open(opener, url: str, body: dict | None, timeout: float):
    base = url.split("/gradio_api/", 1)[0]
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise ServerError(f"the app at {base} needs a login: --api-key user:password") from exc
        if exc.code == 404:
            raise ServerError(f"{base} has no /ask API (is it a qa app?)") from exc
        raise ServerError(f"the app at {base} answered HTTP {exc.code} ({exc.reason})") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise _unreachable(base, exc) from exc


def _json(response, base: str):
    with response:
        try:
            return json.loads(response.read())
        except ValueError as exc:
            raise ServerError(f"{base} did not answer in JSON (is it a qa app?)") from exc


def _unreachable(base: str, exc: Exception) -> ServerError:
    reason = getattr(exc, "reason", exc)
    return ServerError(f"cannot reach the app at {base} ({reason}); is `qa serve` running?")
