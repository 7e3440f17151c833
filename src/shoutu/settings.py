"""The one settings object. Built by :func:`get_settings`, never at import time.

Every setting is read from the environment variable named in its description (prefix
``SHOUTU_``); README.md ("Settings") lists them all, and a test keeps the two in step.
"""

from __future__ import annotations

import getpass
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry
        return "unknown"


class Settings(BaseSettings):
    """shoutu's settings (environment variables ``SHOUTU_*``)."""

    model_config = SettingsConfigDict(env_prefix="SHOUTU_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///shoutu.db",
        description="SHOUTU_DATABASE_URL: the operational store, an SQLAlchemy URL. "
        "Default ./shoutu.db (SQLite); e.g. postgresql+psycopg://user@host/db for PostgreSQL.",
    )
    event_dir: Path = Field(
        default=Path("events"),
        description="SHOUTU_EVENT_DIR: folder of the event store (day-partitioned Parquet).",
    )
    key_file: Path = Field(
        default=Path("shoutu.key"),
        description="SHOUTU_KEY_FILE: file holding the key that encrypts and hashes personal "
        "data; `shoutu init` creates it (mode 0600).",
    )
    key: str | None = Field(
        default=None,
        description="SHOUTU_KEY: the same key given directly (base64 of 32 bytes); "
        "takes precedence over the key file.",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="SHOUTU_TIMEZONE: IANA zone for naive input timestamps and protocol days.",
    )
    protocol_dir: Path | None = Field(
        default=None,
        description="SHOUTU_PROTOCOL_DIR: folder of city protocol variants (NAME.toml files "
        "that may `extends` a built-in protocol).",
    )
    protocol: str = Field(
        default="cn-9th-2022",
        description="SHOUTU_PROTOCOL: the protocol in force when a command is not given one.",
    )
    signals_config: Path | None = Field(
        default=None,
        description="SHOUTU_SIGNALS_CONFIG: TOML file of the detectors `signals run` uses "
        "([[detector]] channel, method, level); default: EARS C2 per district on reported "
        "cases, ILI visits, fever-medicine sales and antigen positives.",
    )
    busy_timeout: float = Field(
        default=10.0,
        gt=0,
        description="SHOUTU_BUSY_TIMEOUT: seconds a writer waits for another writer to finish "
        "(SQLite's write lock) before it gives up with 'the store is busy; nothing was "
        "written'.",
    )
    plausible_dates: str = Field(
        default="2000-01-01..tomorrow",
        description="SHOUTU_PLAUSIBLE_DATES: the dates imported events (results, check-ins, "
        "cases, measures, series) may fall on, FROM..TO with ISO dates or today/tomorrow; a "
        "value outside is refused by row and field unless the import allows older dates.",
    )
    duckdb_memory_limit: str = Field(
        default="4GB",
        description="SHOUTU_DUCKDB_MEMORY_LIMIT: the most memory DuckDB may use for one "
        "query over files (trace, trajectories); it spills to disk beyond.",
    )
    spark_master: str = Field(
        default="local[*]",
        description="SHOUTU_SPARK_MASTER: where `--engine spark` runs (a Spark master URL; "
        "default a local session on every core).",
    )
    debug: bool = Field(
        default=False,
        description="SHOUTU_DEBUG: show the traceback of an internal error (as --debug does); "
        "otherwise a bug prints one line.",
    )
    purpose_min_length: int = Field(
        default=10,
        ge=1,
        description="SHOUTU_PURPOSE_MIN_LENGTH: the shortest stated purpose that reveals "
        "personal data (a Chinese character counts two), so that a purpose is a sentence, "
        "not `x`.",
    )
    lang: Literal["zh", "en", "both"] = Field(
        default="both",
        description="SHOUTU_LANG: the language of what people read at a terminal: zh, en or "
        "both (Chinese then English); CSV, JSON and Parquet keep English codes and keys.",
    )
    task_daily_cap: int | None = Field(
        default=None,
        ge=1,
        description="SHOUTU_TASK_DAILY_CAP: at most this many automatic tasks of one kind "
        "(recalls, confirmations, investigations, contact control, symptom tests, signal "
        "responses, reports) open per local day; beyond it, the items join one summary task "
        "of that kind and day, so that a flood does not bury people (default: no cap).",
    )
    password_min_length: int = Field(
        default=12,
        ge=8,
        description="SHOUTU_PASSWORD_MIN_LENGTH: the shortest password a web user may be "
        "given (`users add`, `users reset-password`).",
    )
    argon2_time_cost: int = Field(
        default=3,
        ge=1,
        description="SHOUTU_ARGON2_TIME_COST: argon2id passes when hashing a password (with "
        "the memory below, about 0.25 s a login on 2 cores); tests lower it.",
    )
    argon2_memory_kib: int = Field(
        default=65536,
        ge=8,
        description="SHOUTU_ARGON2_MEMORY_KIB: argon2id memory per password hash, in KiB.",
    )
    session_hours: float = Field(
        default=12.0,
        gt=0,
        description="SHOUTU_SESSION_HOURS: how long a web login (cookie or bearer token) "
        "lasts; logging out or disabling the user ends it sooner.",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="SHOUTU_LOGIN_MAX_FAILURES: wrong passwords in a row that lock a user out "
        "for SHOUTU_LOGIN_LOCKOUT_MINUTES.",
    )
    login_lockout_minutes: float = Field(
        default=15.0,
        gt=0,
        description="SHOUTU_LOGIN_LOCKOUT_MINUTES: how long a locked-out user must wait.",
    )
    login_rate_per_minute: int = Field(
        default=20,
        ge=1,
        description="SHOUTU_LOGIN_RATE_PER_MINUTE: login attempts one client address may make "
        "in a minute (the web app answers 429 beyond, whatever the user names).",
    )
    cookie_secure: bool = Field(
        default=False,
        description="SHOUTU_COOKIE_SECURE: send the session cookie only over HTTPS (set it "
        "when `shoutu serve` runs behind a TLS proxy).",
    )
    serial_interval: str = Field(
        default="3.3,2.0",
        description="SHOUTU_SERIAL_INTERVAL: mean,sd in days of the serial interval the "
        "command centre's R_t uses (default: the simulator's emergent Omicron interval).",
    )
    user: str = Field(
        default_factory=_default_user,
        description="SHOUTU_USER: who is acting, recorded in every audit event and "
        "updated_by column (default: the OS login name).",
    )

    @field_validator("plausible_dates")
    @classmethod
    def _window(cls, value: str) -> str:
        import datetime as dt

        from shoutu.domain.timeutil import parse_window

        parse_window(value, dt.date.today())  # a ValueError saying what is wrong
        return value

    @field_validator("serial_interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        parts = value.split(",")
        try:
            mean, sd = (float(p) for p in parts)
        except ValueError:
            raise ValueError("expected mean,sd in days, e.g. 3.3,2.0") from None
        if not (mean > 1 and sd > 0):
            raise ValueError("the mean must exceed 1 day and the sd be positive")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (expected an IANA name)") from None
        return value


def get_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]


def shown_values(settings: Settings) -> dict[str, str | None]:
    """{variable: value as printed} of every setting, secrets hidden: the key only as
    "(set)", a database URL's password as ***."""
    shown: dict[str, str | None] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name == "key":
            value = "(set)" if value else None
        elif name == "database_url":
            value = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(value))
        shown[f"SHOUTU_{name.upper()}"] = None if value is None else str(value)
    return shown


def settings_doc() -> list[tuple[str, str]]:
    """(environment variable, description) for every setting, in declaration order."""
    rows = []
    for name, field in Settings.model_fields.items():
        env = f"SHOUTU_{name.upper()}"
        text = field.description or ""
        rows.append((env, text.split(": ", 1)[1] if text.startswith(env) else text))
    return rows
