"""Scenario files: built-ins, documentation of every field, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.sim.scenario import Scenario, ScenarioError, builtin_scenarios, load_scenario


def test_builtins_load() -> None:
    assert builtin_scenarios() == ["default", "lockdown", "none", "screening"]
    assert load_scenario("default") == Scenario(
        name="default", description=load_scenario("default").description
    )
    assert not load_scenario("none").tracing.enabled
    assert load_scenario("lockdown").mass_screening.enabled


def test_every_field_is_documented() -> None:
    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            assert field.description, f"{prefix}{name}"
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name}.")

    walk(Scenario, "")


def test_bad_scenario_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "city.toml"
    path.write_text("[tracing]\ncompliance = 1.5\n[closures]\nplace_types = ['spaceport']\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(path))
    message = str(info.value)
    assert str(path) in message and "tracing.compliance" in message
    assert "closures.place_types" in message
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        load_scenario("nope")


def test_cli_scenario_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--people",
            "500",
            "--days",
            "2",
            "--out",
            str(tmp_path / "x"),
            "--scenario",
            "nope",
        ],
    )
    assert result.exit_code == 1 and "unknown scenario" in result.stderr
