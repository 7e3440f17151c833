"""Imported or local (境外输入 / 本土), by a protocol's ``origin``: a case is imported when it
was reported after one of the person's inbound arrivals and its onset (else its sampling,
else its report) falls no later than ``imported_within_days`` after that arrival — before it
too: ill abroad or in transit (the latest such arrival is the reason); otherwise it is local —
linked to goods or an environment (物传人) when the person handled what a positive
environment sample came from within the same number of days before that moment, else with
no inbound arrival in the window. A protocol without ``origin`` classifies nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from shoutu.domain.vocabulary import Origin
from shoutu.protocols.schema import Protocol


@dataclass(frozen=True)
class OriginFacts:
    """A case's moment (``anchor``, and what it is: onset, sampling, report), its report, the
    person's arrivals (id, time, origin country) and handling of what positive environment
    samples came from (sample id, the end of the last handling)."""

    anchor: dt.datetime
    anchor_kind: str
    report: dt.datetime
    arrivals: Sequence[tuple[int, dt.datetime, str | None]] = ()
    exposures: Sequence[tuple[int, dt.datetime]] = ()


def classify(protocol: Protocol, facts: OriginFacts) -> tuple[Origin, str] | None:
    """The case's origin and the reason (None: the protocol has no origin rule)."""
    rules = protocol.origin
    if rules is None:
        return None
    window = dt.timedelta(days=rules.imported_within_days)
    inbound = [a for a in facts.arrivals if a[1] <= facts.report and facts.anchor <= a[1] + window]
    if inbound:
        arrival_id, when, country = max(inbound, key=lambda a: a[1])
        days = (facts.anchor - when).total_seconds() / 86400
        source = f" from {country}" if country else ""
        if days < 0:
            return Origin.IMPORTED, (
                f"arrival {arrival_id}{source}, {facts.anchor_kind} {-days:.1f} days before "
                "it (abroad or in transit)"
            )
        return Origin.IMPORTED, (
            f"arrival {arrival_id}{source}, {days:.1f} days before {facts.anchor_kind} "
            f"(within {rules.imported_within_days})"
        )
    linked = sorted(s for s, until in facts.exposures if until <= facts.anchor <= until + window)
    if linked:
        return Origin.LOCAL, (
            f"goods or environment: handled what positive environment sample {linked[0]} "
            "was taken from (物传人)"
        )
    return Origin.LOCAL, (
        f"no inbound arrival in the {rules.imported_within_days} days before {facts.anchor_kind}"
    )


__all__ = ["OriginFacts", "classify"]
