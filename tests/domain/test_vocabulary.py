"""The vocabulary: every value labelled in both languages, and the strings the issues fix."""

from __future__ import annotations

import re

import pytest

from paths import SRC
from shoutu.domain import vocabulary as v


@pytest.mark.parametrize("enum", v.ALL_ENUMS, ids=lambda e: e.__name__)
def test_every_value_has_both_labels(enum: type[v.Labeled]) -> None:
    for member in enum:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", member.value), member
        assert member.zh and re.search(r"[\u4e00-\u9fff]", member.zh), member
        assert member.en and member.en.isascii(), member
    assert len({m.zh for m in enum}) == len(enum), "Chinese labels must be distinct"
    assert len({m.en for m in enum}) == len(enum), "English labels must be distinct"


def test_all_enums_lists_every_enum() -> None:
    defined = {
        obj
        for obj in vars(v).values()
        if isinstance(obj, type) and issubclass(obj, v.Labeled) and obj is not v.Labeled
    }
    assert defined == set(v.ALL_ENUMS) and len(v.ALL_ENUMS) == len(defined)  # each once


def test_values_fixed_by_the_foundation_issue() -> None:
    assert [s.value for s in v.Setting] == [
        "household",
        "school_class",
        "office",
        "workplace",
        "dormitory",
        "venue",
        "transport",
        "nursing_home",
        "hospital",
        "community",
        "imported",
    ]
    assert [g.value for g in v.GROUP_TYPES] == [
        "household",
        "school_class",
        "office",
        "workplace",
        "dormitory",
        "venue",
        "transport",
        "nursing_home",
    ]
    assert [c.value for c in v.ContactKind] == ["close", "secondary", "companion"]
    assert [c.value for c in v.Channel] == [
        "fever_clinic",
        "antigen_self_test",
        "routine_screening",
        "mass_screening",
        "quarantine_testing",
        "contact_tracing",
        "port_screening",
        "hospital",
        "other",
    ]
    assert [k.value for k in v.KeyPopulation] == [
        "port_worker",
        "airport_worker",
        "cold_chain",
        "medical_staff",
        "fever_clinic_staff",
        "isolation_site_staff",
        "delivery",
        "logistics",
        "pharmacy",
        "market",
        "hotel",
        "transport",
        "care_home",
        "teacher",
        "other",
    ]
    assert [m.value for m in v.TestMethod] == ["pcr", "antigen"]
    assert [r.value for r in v.TestOutcome] == ["positive", "negative", "invalid"]


def test_parse_accepts_value_and_both_labels() -> None:
    assert v.Setting.parse("school_class") is v.Setting.SCHOOL_CLASS
    assert v.Setting.parse("School class") is v.Setting.SCHOOL_CLASS
    assert v.Setting.parse("班级") is v.Setting.SCHOOL_CLASS
    assert v.Setting.parse(" HOUSEHOLD ") is v.Setting.HOUSEHOLD
    with pytest.raises(ValueError, match=r"not a known Setting.*household"):
        v.Setting.parse("classroom")


def test_members_are_their_strings() -> None:
    assert v.TestOutcome.POSITIVE == "positive"
    assert f"{v.Channel.FEVER_CLINIC}" == "fever_clinic"
    assert v.Setting.HOUSEHOLD.label("zh") == "家庭"


def test_place_and_key_population_values_are_not_spelled_elsewhere() -> None:
    """Multi-word vocabulary values appear as string literals only in vocabulary.py."""
    values = {
        m.value
        for enum in (v.KeyPopulation, v.PlaceType, v.Channel, v.Setting)
        for m in enum
        if "_" in m.value
    }
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "vocabulary.py":
            continue
        text = path.read_text()
        for value in values:
            if f'"{value}"' in text or f"'{value}'" in text:
                offenders.append(f"{path.relative_to(SRC)}: {value}")
    assert not offenders, offenders
