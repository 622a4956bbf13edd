"""Throttle for the login page: too many wrong passwords from one client lock it out.

After ``max_failures`` failed logins in a row from one address, that address gets
HTTP 429 for ``lockout_seconds``, doubling at each further failure (capped at one
hour); a successful login clears its record. The check runs before Gradio sees the
request, so a locked-out client cannot even try. It is an ASGI middleware around
Gradio's ``POST /login``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LOGIN_PATHS = ("/login", "/login/")
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


class LoginThrottleMiddleware:
    """ASGI middleware applying a LoginThrottle to ``POST /login``."""

    def __init__(self, app, throttle: LoginThrottle):
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or scope.get("path") not in LOGIN_PATHS
        ):
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
        if status == 200:
            self.throttle.succeeded(client)
        elif 400 <= status < 500:
            self.throttle.failed(client)


async def _refuse(send, wait: float) -> None:
    seconds = int(wait) + 1
    body = json.dumps(
        {"detail": f"Too many failed logins from this address; try again in {seconds} s."}
    ).encode()
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
