"""A person's vaccination status and their next booster, by a protocol's ``vaccination``.

Status from the number of doses against the primary series of the product of the first dose:
none, partial, primary complete, boosted (one more dose), second booster (two or more).

Booster eligibility is decided by the rules in force on the day (``effective`` on or before
it): a rule applies to the person's next booster (the first or second after the primary
series; a rule without ``booster`` to whichever is next) when they are at least ``min_age``
on the day (an unknown birth date meets only a rule with no age) and, for an
``uninfected_only`` rule, have no case. The next booster is due from the earliest, over the
rules that apply, of ``months_after`` months after the last dose — not before the rule took
effect. Nobody is due a third booster.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from shoutu.domain.vocabulary import VaccinationStatus
from shoutu.protocols.schema import Vaccination


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def status(doses: int, primary: int) -> VaccinationStatus:
    """The status after ``doses`` doses of a product whose primary series has ``primary``."""
    if doses <= 0:
        return VaccinationStatus.NONE
    if doses < primary:
        return VaccinationStatus.PARTIAL
    if doses == primary:
        return VaccinationStatus.PRIMARY
    if doses == primary + 1:
        return VaccinationStatus.BOOSTED
    return VaccinationStatus.SECOND_BOOSTER


@dataclass(frozen=True)
class Doses:
    """A person's doses (their dates, in order; the product of the first), birth date and
    whether they have had a case."""

    dates: Sequence[dt.date]
    product: str | None
    birth: dt.date | None = None
    infected: bool = False


def primary_of(rules: Vaccination, product: str | None) -> int:
    """Doses in the product's primary series (2 when the product is unknown)."""
    return rules.primary_doses.get(product or "", 2)


def next_booster(rules: Vaccination, person: Doses, day: dt.date) -> tuple[int, dt.date] | None:
    """(which booster, the first day it is due) under the rules in force on ``day``; None when
    no rule applies (primary series not complete, both boosters had, no rule for them)."""
    primary = primary_of(rules, person.product)
    given = len(person.dates)
    booster = given - primary + 1
    if given < primary or booster > 2:
        return None
    last = max(person.dates)
    age = age_on(person.birth, day) if person.birth else None
    due = [
        max(add_months(last, r.months_after), r.effective)
        for r in rules.boosters
        if r.effective <= day
        and r.booster in (None, booster)
        and (r.min_age == 0 or (age is not None and age >= r.min_age))
        and not (r.uninfected_only and person.infected)
    ]
    return (booster, min(due)) if due else None


__all__ = ["Doses", "add_months", "age_on", "next_booster", "primary_of", "status"]
