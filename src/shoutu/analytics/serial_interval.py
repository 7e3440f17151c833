"""Serial intervals for the chain inference: a gamma or normal density (mean, sd) or an
empirical table by whole days (which may give weight to zero or negative days: presymptomatic
transmission), with its density averaged exactly over uniform uncertainties of the lag (a
whole-day onset, an exposure lasting days) from the density's antiderivatives."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special

_SPAN = 1e-9  # spans (days) below this are exact times


@dataclass(frozen=True)
class SerialInterval:
    """A serial-interval density over days: gamma or normal (mean, sd), or a table."""

    kind: str = "gamma"
    mean: float = 0.0
    sd: float = 1.0
    days: tuple[int, ...] = ()
    p: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("gamma", "normal", "table"):
            raise ValueError("the serial interval is gamma, normal or a table")
        if self.kind != "table" and (self.sd <= 0 or (self.kind == "gamma" and self.mean <= 0)):
            raise ValueError("the serial interval needs a positive sd (and mean, for gamma)")
        if self.kind == "table" and (len(self.days) != len(self.p) or not self.days):
            raise ValueError("a serial-interval table needs days and probabilities")

    def density(self, days: np.ndarray) -> np.ndarray:
        d = np.asarray(days, float)
        if self.kind == "normal":
            z = (d - self.mean) / self.sd
            return np.asarray(np.exp(-0.5 * z * z) / (self.sd * math.sqrt(2 * math.pi)))
        if self.kind == "gamma":
            shape = (self.mean / self.sd) ** 2
            scale = self.sd * self.sd / self.mean
            with np.errstate(divide="ignore", invalid="ignore"):
                log = (shape - 1) * np.log(d) - d / scale - math.lgamma(shape)
                log -= shape * math.log(scale)
                return np.asarray(np.where(d > 0, np.exp(log), 0.0))
        table = dict(zip(self.days, self.p, strict=True))
        return np.asarray([table.get(round(float(x)), 0.0) for x in d])

    def peak(self) -> float:
        """The highest density (the mode's)."""
        if self.kind == "table":
            return float(max(self.p))
        if self.kind == "normal":
            return float(self.density(np.array([self.mean]))[0])
        shape = (self.mean / self.sd) ** 2
        mode = (shape - 1) * self.sd * self.sd / self.mean if shape > 1 else 0.0
        if mode <= 0:  # the density is highest at (near) zero: take the grid's best
            grid = np.geomspace(1e-6, self.mean + 10 * self.sd, 4096)
            return float(np.max(self.density(grid)))
        return float(self.density(np.array([mode]))[0])

    def center(self) -> float:
        """The mean (a table's probability-weighted day)."""
        if self.kind != "table":
            return self.mean
        p = np.asarray(self.p, float)
        return float(np.asarray(self.days, float) @ p / p.sum()) if p.sum() > 0 else 0.0

    def spread(self) -> float:
        """The standard deviation (a table's, its days uniform within the day)."""
        if self.kind != "table":
            return self.sd
        p = np.asarray(self.p, float)
        if p.sum() <= 0:
            return 0.0
        days = np.asarray(self.days, float)
        return math.sqrt(float(p @ (days - self.center()) ** 2 / p.sum()) + 1 / 12)

    def smoothed(self, days: np.ndarray, spans: np.ndarray) -> np.ndarray:
        """The mean density at ``days + sum_k spans[:, k] * U_k``, the U_k independent and
        uniform on 0..1 (a whole-day onset, an exposure lasting days): the m-th finite
        difference of the m-th antiderivative over the m nonzero spans, divided by their
        product — exact, no quadrature. A table is read as uniform within each of its days."""
        x = np.asarray(days, float)
        spans = np.asarray(spans, float).reshape(len(x), -1)
        out = np.empty(len(x))
        nonzero = np.abs(spans) > _SPAN
        patterns = nonzero @ (1 << np.arange(spans.shape[1]))
        for pattern in np.unique(patterns):
            rows = np.flatnonzero(patterns == pattern)
            columns = np.flatnonzero([int(pattern) >> k & 1 for k in range(spans.shape[1])])
            if not len(columns):
                out[rows] = self.density(x[rows])
                continue
            c = spans[np.ix_(rows, columns)]
            m = len(columns)
            # the tail the lag sits in: differences of the far tail's antiderivative are small
            upper = x[rows] + c.sum(axis=1) / 2 > self.center()
            total = np.zeros(len(rows))
            for corner in itertools.product((0, 1), repeat=m):
                sign = -1.0 if (m - sum(corner)) % 2 else 1.0
                total += sign * self._antiderivative(x[rows] + c @ np.array(corner), m, upper)
            out[rows] = np.maximum(total / np.prod(c, axis=1), 0.0)
        return out

    def _antiderivative(self, x: np.ndarray, m: int, upper: np.ndarray) -> np.ndarray:
        """The m-th antiderivative of the density up to a polynomial of degree < m (which the
        m-th difference removes): E[(x - Y)_+^(m-1)] / (m-1)! from the lower tail, or
        (-1)^m E[(Y - x)_+^(m-1)] / (m-1)! from the upper tail where ``upper``."""
        n = m - 1
        lower_tail = self._tail_moment(x, n, upper=False)
        upper_tail = self._tail_moment(x, n, upper=True)
        sign = -1.0 if m % 2 else 1.0
        return np.where(upper, sign * upper_tail, lower_tail) / math.factorial(n)

    def _tail_moment(self, x: np.ndarray, n: int, *, upper: bool) -> np.ndarray:
        """E[(x - Y)_+^n], or E[(Y - x)_+^n] if ``upper``, for Y following the interval."""
        if self.kind == "normal":
            z = (x - self.mean) / self.sd
            zz = -z if upper else z
            cdf, pdf = special.ndtr(zz), np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
            moment = (cdf, zz * cdf + pdf, (zz * zz + 1) * cdf + zz * pdf)[n]
            return np.asarray(moment * self.sd**n)
        if self.kind == "gamma":
            shape = (self.mean / self.sd) ** 2
            scale = self.sd * self.sd / self.mean
            at = np.maximum(x, 0.0) / scale
            total = np.zeros(len(x))
            for k in range(n + 1):
                rising = math.prod(shape + i for i in range(k))  # Gamma(shape + k) / Gamma(shape)
                tail = special.gammaincc if upper else special.gammainc
                partial = scale**k * rising * tail(shape + k, at)  # E[Y^k; Y above / below x]
                power = (-x) ** (n - k) if upper else x ** (n - k) * (-1) ** k
                total += math.comb(n, k) * power * partial
            return total
        days = np.asarray(self.days, float)
        p = np.asarray(self.p, float)
        edge = x[:, None] - days[None, :]  # each day's mass uniform on day - 1/2 .. day + 1/2
        if upper:
            edge = -edge
        high = np.maximum(edge + 0.5, 0.0) ** (n + 1)
        low = np.maximum(edge - 0.5, 0.0) ** (n + 1)
        return np.asarray((high - low) @ p / (n + 1))


__all__ = ["SerialInterval"]
