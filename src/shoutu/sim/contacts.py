"""The contacts the simulated response traced, for ``contacts.parquet``.

**Traced** means found by the simulated tracing: on the day a reported case's tracing is due
(its report plus the scenario's delay), the tracer lists the close contacts of that day's due
cases (``sim/tracing.py``: their groups and venue overlaps in the protocol's lookback window)
and, with the protocol's secondary rule, the members of the close contacts' groups; people
already reported as cases are left out, and each contact is found with the scenario's
``tracing.compliance`` (the rest are missed: never identified, so not rows here). One row per
contact and tracing: a person found through several of the day's cases is one contact, of the
case with the latest exposure; a person found again on a later day is a new contact (another
case). ``identified_time`` is the time of that tracing (the latest of the due cases'); a close
contact's last exposure is the simulator's (group: the case's isolation or tracing; venue: the
end of the overlap); a secondary contact is counted from identification, and its last
exposure is taken as the identification (its close contact leaves at that moment).

**Controlled** means under an episode of quarantine or health monitoring at identification,
after the simulator's quarantine decision (``Control.quarantine``): a new episode opened for
this contact, or one the person is already in that lasts as long (the protocol's days from
this exposure end no later); ``controlled_time`` is then the identification (the simulator
quarantines at once) and ``episode`` that episode. A contact is left uncontrolled
(``controlled_time`` null) when the protocol's days from its exposure were already over at
identification and no episode holds the person then; contacts the protocol gives no
quarantine are not traced at all, and missed ones are not rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shoutu.domain.vocabulary import ContactKind
from shoutu.protocols.schema import Protocol, Quarantine
from shoutu.sim.control import Control
from shoutu.sim.rng import Streams
from shoutu.sim.scenario import Tracing as TracingScenario
from shoutu.sim.tracing import Traced, Tracer, found_share

CONTACT_KINDS: list[ContactKind] = list(ContactKind)
REASONS = {
    ContactKind.CLOSE: "close contact",
    ContactKind.SECONDARY: "secondary contact",
    ContactKind.COMPANION: "companion",
}


@dataclass
class ContactLog:
    """Contacts traced over the run, in the order they were found (the contact index)."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=dict)
    count: int = 0

    def next_ids(self, traced: Traced) -> np.ndarray:
        """The contact indexes the next ``add`` of ``traced`` will give."""
        return np.arange(self.count, self.count + len(traced.person))

    def add(self, traced: Traced, kind: ContactKind, when: float, control: Control) -> None:
        """Record contacts identified at ``when``, after their quarantine was decided."""
        who = traced.person
        n = len(who)
        episode = control.q_episode[who]
        held = (control.q_start[who] <= when) & (when < control.q_monitoring_end[who])
        held &= episode >= 0
        values = {
            "person": who,
            "case": traced.case,
            "via": traced.via,
            "kind": np.full(n, CONTACT_KINDS.index(kind)),
            "setting": traced.setting,
            "place": traced.place,
            "last": np.where(np.isnan(traced.last), when, traced.last),
            "identified": np.full(n, when),
            "controlled": np.where(held, when, np.inf),
            "episode": np.where(held, episode, -1),
        }
        for key, value in values.items():
            self.columns.setdefault(key, []).append(np.asarray(value))
        self.count += n

    def kind_counts(self) -> dict[str, int]:
        """Contacts traced over the run by kind: ``close_contacts``, ``secondary_contacts``,
        ``companions``."""
        kinds = np.concatenate(self.columns["kind"]) if self.count else np.empty(0, int)
        found = np.bincount(kinds.astype(np.int64), minlength=len(CONTACT_KINDS))
        names = {
            ContactKind.CLOSE: "close_contacts",
            ContactKind.SECONDARY: "secondary_contacts",
            ContactKind.COMPANION: "companions",
        }
        return {names[k]: int(found[i]) for i, k in enumerate(CONTACT_KINDS)}

    def merged(self) -> dict[str, np.ndarray] | None:
        if not self.count:
            return None
        return {k: np.concatenate(v) for k, v in self.columns.items()}


class Tracing:
    """The response's tracing: each day, the cases due are traced, their contacts found,
    quarantined by the protocol and recorded. ``trace_at`` (when each reported case's
    tracing is due) and ``trace_from`` (the start of its lookback) are the response's."""

    def __init__(
        self,
        tracer: Tracer,
        control: Control,
        protocol: Protocol,
        scenario: TracingScenario,
        streams: Streams,
        trace_at: np.ndarray,
        trace_from: np.ndarray,
    ) -> None:
        self.tracer, self.control, self.protocol = tracer, control, protocol
        self.scenario, self.streams = scenario, streams
        self.trace_at, self.trace_from = trace_at, trace_from
        self.log = ContactLog()

    def day(self, d: int) -> None:
        due = np.flatnonzero((self.trace_at >= d) & (self.trace_at < d + 1))
        if len(due) == 0:
            return
        when = float(self.trace_at[due].max())
        end = np.minimum(self.control.isolated_at[due], self.trace_at[due])
        close, companions = self.tracer.close_contacts(due, self.trace_from[due], end)
        rules = self.protocol.quarantine
        close = self._found(close, d, "tracing.close")
        self._control(close, ContactKind.CLOSE, rules.close_contact, when)
        if self.scenario.secondary and rules.secondary_contact is not None:
            second = self._found(self.tracer.secondary_contacts(close, due), d, "tracing.secondary")
            self._control(second, ContactKind.SECONDARY, rules.secondary_contact, when)
        if rules.companion is not None:
            companions = self._found(companions, d, "tracing.companion")
            self._control(companions, ContactKind.COMPANION, rules.companion, when)

    def _found(self, traced: Traced, d: int, stream: str) -> Traced:
        """The contacts of ``traced`` found (not already cases; each with the compliance)."""
        traced = traced.take(~self.control.reported[traced.person])
        kept = found_share(traced.person, self.scenario.compliance, self.streams, d, stream)
        return traced.take(np.isin(traced.person, kept))

    def _control(self, traced: Traced, kind: ContactKind, rules: Quarantine, when: float) -> None:
        """Quarantine ``traced`` (identified at ``when``) by ``rules``, then record them."""
        anchor = np.full(len(traced.person), when)
        if rules.counted_from == "last_exposure":
            anchor = np.where(np.isnan(traced.last), when, traced.last)
        reason = REASONS[kind]
        ids = self.log.next_ids(traced)
        self.control.quarantine(traced.person, when, anchor, rules, reason, ids)
        self.log.add(traced, kind, when, self.control)


__all__ = ["CONTACT_KINDS", "ContactLog", "Tracing"]
