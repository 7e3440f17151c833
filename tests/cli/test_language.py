"""What people read (trust issue, item 25): help keeps its bracketed words (no Rich markup
eats them), and terminal text is in SHOUTU_LANG — zh, en or both — while JSON keeps English
codes and keys in every language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file

CJK = re.compile(r"[\u4e00-\u9fff]")
runner = CliRunner()


def test_help_keeps_bracketed_words() -> None:
    text = runner.invoke(app, ["screening", "campaign", "--help"]).stdout
    assert "Rounds [the protocol's]" in text
    detect = runner.invoke(app, ["detect", "--help"]).stdout
    assert "[defaults] are R's for the method" in " ".join(detect.split())


@pytest.mark.parametrize("lang", ["zh", "en", "both"])
def test_the_summary_speaks_the_readers_language(
    ctx: ServiceContext, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    monkeypatch.setenv("SHOUTU_LANG", lang)
    text = runner.invoke(app, ["summary"]).stdout
    has_zh, has_en = bool(CJK.search(text)), "People" in text
    assert (has_zh, has_en) == {"zh": (True, False), "en": (False, True), "both": (True, True)}[
        lang
    ]
    data = json.loads(runner.invoke(app, ["summary", "--json"]).stdout)
    assert "people" in data and "farmers_market" in data["places"]  # codes stay English


def test_a_bad_language_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOUTU_LANG", "fr")
    from shoutu.cli.app import main

    with pytest.raises(SystemExit) as done:
        main(["settings"])
    assert done.value.code == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lists_are_headed_and_valued_in_the_readers_language(
    ctx: ServiceContext, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """Not only the summary: the task list's title, headers and status values follow
    SHOUTU_LANG, and its JSON keeps the English codes."""
    import datetime as dt

    from shoutu.domain.vocabulary import TaskKind
    from shoutu.services.audit import writing
    from shoutu.services.supervision.tasks import NewTask, open_tasks

    protocol, _ = ctx.protocol()
    since = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
    with writing(ctx) as unit:
        open_tasks(unit, protocol, [NewTask(TaskKind.REPORT, "cases", 7, "report", since=since)])
    monkeypatch.setenv("SHOUTU_LANG", lang)
    text = runner.invoke(app, ["tasks", "list"]).stdout
    chinese = ("任务", "时限", "待办")
    english = ("Tasks", "due", "Open")
    assert all(w in text for w in (chinese if lang == "zh" else english)), text
    assert not any(w in text for w in (english if lang == "zh" else chinese)), text
    data = json.loads(runner.invoke(app, ["tasks", "list", "--json"]).stdout)
    assert data["tasks"][0]["status"] == "open" and data["tasks"][0]["kind"] == "report"
