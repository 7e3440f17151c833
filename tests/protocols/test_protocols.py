"""Protocols as data: the four editions and the built-in city variant, city variants of a
city's own, validation, diff and hash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shoutu.domain.vocabulary import IsolationSite, KeyPopulation, RiskLevel, Setting
from shoutu.errors import ProtocolError
from shoutu.protocols.loader import ProtocolRegistry, diff_protocols, protocol_hash

BUILTIN = [
    "cn-20-measures-2022",
    "cn-8th-2021",
    "cn-9th-2022",
    "cn-9th-2022-city-companions",
    "cn-9th-2022-shanghai-2022",
    "us-cdc-2021",
    "who-2021",
]


@pytest.fixture
def registry() -> ProtocolRegistry:
    return ProtocolRegistry()


def test_builtin_protocols_load(registry: ProtocolRegistry) -> None:
    assert registry.names() == BUILTIN
    for name in BUILTIN:
        protocol = registry.load(name)
        assert protocol.name == name and protocol.sources


def test_cn_9th_values(registry: ProtocolRegistry) -> None:
    p = registry.load("cn-9th-2022")
    assert p.effective_date == dt.date(2022, 6, 27)
    assert p.contacts.lookback_days == 4
    assert p.contacts.rules[Setting.VENUE].min_overlap_minutes == 0
    close = p.quarantine.close_contact
    assert (close.centralised_days, close.health_monitoring_days) == (7, 3)
    assert close.test_days_centralised == (1, 2, 3, 5, 7)
    assert close.test_days_monitoring == (3,)
    secondary = p.quarantine.secondary_contact
    assert secondary is not None
    assert (secondary.home_days, secondary.test_days_home) == (7, (1, 4, 7))
    assert (p.release.negative_tests, p.release.ct_threshold) == (2, 35.0)
    assert p.release.genes == ("N", "ORF1ab") and p.release.min_interval_hours == 24
    assert p.risk_levels[RiskLevel.HIGH].downgrade_after_days == 7
    assert p.risk_levels[RiskLevel.MEDIUM].downgrade_after_days == 3
    assert p.key_populations[KeyPopulation.COLD_CHAIN].interval_days == 1
    assert p.key_populations[KeyPopulation.DELIVERY].interval_days == 3.5
    assert (p.timeliness.report_hours, p.timeliness.investigation_hours) == (2, 24)
    assert p.mass_screening is not None and p.mass_screening.round_hours == 24
    assert p.pooling.default_ratio == 10 and 20 in p.pooling.validated_ratios
    assert p.community_zero is not None
    assert (p.community_zero.days, p.community_zero.basic_rate_per_100k) == (3, 1.0)


def test_cn_8th_values(registry: ProtocolRegistry) -> None:
    p = registry.load("cn-8th-2021")
    assert p.contacts.lookback_days == 2
    close = p.quarantine.close_contact
    assert (close.centralised_days, close.health_monitoring_days) == (14, 7)
    assert close.test_days_centralised == (1, 4, 7, 14)


def test_who_and_cdc_are_expressible(registry: ProtocolRegistry) -> None:
    who = registry.load("who-2021")
    assert who.contacts.rules[Setting.VENUE].min_overlap_minutes == 15
    assert who.contacts.rules[Setting.VENUE].max_distance_m == 1.0
    assert not who.contacts.secondary.enabled
    assert who.quarantine.close_contact.home_days == 14
    assert who.release.negative_tests == 0 and who.release.min_days_after_onset == 10
    assert who.risk_levels == {}
    cdc = registry.load("us-cdc-2021")
    assert cdc.quarantine.close_contact.home_days == 5
    assert cdc.isolation.confirmed_site is IsolationSite.HOME


def test_city_variant_extends_cn_9th(tmp_path: Path) -> None:
    (tmp_path / "cn-9th-2022-shanghai.toml").write_text(
        'name = "cn-9th-2022-shanghai"\n'
        'extends = "cn-9th-2022"\n'
        'title_zh = "上海市实施细则"\n'
        'title_en = "Shanghai variant"\n'
        'jurisdiction = "CN-31"\n'
        "effective_date = 2022-07-01\n"
        "[contacts.rules.venue]\n"
        "min_overlap_minutes = 10\n"
        "[timeliness]\n"
        "pool_recall_hours = 4\n",
        encoding="utf-8",
    )
    registry = ProtocolRegistry(tmp_path)
    assert "cn-9th-2022-shanghai" in registry.names()
    city = registry.load("cn-9th-2022-shanghai")
    base = registry.load("cn-9th-2022")
    assert city.contacts.rules[Setting.VENUE].min_overlap_minutes == 10
    assert city.contacts.rules[Setting.HOUSEHOLD].min_overlap_minutes == 0
    assert city.timeliness.pool_recall_hours == 4
    assert city.timeliness.report_hours == base.timeliness.report_hours
    assert city.quarantine == base.quarantine
    assert city.extends == "cn-9th-2022"
    changed = {key for key, _, _ in diff_protocols(base, city)}
    assert {
        "contacts.rules.venue.min_overlap_minutes",
        "timeliness.pool_recall_hours",
        "jurisdiction",
        "extends",
    } <= changed
    assert "quarantine.close_contact.centralised_days" not in changed
    infos = {i.name: i for i in registry.info()}
    assert infos["cn-9th-2022-shanghai"].builtin is False


def test_bad_variant_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad-city.toml"
    path.write_text(
        'extends = "cn-9th-2022"\ntitle_zh = "x"\ntitle_en = "x"\njurisdiction = "x"\n'
        "effective_date = 2022-07-01\n[quarantine.close_contact]\ntest_days_centralised = [9]\n",
        encoding="utf-8",
    )
    with pytest.raises(ProtocolError) as info:
        ProtocolRegistry(tmp_path).load("bad-city")
    message = str(info.value)
    assert str(path) in message
    assert "quarantine.close_contact" in message and "[9]" in message


def test_unknown_keys_and_values_are_refused(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text(
        'extends = "cn-9th-2022"\n[timeliness]\nreport_hour = 3\n', encoding="utf-8"
    )
    with pytest.raises(ProtocolError, match=r"timeliness\.report_hour"):
        ProtocolRegistry(tmp_path).load("typo")
    (tmp_path / "badset.toml").write_text(
        'extends = "cn-9th-2022"\n[contacts.rules.bus]\nmin_overlap_minutes = 3\n',
        encoding="utf-8",
    )
    with pytest.raises(ProtocolError, match=r"contacts\.rules\.bus"):
        ProtocolRegistry(tmp_path).load("badset")


def test_cycles_and_unknown_names(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a"\n', encoding="utf-8")
    with pytest.raises(ProtocolError, match="cycle"):
        ProtocolRegistry(tmp_path).load("a")
    with pytest.raises(ProtocolError, match="unknown protocol 'nope'"):
        ProtocolRegistry().load("nope")


def test_hash_is_stable_and_content_based(registry: ProtocolRegistry, tmp_path: Path) -> None:
    digest = protocol_hash(registry.load("cn-9th-2022"))
    assert digest == protocol_hash(ProtocolRegistry().load("cn-9th-2022"))
    assert digest != protocol_hash(registry.load("cn-8th-2021"))
    (tmp_path / "same.toml").write_text('extends = "cn-9th-2022"\n', encoding="utf-8")
    same = ProtocolRegistry(tmp_path).load("same")
    assert diff_protocols(registry.load("cn-9th-2022"), same) == [("extends", None, "cn-9th-2022")]


def test_the_twenty_measures_and_shanghai_files(registry: ProtocolRegistry) -> None:
    """The November 2022 notice: close contacts 5 days centralised + 3 at home, no secondary
    contacts, high and low areas only (5 days, by building, none from cases inside control);
    Shanghai 2022: the three levels by compound under their own names."""
    twenty = registry.load("cn-20-measures-2022")
    close = twenty.quarantine.close_contact
    assert (close.centralised_days, close.home_days, close.health_monitoring_days) == (5, 3, 0)
    assert twenty.quarantine.secondary_contact is None and not twenty.contacts.secondary.enabled
    assert set(twenty.risk_levels) == {RiskLevel.HIGH, RiskLevel.LOW}
    high = twenty.risk_levels[RiskLevel.HIGH]
    assert (high.downgrade_to, high.downgrade_after_days) == (RiskLevel.LOW, 5)
    assert twenty.risk_areas is not None
    assert not twenty.risk_areas.cases_in_control_create_areas
    shanghai = registry.load("cn-9th-2022-shanghai-2022")
    assert shanghai.risk_areas is not None and shanghai.risk_areas.high_extent == "community"
    assert [shanghai.risk_levels[x].label_zh for x in RiskLevel] == ["封控区", "管控区", "防范区"]
