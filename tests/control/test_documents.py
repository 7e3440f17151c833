"""An episode's documents (issue 14): the quarantine order (隔离通知书) and the release
certificate (解除隔离证明) as PDF, Chinese then English, the text embedded and extractable; the
person masked without a purpose and shown with one (the read audited with it); a certificate
only for a released episode; the same document renders to the same bytes."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_episodes import CONTACTS, _contacts, registry
from test_release import _one, _results
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.vocabulary import DocumentKind
from shoutu.errors import BadRequest, InvalidTransition
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.contacts import import_contacts
from shoutu.services.control.documents import issue, issue_document
from shoutu.services.control.release import run_release

ISSUED = dt.date(2022, 7, 2)
PURPOSE = "quarantine order handed to the contact at the hotel"


def _text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def _has(text: str, phrase: str) -> bool:
    """Whether the PDF's text shows ``phrase`` (lines may wrap anywhere: whitespace aside)."""
    return "".join(phrase.split()) in "".join(text.split())


def _close_contact(ctx: ServiceContext, tmp_path: Path) -> dict[str, Any]:
    """1003 (王小明), a cn-9th close contact of case 7: 7 days centralised from 1 July 10:00
    (tests 2, 3, 4, 6, 8 July), then 3 days health monitoring (test 11 July)."""
    registry(ctx, tmp_path)
    import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="cn-9th-2022")
    return _one(ctx, 1003, "centralised")


def _released_isolation(ctx: ServiceContext, tmp_path: Path) -> dict[str, Any]:
    """1005 (陈静, no identifier on record) tests positive on 3 July, an asymptomatic case 9 in a
    makeshift hospital (isolated from 15:00) and is released on 10 July 16:00
    on samples R2 (Ct 35 on both genes) and R4 (negative, 25 h later)."""
    registry(ctx, tmp_path)
    _results(
        ctx,
        tmp_path,
        "positive",
        ["P1,TP1,1,1005,2022-07-03T09:00,2022-07-03T15:00,pcr,positive,24.0,25.0"],
    )
    _results(
        ctx,
        tmp_path,
        "pair",
        [
            "R2,TR2,1,1005,2022-07-09T09:00,2022-07-09T15:00,pcr,positive,35.0,35.0",
            "R4,TR4,1,1005,2022-07-10T10:00,2022-07-10T16:00,pcr,negative,,",
        ],
    )
    [released] = run_release(ctx, date=dt.date(2022, 7, 10)).released
    assert released["samples"] == ("R2", "R4")
    return _one(ctx, 1005, "isolation")


