"""Booster eligibility by the rule in force on the day (command issue): each rule of the
Chinese protocol files changes the answer on its effective date, not the day before."""

from __future__ import annotations

import datetime as dt

import pytest

from shoutu.domain.vocabulary import VaccinationStatus
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.rules.vaccination import Doses, add_months, next_booster, status

RULES = ProtocolRegistry(None).load("cn-9th-2022").vaccination
assert RULES is not None
D = dt.date


def test_status_by_doses() -> None:
    assert [status(n, 2) for n in range(5)] == [
        VaccinationStatus.NONE,
        VaccinationStatus.PARTIAL,
        VaccinationStatus.PRIMARY,
        VaccinationStatus.BOOSTED,
        VaccinationStatus.SECOND_BOOSTER,
    ]
    assert status(1, 1) == VaccinationStatus.PRIMARY  # a one-dose product


def test_add_months_keeps_the_day_or_the_months_end() -> None:
    assert add_months(D(2022, 8, 31), 6) == D(2023, 2, 28)
    assert add_months(D(2022, 11, 30), 3) == D(2023, 2, 28)
    assert add_months(D(2021, 6, 1), 6) == D(2021, 12, 1)


@pytest.mark.parametrize(
    ("person", "before", "on", "due"),
    [
        # sequential boosters from 2022-02-19: 6 months after the primary series
        (
            Doses([D(2021, 5, 1), D(2021, 6, 1)], "sinovac-coronavac", D(1990, 1, 1)),
            None,
            D(2022, 2, 19),
            (1, D(2022, 2, 19)),
        ),
        # 60+: 3 months from 2022-11-29 (6 months before)
        (
            Doses([D(2022, 8, 1), D(2022, 9, 1)], "sinopharm-bibp", D(1955, 1, 1)),
            (1, D(2023, 3, 1)),
            D(2022, 11, 29),
            (1, D(2022, 12, 1)),
        ),
        # a second booster for 60+ from 2022-12-14, 6 months after the first
        (
            Doses([D(2021, 5, 1), D(2021, 6, 1), D(2022, 5, 1)], "sinopharm-bibp", D(1955, 1, 1)),
            None,
            D(2022, 12, 14),
            (2, D(2022, 12, 14)),
        ),
        # uninfected adults from 2023-04-10: the next booster 3 months after the last dose
        (
            Doses(
                [D(2021, 5, 1), D(2021, 6, 1), D(2022, 6, 1)], "sinovac-coronavac", D(1983, 1, 1)
            ),
            None,
            D(2023, 4, 10),
            (2, D(2023, 4, 10)),
        ),
    ],
)
def test_each_rule_changes_the_answer_on_its_date(
    person: Doses, before: tuple[int, dt.date] | None, on: dt.date, due: tuple[int, dt.date]
) -> None:
    assert next_booster(RULES, person, on - dt.timedelta(days=1)) == before
    assert next_booster(RULES, person, on) == due


def test_who_is_never_due() -> None:
    day = D(2023, 6, 1)
    infected = Doses(
        [D(2021, 5, 1), D(2021, 6, 1), D(2022, 6, 1)], "sinovac-coronavac", D(1983, 1, 1), True
    )
    assert next_booster(RULES, infected, day) is None  # the 2023 rule is for the uninfected
    partial = Doses([D(2021, 5, 1)], "sinovac-coronavac", D(1983, 1, 1))
    assert next_booster(RULES, partial, day) is None
    one_dose = Doses([D(2021, 5, 1)], "cansino-ad5", D(1983, 1, 1))
    assert next_booster(RULES, one_dose, day) == (1, D(2022, 2, 19))
    child = Doses([D(2021, 8, 1), D(2021, 9, 1)], "sinovac-coronavac", D(2012, 1, 1))
    assert next_booster(RULES, child, day) is None
    four = Doses([D(2021, 5, 1), D(2021, 6, 1), D(2022, 1, 1), D(2023, 1, 1)], "sinovac-coronavac")
    assert next_booster(RULES, four, day) is None  # nobody is due a third booster
