"""Lists as Excel (trust issue, item 23): every --output takes .xlsx (the provenance on its own
sheet), importers take .xlsx (bad cells named by row and field, the sheet's row as the line),
too many rows for a sheet is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.errors import BadRequest, InputError
from shoutu.io import excel
from shoutu.io.provenance import read_provenance, write_table
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.checkins import import_checkins
from shoutu.services.registry.imports.specs import import_file


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_outputs_as_excel(tmp_path: Path) -> None:
    series = tmp_path / "cases.csv"
    series.write_text("date,cases\n" + "".join(f"2022-03-{d:02d},{d}\n" for d in range(1, 21)))
    out = tmp_path / "rt.xlsx"
    result = CliRunner().invoke(
        app, ["rt", str(series), "--si-mean", "3", "--si-sd", "1", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out, read_only=True)
    rows = list(book["data"].iter_rows(values_only=True))
    assert rows[0][:4] == ("t_start", "t_end", "date_start", "date_end") and len(rows) == 14
    assert read_provenance(out)["command"] == "rt"


def test_too_many_rows_for_a_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    with pytest.raises(BadRequest, match="more than an Excel sheet holds"):
        write_table(tmp_path / "big.xlsx", {"a": [1, 2, 3, 4]}, {})


def test_importers_take_excel(ctx: ServiceContext, tmp_path: Path) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    import_file(ctx, "places", DATA / "places.csv")
    people = _workbook(
        tmp_path / "people.xlsx",
        [
            ["person_id", "name", "sex", "birth_date", "home_region_code"],
            [1, "王芳", "female", dt.date(1990, 5, 1), "3101010020010001"],
            [2, "李强", "male", "1985-02-03", "3101010020010001"],
            [None, None, None, None, None],  # a blank row is left out
            [3, "赵敏", "female", "someday", "3101010020010001"],
        ],
    )
    with pytest.raises(InputError) as refused:
        import_file(ctx, "people", people)
    (line,) = refused.value.report.lines()
    assert line.startswith(f"{people}, row 3 (line 5), field birth_date: 'someday' is not a date")
    fixed = _workbook(
        tmp_path / "fixed.xlsx",
        [
            ["person_id", "name", "sex", "birth_date", "home_region_code"],
            [1, "王芳", "female", dt.date(1990, 5, 1), "3101010020010001"],
            [2, "李强", "male", "1985-02-03", "3101010020010001"],
        ],
    )
    assert import_file(ctx, "people", fixed).inserted == 2
    visits = _workbook(
        tmp_path / "checkins.xlsx",
        [
            ["person_id", "place_id", "t_in", "t_out"],
            [1, 1, dt.datetime(2022, 4, 1, 8, 0), dt.datetime(2022, 4, 1, 9, 0)],
            [2, 1, "2022-04-01T08:30", None],
        ],
    )
    batch = import_checkins(ctx, visits)
    assert (batch.new, batch.dwell_filled) == (2, 1)
    late = _workbook(  # the column reader names the sheet's own line too
        tmp_path / "late.xlsx",
        [
            ["person_id", "place_id", "t_in", "t_out"],
            [1, 1, dt.datetime(2022, 4, 2, 8, 0), dt.datetime(2022, 4, 2, 9, 0)],
            [None, None, None, None],
            [2, 1, "soon", None],
        ],
    )
    with pytest.raises(InputError) as refused:
        import_checkins(ctx, late)
    (line,) = refused.value.report.lines()
    assert "row 2 (line 4), field t_in" in line, line


def test_text_like_a_formula_stays_text(tmp_path: Path) -> None:
    """A name such as =HYPERLINK(...) in a list is written as text: Excel shows it, never
    runs it; the value reads back as it was."""
    out = tmp_path / "list.xlsx"
    text = '=HYPERLINK("http://example.org","click")'
    write_table(out, {"name": [text, "+86 138"]}, {})
    book = load_workbook(out)
    cells = [row[0] for row in book["data"].iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s", "s"]
    assert [c.value for c in cells] == [text, "+86 138"]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (["person_id", "name", "name"], "column 'name' appears twice in the header"),
        (["person_id", None, "name"], "the header has an empty column name"),
    ],
)
def test_a_header_must_name_each_column_once(
    ctx: ServiceContext, tmp_path: Path, header: list[object], reason: str
) -> None:
    book = _workbook(tmp_path / "people.xlsx", [header, [1, "王芳", "王芳"]])
    with pytest.raises(InputError) as refused:
        import_file(ctx, "people", book)
    assert refused.value.report.lines() == [f"{book}: {reason}"]
    visits = _workbook(tmp_path / "checkins.xlsx", [["person_id", "place_id", "place_id"]])
    with pytest.raises(InputError) as refused:
        import_checkins(ctx, visits)
    assert refused.value.report.lines() == [
        f"{visits}: column 'place_id' appears twice in the header"
    ]
