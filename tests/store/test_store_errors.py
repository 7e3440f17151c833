"""The store as a user meets it (trust issue, items 4, 6 and 13): a mistyped --db is refused
instead of creating an empty registry; file commands need no store; a database that is
unsupported, down, empty or busy ends in one line that names no data; a busy store writes
nothing."""

from __future__ import annotations

import datetime as dt
import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from paths import DATA
from shoutu.cli.app import main
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.store_setup import init_store
from shoutu.settings import get_settings
from shoutu.store.tables import Region, table


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOUTU_KEY_FILE", str(tmp_path / "shoutu.key"))
    monkeypatch.setenv("SHOUTU_EVENT_DIR", str(tmp_path / "events"))
    return tmp_path


def test_a_mistyped_db_is_refused_and_not_created(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["summary"], ["import", "regions", str(DATA / "regions.csv")]):
        code, _, err = _run(["--db", "shuotu.db", *args], capsys)
        assert code == 1, err
        assert err.strip().splitlines()[-1] == (
            "error: no store at shuotu.db: run `shoutu init` to create one, or check --db and "
            "SHOUTU_DATABASE_URL"
        )
        assert not (home / "shuotu.db").exists()
    assert _run(["--db", "shuotu.db", "init"], capsys)[0] == 0
    assert (home / "shuotu.db").exists()
    assert _run(["--db", "shuotu.db", "summary", "--json"], capsys)[0] == 0


