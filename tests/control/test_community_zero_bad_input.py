"""A bad community-zero file names every problem by row and field, exits 1 and prints no
traceback; options that cannot work exit 2 naming the flag. No store is needed for a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from shoutu.cli.app import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(["control", "community-zero", *args])
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


BAD = (
    "date,region,in_control,community,population\n"
    "2022-05-01,浦东新区,3,1,5681512\n"
    "2022-13-01,浦东新区,3,1,5681512\n"  # row 2: no such month
    "2022-05-02,浦东新区,3,-1,5681512\n"  # row 3: a negative count
    "2022-05-03,浦东新区,2.5,0,5681512\n"  # row 4: not a whole count
    "2022-05-01,浦东新区,0,0,5681512\n"  # row 5: the date again
    "2022-05-04,浦东新区,0,0,100\n"  # row 6: another population
    "2022-05-04,,0,0,\n"  # row 7: no region
)


def test_bad_rows_are_named_by_row_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no store here, and none is needed
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    code, out, err = _run(["--series", str(path)], capsys)
    assert code == 1 and out == ""
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: ")
    assert f"{path}, row 2 (line 3), field date: '2022-13-01' is not a date" in err
    assert f"{path}, row 3 (line 4), field community: '-1' is not a whole count >= 0" in err
    assert f"{path}, row 4 (line 5), field in_control: '2.5' is not a whole count >= 0" in err
    assert f"{path}, row 5 (line 6), field date: 2022-05-01 appears twice" in err
    assert f"{path}, row 6 (line 7), field population: 100 differs from the 5,681,512 given" in err
    assert f"{path}, row 7 (line 8), field region: is empty" in err
    code, out, _ = _run(["--series", str(path), "--json"], capsys)
    assert code == 1
    payload = json.loads(out)
    assert payload["ok"] is False and payload["code"] == "input_error"
    found = {(p["row"], p["field"]) for p in payload["problems"]}
    assert found == {
        (2, "date"),
        (3, "community"),
        (4, "in_control"),
        (5, "date"),
        (6, "population"),
        (7, "region"),
    }
    assert not (tmp_path / "shoutu.db").exists()


def test_a_missing_column_and_an_empty_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "short.csv"
    path.write_text("date,region,Community\n2022-05-01,a,1\n", encoding="utf-8")
    code, _, err = _run(["--series", str(path)], capsys)
    assert code == 1 and "Traceback" not in err
    assert "field in_control: required column is missing" in err
    assert "field community: required column is missing (did you mean 'Community'?)" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("date,region,in_control,community\n", encoding="utf-8")
    code, _, err = _run(["--series", str(empty)], capsys)
    assert code == 1 and "no data rows" in err
    code, _, err = _run(["--series", str(tmp_path / "missing.csv")], capsys)
    assert code == 1 and "file not found" in err


def test_an_excel_file_is_read_and_checked_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["date", "region", "in_control", "community"])
    sheet.append([dt.datetime(2022, 5, 1), "a", 1, 1])
    sheet.append([dt.datetime(2022, 5, 4), "a", 1, 0])
    sheet.append(["soon", "b", 0, 0])
    book.save(tmp_path / "counts.xlsx")
    code, _, err = _run(["--series", str(tmp_path / "counts.xlsx")], capsys)
    assert code == 1 and "row 3 (line 4), field date: 'soon' is not a date" in err
    sheet.delete_rows(4)
    book.save(tmp_path / "counts.xlsx")
    code, out, err = _run(["--series", str(tmp_path / "counts.xlsx"), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["date"] == "2022-05-04" and data["all_zero"] is True
    assert data["regions"][0]["zero_since"] == "2022-05-02"


def test_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("date,region,in_control,community\n2022-05-01,a,0,1\n", encoding="utf-8")
    code, _, err = _run(["--series", str(path), "--date", "May 1"], capsys)
    assert code == 2 and err.strip().splitlines()[-1].startswith("error: --date:")
    code, _, err = _run(["--series", str(path), "--protocol", "us-cdc-2021"], capsys)
    assert code == 2 and "sets no community_zero rule" in err and "--protocol" in err
    code, _, err = _run(["--series", str(path), "--protocol", "cn-99th"], capsys)
    assert code == 1 and "Traceback" not in err  # an unknown protocol: protocol_error


def test_a_day_the_series_does_not_cover_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No data is not zero: a --date before or after the file's days is refused naming the
    days it covers, and a window reaching before its first day is warned of."""
    path = tmp_path / "short.csv"
    path.write_text(
        "date,region,in_control,community\n2022-05-10,a,0,1\n2022-05-12,a,0,0\n",
        encoding="utf-8",
    )
    for day in ("2022-05-01", "2022-06-30"):
        code, _, err = _run(["--series", str(path), "--date", day, "--json"], capsys)
        assert code == 2, err
        assert "covers 2022-05-10 to 2022-05-12" in err and "--date" in err
    code, out, _ = _run(["--series", str(path), "--date", "2022-05-11", "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["all_zero"] is False
    assert any("start before the series' first day 2022-05-10" in w for w in report["warnings"])
