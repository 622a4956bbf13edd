"""Throttle for passwords: too many wrong passwords from one client lock it out.

After ``max_failures`` failed logins in a row from one address, that address gets
HTTP 429 for ``lockout_seconds``, doubling at each further failure (capped at one
hour); a successful login clears its record. The check runs before the app sees the
request, so a locked-out client cannot even try. It is an ASGI middleware around
every way to present a password: Gradio's ``POST /login`` and any request with an
``Authorization`` header (``/v1``: Bearer or Basic), which share one count per address.

The address is the peer's own: uvicorn would take it from ``X-Forwarded-For`` for a
peer on loopback (an SSH tunnel, a local proxy, any local process), letting a client
pick a new address for every guess; ``trust_forwarded_for`` limits that to the proxies
named in ``QA_TRUSTED_PROXIES``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LOGIN_PATHS = ("/login", "/login/")
CHECKED_PREFIXES = ("/v1/",)  # routes whose 2xx means the Authorization header was right
MAX_LOCKOUT_SECONDS = 3600.0
MAX_CLIENTS = 10_000  # remembered addresses; the oldest are forgotten first


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class LoginThrottle:
    """Failed-login bookkeeping per client address (thread-safe, clock injectable)."""

    def __init__(
        self,
        max_failures: int = 5,
        lockout_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures = max(1, max_failures)
        self.lockout_seconds = lockout_seconds
        self.clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> float:
        """How long ``client`` must wait before it may try again (0: it may now)."""
        with self._lock:
            record = self._records.get(client)
            return max(0.0, record.locked_until - self.clock()) if record else 0.0

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            record = self._records.setdefault(client, _Record())
            record.failures += 1
            record.last = now
            over = record.failures - self.max_failures
            if over >= 0:
                record.locked_until = now + min(
                    self.lockout_seconds * 2 ** min(over, 20), MAX_LOCKOUT_SECONDS
                )
            if len(self._records) > MAX_CLIENTS:
                oldest = min(self._records, key=lambda c: self._records[c].last)
                del self._records[oldest]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)


def trust_forwarded_for(proxies: str) -> None:
    """Believe ``X-Forwarded-For`` only from ``proxies`` (comma-separated addresses, "*"
    for any, "" for none). Call before the server starts: uvicorn reads it then."""
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(p.strip() for p in proxies.split(",") if p.strip())


class LoginThrottleMiddleware:
    """ASGI middleware applying a LoginThrottle to ``POST /login`` and to every request
    that presents a password in an ``Authorization`` header (a 401 answer: a failure)."""

    def __init__(self, app, throttle: LoginThrottle):
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        login = scope.get("method") == "POST" and scope.get("path") in LOGIN_PATHS
        presented = any(name.lower() == b"authorization" for name, _ in scope.get("headers", []))
        if not (login or presented):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.wait_seconds(client)
        if wait > 0:
            await _refuse(send, wait)
            return
        status = 0

        async def watch(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        checked = str(scope.get("path", "")).startswith(CHECKED_PREFIXES)
        if (login and status == 200) or (checked and 200 <= status < 300):
            self.throttle.succeeded(client)  # (a header elsewhere proves nothing)
        elif (400 <= status < 500 and login) or status == 401:
            self.throttle.failed(client)


async def _refuse(send, wait: float) -> None:
    seconds = int(wait) + 1
    message = f"Too many failed logins from this address; try again in {seconds} s."
    error = {"message": message, "type": "rate_limit_error", "param": None, "code": None}
    body = json.dumps({"detail": message, "error": error}).encode()  # the page's, OpenAI's
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(seconds).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