def test_an_order_shows_the_stages_and_test_days_in_both_languages_masked(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episode = _close_contact(ctx, tmp_path)
    out = tmp_path / "order.pdf"
    [done] = issue(
        ctx, episode_id=episode["episode_id"], kind=DocumentKind.ORDER, out=out, issued=ISSUED
    )
    data = done.data
    assert data["number"] == f"GLTZ-{episode['episode_id']:08d}"
    assert data["person"] == {
        "person_id": 1003,
        "name": "王**",
        "id_type": "resident_id",
        "id_number": "310***********013X",
        "masked": True,
    }
    assert [s["kind"] for s in data["stages"]] == ["centralised", "health_monitoring"]
    assert data["stages"] == episode["stages"]
    assert data["reason"]["zh"] == "病例 7 的密切接触者（家庭，末次暴露 2022-07-01）"
    assert data["protocol"]["title_zh"] == "新型冠状病毒肺炎防控方案（第九版）"
    assert data["issuer"] == {"zh": "黄浦区", "en": "Huangpu District"}
    text = _text(out)
    assert text.index("隔离通知书") < text.index("Quarantine order")  # Chinese first
    for shown in (
        "310***********013X",
        "王**",
        "病例 7 的密切接触者",
        "close contact of case 7",
        "新型冠状病毒肺炎防控方案（第九版）",
        "COVID-19 Prevention and Control Protocol (9th edition)",
        "集中隔离",
        "居家健康监测",
        "Centralised quarantine",
        "Health monitoring",
        "2022-07-02 09:00",  # start: control begins at identification
        "2022-07-08 10:00",  # the centralised stage's end
        "2022-07-11 10:00",  # the planned end
        "签发单位：黄浦区",
        "Issued by: Huangpu District",
        "2022-07-02",
    ):
        assert _has(text, shown), shown
    # each stage's test days, in each language's table (a cell may wrap)
    assert _has(text, "2022-07-02、2022-07-03、2022-07-04、2022-07-06、2022-07-08")
    assert _has(text, "2022-07-02, 2022-07-03, 2022-07-04, 2022-07-06, 2022-07-08")
    assert text.count("2022-07-11") >= 4  # planned end and the monitoring test, twice each
    assert "王小明" not in text and "31010119820311013X" not in text
    newest = recent(ctx, entity="people", entity_id="1003")[0]  # the masked read, audited
    assert (newest["action"], newest["detail"]) == ("read", f"Quarantine order {data['number']}")
    # in Chinese only, or English only
    zh = issue_document(
        ctx, episode["episode_id"], kind=DocumentKind.ORDER, lang="zh", out=tmp_path / "zh.pdf"
    )
    assert "隔离通知书" in _text(zh.path) and "Quarantine order" not in _text(zh.path)
    en = issue_document(
        ctx, episode["episode_id"], kind=DocumentKind.ORDER, lang="en", out=tmp_path / "en.pdf"
    )
    assert "Quarantine order" in _text(en.path) and "隔离通知书" not in _text(en.path)


def test_a_purpose_shows_the_name_and_number_and_the_trail_keeps_it(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episode = _close_contact(ctx, tmp_path)
    out = tmp_path / "shown.pdf"
    done = issue_document(
        ctx, episode["episode_id"], kind=DocumentKind.ORDER, out=out, purpose=PURPOSE
    )
    assert done.data["person"]["name"] == "王小明"
    assert done.data["person"]["masked"] is False
    text = _text(out)
    assert "王小明" in text and "31010119820311013X" in text
    newest = recent(ctx, entity="people", entity_id="1003")[0]
    assert (newest["action"], newest["detail"]) == ("read_pii", PURPOSE)
    [event] = recent(ctx, entity="documents")
    assert event["entity_id"] == done.data["number"] and event["action"] == "create"
    assert event["after"]["episode_id"] == episode["episode_id"]
    assert event["after"]["revealed"] is True and event["after"]["sha256"] == done.sha256
    assert PURPOSE in event["detail"]
    # a purpose too short to say why is refused, and nothing is issued
    with pytest.raises(BadRequest):
        issue_document(ctx, episode["episode_id"], kind=DocumentKind.ORDER, purpose="x")
    assert len(recent(ctx, entity="documents")) == 1


def test_a_release_certificate_shows_the_period_samples_and_follow_up(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    isolation = _released_isolation(ctx, tmp_path)
    out = tmp_path / "release.pdf"
    done = issue_document(
        ctx, isolation["episode_id"], kind=DocumentKind.RELEASE, out=out, issued=ISSUED
    )
    data = done.data
    assert data["number"] == f"JCGL-{isolation['episode_id']:08d}"
    assert data["start"] == "2022-07-03T15:00:00+08:00"
    assert data["end"] == "2022-07-10T16:00:00+08:00"
    assert [s["sample_id"] for s in data["samples"]] == ["R2", "R4"]
    assert data["samples"][0]["ct_n"] == 35.0
    assert data["follow_up"]["test_days"] == ["2022-07-13", "2022-07-17"]
    text = _text(out)
    assert text.index("解除隔离证明") < text.index("Release certificate")
    for shown in (
        "2022-07-03 15:00",
        "2022-07-10 16:00",
        "R2 2022-07-09 09:00",
        "R4 2022-07-10 10:00",
        "Ct N 35",
        "无症状感染者（病例 9）",
        "an asymptomatic infection (case 9)",
        "方舱医院",
        "Makeshift hospital",
        "连续 2 次核酸检测（采样间隔 ≥ 24 小时）阴性或 N、ORF1ab 基因 Ct 值均 ≥ 35",
        "each negative or with Ct ≥ 35 on N and ORF1ab",
        "2022-07-17 16:00",  # post-release monitoring's end
        "陈*",  # 1005, masked (she has no identifier on record)
    ):
        assert _has(text, shown), shown


def test_a_released_quarantine_is_certified_on_its_test_day_samples(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episode = _close_contact(ctx, tmp_path)
    days = ["02", "03", "04", "06", "08", "11"]
    _results(
        ctx,
        tmp_path,
        "quarantine",
        [f"C{d},T{d},1,1003,2022-07-{d}T08:00,2022-07-{d}T09:30,pcr,negative,," for d in days],
    )
    run_release(ctx, date=dt.date(2022, 7, 8))
    run_release(ctx, date=dt.date(2022, 7, 11))
    done = issue_document(
        ctx, episode["episode_id"], kind=DocumentKind.RELEASE, out=tmp_path / "q.pdf"
    )
    # as `control release` read them: the 2 July sample, taken before control began at 09:00,
    # does not count; the next day's negative makes that test day up
    assert [s["sample_id"] for s in done.data["samples"]] == ["C03", "C04", "C06", "C08", "C11"]
    assert [m["kind"] for m in done.data["measures"]] == ["centralised", "health_monitoring"]
    assert done.data["follow_up"] is None
    assert _has(_text(done.path), "2022-07-02 09:00 至 2022-07-11 10:00")


def test_a_certificate_for_an_active_episode_is_refused(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    episode = _close_contact(ctx, tmp_path)
    with pytest.raises(InvalidTransition, match="not released"):
        issue_document(ctx, episode["episode_id"], kind=DocumentKind.RELEASE)
    out = tmp_path / "no.pdf"
    command = ["control", "document", str(episode["episode_id"]), "--kind", "release"]
    refused = CliRunner().invoke(app, [*command, "--out", str(out)])
    assert refused.exit_code == 5, refused.output
    assert "Traceback" not in refused.output and "not released" in refused.stderr
    assert not out.exists() and recent(ctx, entity="documents") == []
    shown = CliRunner().invoke(app, [*command, "--json"])
    assert shown.exit_code == 5
    assert json.loads(shown.stdout)["code"] == "invalid_transition"
    missing = CliRunner().invoke(app, ["control", "document", "424242", "--kind", "order"])
    assert missing.exit_code == 4


def test_the_same_document_renders_to_the_same_bytes(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    episode = _close_contact(ctx, tmp_path)
    paths = [tmp_path / "one.pdf", tmp_path / "two.pdf"]
    runs = [
        CliRunner().invoke(
            app,
            [
                "control",
                "document",
                str(episode["episode_id"]),
                "--kind",
                "order",
                "--issued",
                "2022-07-02",
                "--out",
                str(path),
                "--json",
            ],
        )
        for path in paths
    ]
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output
    shown = [json.loads(r.stdout) for r in runs]
    assert shown[0]["path"] == str(paths[0])
    assert shown[0]["document"] == shown[1]["document"]
    assert shown[0]["document"]["stages"][0]["test_days"][0] == "2022-07-02"
    assert paths[0].read_bytes() == paths[1].read_bytes()
    reader = PdfReader(paths[0])
    assert reader.metadata is not None and reader.metadata.creation_date is not None
    assert reader.metadata.creation_date.date() == dt.date(2022, 7, 2)
    assert len(recent(ctx, entity="documents")) == 2  # each issue is audited


def test_every_certificate_of_a_day(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    isolation = _released_isolation(ctx, tmp_path)
    folder = tmp_path / "certificates"
    base = ["control", "document", "--all-released", "--out-dir", str(folder), "--json"]
    done = CliRunner().invoke(app, [*base, "--date", "2022-07-10"])
    assert done.exit_code == 0, done.output
    [certificate] = json.loads(done.stdout)["documents"]
    assert certificate["document"]["episode_id"] == isolation["episode_id"]
    assert Path(certificate["path"]) == folder / f"JCGL-{isolation['episode_id']:08d}.pdf"
    assert "解除隔离证明" in _text(Path(certificate["path"]))
    none = CliRunner().invoke(app, [*base, "--date", "2022-07-09"])
    assert json.loads(none.stdout)["documents"] == []
    both = CliRunner().invoke(app, [*base, "--date", "2022-07-10", "--kind", "order"])
    assert both.exit_code == 2 and "--kind" in both.stderr


def test_the_words_of_an_arrival_a_hotel_the_responsible_parties_and_a_who_rule() -> None:
    from shoutu.protocols.loader import ProtocolRegistry
    from shoutu.services.control.document_text import issuer, reason, release_rule, site

    row: dict[str, Any] = {
        "reason": "arrival 3",
        "kind": "centralised",
        "stages": None,
        "site": None,
        "resp_region": "310101000000",
        "resp_department": None,
        "resp_unit": "黄浦区疾控中心",
        "resp_person": "李四",
    }
    arrival = {"arrival_time": "2022-07-01 10:00", "origin_country": "SG"}
    assert reason(row, None, None, arrival, str) == {
        "zh": "入境人员（2022-07-01 10:00 入境，来自 SG）",
        "en": "an inbound traveller (arrived 2022-07-01 10:00 from SG)",
    }
    assert reason(row, None, None, None, str) == {"zh": "arrival 3", "en": "arrival 3"}
    district = {"name_zh": "黄浦区", "name_en": "Huangpu District"}
    assert issuer(row, district) == {
        "zh": "黄浦区疾控中心，黄浦区，责任人 李四",
        "en": "黄浦区疾控中心, Huangpu District, officer 李四",
    }
    assert site(row, {"name": "外滩酒店"}) == {"zh": "外滩酒店", "en": "外滩酒店"}
    assert site(row, None)["en"] == "Centralised facility"  # implied by the kind
    assert site({**row, "site": "makeshift_hospital"}, None)["zh"] == "方舱医院"
    who = ProtocolRegistry(None).load("who-2021")
    assert release_rule(who, True)["en"] == (
        "10 days after onset (or isolation); 3 days without symptoms; at least 10 days of isolation"
    )