def test_file_commands_need_no_store(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = home / "cases.csv"
    series.write_text("date,cases\n" + "".join(f"2022-03-{d:02d},{d}\n" for d in range(1, 21)))
    code, out, err = _run(
        ["--db", "nowhere.db", "rt", str(series), "--si-mean", "3", "--si-sd", "1"], capsys
    )
    assert code == 0, err
    assert out.startswith("t_start,t_end")
    code, _, err = _run(
        ["--db", "nowhere.db", "screening", "pool-size", "--prevalence", "0.01"], capsys
    )
    assert code == 0, err
    counts = home / "counts.csv"
    counts.write_text(
        "date,region,count\n" + "".join(f"2022-03-{d:02d},A,{d % 5}\n" for d in range(1, 21))
    )
    cases, groups = home / "chain-cases.csv", home / "groups.csv"
    cases.write_text("case_id,onset_date\na,2022-03-01\nb,2022-03-04\n")
    groups.write_text("case_id,group_type,group_id\na,household,1\nb,household,1\n")
    for args in (
        ["detect", str(counts), "--method", "ears-c2"],
        [
            "chains",
            "--cases",
            str(cases),
            "--groups",
            str(groups),
            "--si-mean",
            "3",
            "--si-sd",
            "1",
        ],
        ["simulate", "--people", "300", "--days", "3", "--out", str(home / "run")],
    ):
        code, _, err = _run(["--db", "nowhere.db", *args], capsys)
        assert code == 0, (args, err)
    assert not (home / "nowhere.db").exists()


def test_unsupported_and_unreachable_databases_are_one_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["--db", "mysql://root:secret@localhost/shoutu", "summary"], capsys)
    assert code == 1
    assert err == "error: unsupported database 'mysql': shoutu runs on sqlite or postgresql\n"
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://nobody:secret@127.0.0.1:{port}/shoutu"
    code, _, err = _run(["--db", url, "summary"], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: cannot reach the database: ") and "secret" not in err


def test_an_empty_postgresql_database_is_not_a_store(
    pg_server: object, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import psycopg

    dsn = f"host=127.0.0.1 port={pg_server.port} user=postgres dbname=postgres"  # type: ignore[attr-defined]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "empty_store"')
        conn.execute('CREATE DATABASE "empty_store"')
    url = pg_server.url("empty_store")  # type: ignore[attr-defined]
    code, _, err = _run(["--db", url, "summary"], capsys)
    assert code == 1
    assert "holds no shoutu store: run `shoutu init`" in err
    assert _run(["--db", url, "init"], capsys)[0] == 0
    assert _run(["--db", url, "summary"], capsys)[0] == 0


def test_a_busy_store_writes_nothing_and_says_so(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = home / "shoutu.db"
    settings = get_settings(database_url=f"sqlite:///{db}", key_file=home / "shoutu.key")
    init_store(settings)
    monkeypatch.setenv("SHOUTU_BUSY_TIMEOUT", "0.3")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        code, _, err = _run(
            ["--db", str(db), "import", "regions", str(DATA / "regions.csv")], capsys
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1
    assert err == (
        "error: the store is busy (another writer holds it past the timeout); nothing was "
        "written, retry\n"
    )
    ctx: ServiceContext = open_context(settings)
    try:
        with ctx.connect() as conn:
            assert conn.execute(select(func.count()).select_from(table(Region))).scalar_one() == 0
    finally:
        ctx.close()
    assert _run(["--db", str(db), "import", "regions", str(DATA / "regions.csv")], capsys)[0] == 0


def test_a_clash_with_stored_rows_is_a_conflict_without_the_data(ctx: ServiceContext) -> None:
    """A write that breaks a constraint (a race the checks could not see) is a Conflict that
    names the rule, never the values (they may be personal data)."""
    from sqlalchemy import insert

    from shoutu.cli.app import _one_line
    from shoutu.errors import Conflict
    from shoutu.store.repositories import meta

    row = {"key": "probe", "value": "张伟 310101198001010114", "updated_by": "t"}
    with ctx.transaction() as conn:
        meta.put(conn, key="probe", value=row["value"], at=dt.datetime.now(dt.UTC), by="t")
    with pytest.raises(Conflict) as clash, ctx.transaction() as conn:
        conn.execute(insert(meta.TABLE).values(**row, updated_at=dt.datetime.now(dt.UTC)))
    text = str(clash.value)
    assert text.startswith("the write clashes with the stored data: ")
    assert "310101198001010114" not in text and "张伟" not in text
    from sqlalchemy import exc

    try:
        with ctx.engine.begin() as conn:
            conn.execute(insert(meta.TABLE).values(**row, updated_at=dt.datetime.now(dt.UTC)))
    except exc.IntegrityError as raw:
        line = _one_line(raw)
        assert "\n" not in line and "310101198001010114" not in line and "张伟" not in line
        assert "310101198001010114" in str(raw)  # what SQLAlchemy would have printed


def test_stores_and_folders_that_cannot_be_used_are_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a database, a schema newer than this shoutu, a folder that cannot be written: each
    one `error:` line (exit 1), never an internal error; `settings` hides the password."""
    (home / "notes.db").write_text("minutes of the Tuesday meeting\n" * 10)
    code, _, err = _run(["--db", "notes.db", "summary"], capsys)
    assert code == 1 and "internal error" not in err
    assert err.strip().startswith("error: the file is not a shoutu store (not an SQLite database)")
    assert _run(["init"], capsys)[0] == 0
    with sqlite3.connect(home / "shoutu.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00d'")
    code, _, err = _run(["summary"], capsys)
    assert (code, err.strip()) == (
        1,
        "error: the store's schema (revision f00d) is newer than this shoutu knows; upgrade "
        "shoutu to use it (nothing was changed)",
    )
    code, _, err = _run(["simulate", "--people", "200", "--days", "2", "--out", "/proc/x"], capsys)
    assert code == 1 and err.strip().startswith("error: cannot use /proc")
    monkeypatch.setenv("SHOUTU_DATABASE_URL", "://")
    code, _, err = _run(["summary"], capsys)
    assert code == 1 and err.strip().startswith("error: the database URL cannot be read")
    monkeypatch.setenv("SHOUTU_DATABASE_URL", "postgresql+psycopg://alice:s3cret@db/shoutu")
    code, out, _ = _run(["settings"], capsys)
    assert code == 0 and "alice:***@db" in out and "s3cret" not in out
