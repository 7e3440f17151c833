"""Daily health checks by a protocol's ``HealthChecks`` rules: what a report calls for, and
how many reports a day a person owes.

A temperature at or above ``fever_celsius`` is fever; fever, or any of ``test_symptoms``,
calls for a test (a symptom test task due ``test_within_hours`` after the report). A person
under control for any part of a local day owes ``reports_per_day`` reports that day.
"""

from __future__ import annotations

from collections.abc import Iterable

from shoutu.domain.vocabulary import Symptom
from shoutu.protocols.schema import HealthChecks


def is_fever(rules: HealthChecks, temperature: float | None) -> bool:
    """Whether a temperature (°C; None: not measured) is fever by the rules."""
    return temperature is not None and temperature >= rules.fever_celsius


def test_reasons(
    rules: HealthChecks, temperature: float | None, symptoms: Iterable[Symptom]
) -> list[str]:
    """Why a report calls for a test (empty: it does not): fever, then each of the rules'
    test symptoms it reports, as text (``fever 37.3 °C``, ``cough``; the symptom ``fever``
    only when the temperature is not)."""
    fever = is_fever(rules, temperature)
    reasons = [f"fever {temperature:g} °C"] if fever else []
    wanted = set(rules.test_symptoms) - ({Symptom.FEVER} if fever else set())
    return reasons + [s.value for s in symptoms if s in wanted]


def missed(rules: HealthChecks, received: int) -> int:
    """Reports a person under control on a day has not sent that day."""
    return max(0, rules.reports_per_day - received)


__all__ = ["is_fever", "missed", "test_reasons"]
