"""README and ARCHITECTURE.md stay true: commands, settings and module paths."""

from __future__ import annotations

import re

import pytest

from paths import ROOT
from shoutu.settings import Settings, get_settings, settings_doc


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_documents_every_setting() -> None:
    text = (ROOT / "README.md").read_text()
    for env, description in settings_doc():
        assert f"`{env}`" in text, env
        assert description, env


def test_settings_are_built_by_the_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOUTU_TIMEZONE", "Europe/Berlin")
    assert get_settings().timezone == "Europe/Berlin"
    assert get_settings(timezone="UTC").timezone == "UTC"
    monkeypatch.delenv("SHOUTU_TIMEZONE")
    assert Settings().database_url == "sqlite:///shoutu.db"


def test_architecture_names_modules_that_exist() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    paths = set(re.findall(r"`(src/shoutu/[\w/.*]+)`", text))
    assert len(paths) >= 6
    for path in paths:
        if "*" in path:
            assert list(ROOT.glob(path)), path
        else:
            assert (ROOT / path).exists(), path
    rows = re.findall(r"^\| [\w ]+ \| (`src/shoutu/.*?) \| (.*?) \|$", text, re.M)
    assert len(rows) >= 8
    for places, names in rows:
        roots = [ROOT / p for p in re.findall(r"`(src/shoutu/[\w/.]+)`", places)]
        folders = [r for r in roots if r.is_dir()]
        for name in re.findall(r"`([\w/]+\.py|[\w]+/)`", names):
            if name.endswith("/"):  # a folder under the row's folder
                assert any(p.is_dir() for f in folders for p in f.rglob(name[:-1])), name
            else:  # a module: somewhere under the row's folders
                found = [p for f in folders for p in f.rglob(name)] + [
                    r for r in roots if r.name == name or (r.parent / name).exists()
                ]
                assert found, name
