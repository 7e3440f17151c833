"""Python's cyclic garbage collector held back while units of work are open.

A batch builds hundreds of thousands of rows and audit events as dicts that live until the
unit ends; the collector's default thresholds (a collection every 700 new objects, a full
one every 100 of those) rescan all of them over and over — 5.5 s of a 32-s import of 100,000
contacts at 10 million people. While any unit is open, young collections run every 100,000
objects and full ones only after 5,000 of those; the thresholds come back when the last unit
ends. Nothing is switched off: reference counting frees the rows as ever, and cycles are
still found, later.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: the thresholds while units are open (young objects, then collections between older ones)
HELD = (100_000, 50, 100)


class _Hold:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.saved: tuple[int, int, int] = gc.get_threshold()


_HOLD = _Hold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Hold the collector back for the block (re-entrant; threads share the hold)."""
    with _HOLD.lock:
        if _HOLD.open == 0:
            _HOLD.saved = gc.get_threshold()
            gc.set_threshold(*(max(h, s) for h, s in zip(HELD, _HOLD.saved, strict=True)))
        _HOLD.open += 1
    try:
        yield
    finally:
        with _HOLD.lock:
            _HOLD.open -= 1
            if _HOLD.open == 0:
                gc.set_threshold(*_HOLD.saved)


__all__ = ["HELD", "fewer_collections"]
