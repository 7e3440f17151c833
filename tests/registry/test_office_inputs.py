"""Input a Chinese office sends (trust issue, item 24): GBK/GB18030 CSV (named, and read with
--encoding), dd/mm/yyyy dates (a --date-format hint, and 687 alike rows reported as three and
a count), headers differing in case or spaces ("did you mean")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.errors import InputError
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.checkins import import_checkins
from shoutu.services.registry.imports.specs import import_file

REGIONS = "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,City\n"


def test_a_gbk_file_is_named_and_read_with_its_encoding(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    path = tmp_path / "regions.csv"
    path.write_bytes(REGIONS.encode("gb18030"))
    with pytest.raises(InputError) as refused:
        import_file(ctx, "regions", path)
    (line,) = refused.value.report.lines()
    assert line.startswith(f"{path}: is not UTF-8 text")
    assert "it reads as GB18030" in line and line.endswith("(encoding)")
    assert import_file(ctx, "regions", path, encoding="gb18030").inserted == 2
    checkins = tmp_path / "checkins.csv"
    checkins.write_bytes("人员,场所,进入,离开\n1,1,2022-04-01T08:00,\n".encode("gbk"))
    with pytest.raises(InputError) as columnar:
        import_checkins(ctx, checkins)
    assert "it reads as GB18030" in columnar.value.report.lines()[0]


def test_day_month_dates_say_which_format_once(ctx: ServiceContext, tmp_path: Path) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    path = tmp_path / "people.csv"
    rows = "".join(f"{1000 + i},female,23/0{1 + i % 9}/1980\n" for i in range(687))
    path.write_text("person_id,sex,birth_date\n" + rows)
    with pytest.raises(InputError) as refused:
        import_file(ctx, "people", path)
    lines = refused.value.report.lines()
    assert len(lines) == 4  # three of the 687, then how many more
    assert "'23/01/1980' is not a date (expected YYYY-MM-DD); it looks like %d/%m/%Y" in lines[0]
    assert lines[0].endswith("(date_format)")
    assert lines[3] == f"{path}, field birth_date: 684 more rows with the same problem"
    assert refused.value.report.count == 687
    assert import_file(ctx, "people", path, date_format="%d/%m/%Y").inserted == 687


def test_a_header_near_a_required_column_is_suggested(ctx: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text("Code,Name ZH\n310000000000,上海市\n")
    with pytest.raises(InputError) as refused:
        import_file(ctx, "regions", path)
    assert refused.value.report.lines() == [
        f"{path}, field code: required column is missing (did you mean 'Code'?)",
        f"{path}, field name_zh: required column is missing (did you mean 'Name ZH'?)",
    ]


def test_the_cli_spells_the_options(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "regions.csv"
    path.write_bytes(REGIONS.encode("gb18030"))
    runner = CliRunner()
    refused = runner.invoke(app, ["import", "regions", str(path)])
    assert refused.exit_code == 1 and "give that encoding (--encoding)" in refused.stderr
    done = runner.invoke(app, ["import", "regions", str(path), "--encoding", "gbk"])
    assert done.exit_code == 0, done.output
    unknown = runner.invoke(app, ["import", "regions", str(path), "--encoding", "klingon"])
    assert unknown.exit_code == 2 and "unknown --encoding 'klingon'" in unknown.stderr


def test_a_byte_order_mark_is_not_part_of_the_header(ctx: ServiceContext, tmp_path: Path) -> None:
    """Excel's 'CSV UTF-8' starts with a byte-order mark; naming the encoding utf-8 reads the
    file as it does without the option."""
    path = tmp_path / "regions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "regions.csv").read_bytes())
    for encoding in (None, "utf-8", "UTF8"):
        result = import_file(ctx, "regions", path, encoding=encoding)
        assert result.inserted + result.unchanged > 0, encoding
