"""Login attempts per client address in a sliding minute (in the app's memory: one process;
behind several workers each counts its own). Beyond the limit: 429 with Retry-After."""

from __future__ import annotations

import threading
import time
from collections import deque

from fastapi import Request

from shoutu.errors import RateLimited

WINDOW = 60.0  # seconds


class Limiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> None:
        """Count an attempt of ``key``; RateLimited when it is one too many."""
        at = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= at - WINDOW:
                times.popleft()
            if len(times) >= self.per_minute:
                wait = max(1, int(times[0] + WINDOW - at) + 1)
                raise RateLimited(f"too many login attempts: try again in {wait} s", wait)
            times.append(at)
            if len(self._seen) > 10_000:  # forget the quiet ones
                for old in [k for k, v in self._seen.items() if not v or v[-1] <= at - WINDOW]:
                    del self._seen[old]


def login_attempt(request: Request) -> None:
    """Count a login attempt of the request's client address."""
    limiter: Limiter = request.app.state.login_limiter
    limiter.hit(request.client.host if request.client else "?")


__all__ = ["Limiter", "login_attempt"]
