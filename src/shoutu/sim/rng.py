"""Named random streams: common random numbers across scenarios.

Every random decision draws from its own stream, named after the decision. A person's number
for a decision on a day is a counter-based hash (splitmix64) of (run seed, stream, day, person),
so it never depends on who else draws or in what order: two scenarios that differ by one
intervention draw the same numbers for every other decision (Starsim's common random numbers),
and a draw for a few people costs only those few.
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1


def stream_id(name: str) -> int:
    """A stable 32-bit id of a stream name (the same on every machine and Python)."""
    return zlib.crc32(name.encode())


def _mix(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer over uint64 arrays (wrap-around arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    mixed: np.ndarray = z ^ (z >> np.uint64(31))
    return mixed


def _mix_int(value: int) -> int:
    return int(_mix(np.array([(value + 0x9E3779B97F4A7C15) & _MASK], np.uint64))[0])


class Streams:
    """The random streams of one run."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError("seed must be a non-negative integer")
        self.seed = seed
        self._seed_key = _mix_int(seed)

    def _key(self, name: str, day: int | None) -> np.uint64:
        key = self._seed_key ^ _mix_int(stream_id(name) << 20 | 0x5EED)
        if day is not None:
            key ^= _mix_int((day + 1) << 1)
        return np.uint64(key)

    def uniform_for(self, name: str, who: np.ndarray, day: int | None = None) -> np.ndarray:
        """Uniforms in [0, 1) for the people (or items) ``who`` of decision ``name``."""
        z = self._key(name, day) + (who.astype(np.uint64) + np.uint64(1)) * _GOLDEN
        return (_mix(z) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def uniform(self, name: str, n: int, day: int | None = None) -> np.ndarray:
        """``n`` uniforms (float32), one per person (index = person index), for decisions drawn
        for the whole population whatever the scenario (so still common random numbers);
        several times cheaper per number than ``uniform_for``."""
        drawn: np.ndarray = self.rng(name, day).random(n, dtype=np.float32)
        return drawn

    def rng(self, name: str, day: int | None = None) -> np.random.Generator:
        """A sequential generator for decisions about things, not people (building the city)."""
        key = [self.seed, stream_id(name)] if day is None else [self.seed, stream_id(name), day]
        return np.random.default_rng(key)
