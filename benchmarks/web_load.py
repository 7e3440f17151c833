"""Benchmark: the web app under load — the case list and the case page with N cases (default
1,000,000) in PostgreSQL, U concurrent users (default 50), driven by locust on loopback.

Seeding (once per invocation, timed apart): a one-day simulator run gives Demo City's regions,
places and N people (synthetic identities); the product's importers load them and then a line
list of N cases, one per person (report times spread over 120 days; half name their region,
half fall back to the person's home, as jurisdiction and filters read them), into a
PostgreSQL 15 server started for the run (loopback, fsync off as in the tests), then VACUUM
(ANALYZE) as after any bulk load; the demo's web users.

Load: ``shoutu serve --workers W`` (uvicorn) over that store; locust (headless, ``--users U``,
spawn rate U/2 per second, ``--seconds`` per run, after ``--warmup`` seconds of the same load
not measured: the first minute after the bulk load ran 3-6x slower, its pages not yet cached)
with a wait of 0.5-1.5 s between a user's requests (locust's ``FastHttpUser``). Each
simulated user has a session opened before the runs (argon2 is not timed), half the city's
commander's, half the district's community worker's, and asks, by weight: the case list (3:
its first page; half the time also the next page by cursor), a district's case list (1), a
random case's page (3, HTML: timeline, masked person, contacts page) and its API detail (1).
Prints p50/p95/p99 (ms) and requests/s per request kind, medians of ``--runs`` runs against
the same server. Goal: p95 under 200 ms. Peer: SORMAS users report 20-30 s per
case list at 300,000 cases (the issue's figure; SORMAS does not run on this machine).

Locust is a peer tool, not a dependency: ``python -m venv /tmp/locustenv &&
/tmp/locustenv/bin/pip install locust``; pass ``--locust /tmp/locustenv/bin/locust``.

    python benchmarks/web_load.py [--cases 1000000] [--users 50] [--seconds 60] [--runs 3]
        [--workers 2] [--warmup 30]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SHOUTU = Path(sys.executable).with_name("shoutu")
HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "_web_locust.py"
GOAL_MS = 200.0
KINDS = (
    "/api/v1/cases",
    "/api/v1/cases?cursor",
    "/api/v1/cases?region",
    "/cases/{id}",
    "/api/v1/cases/{id}",
)


def seed(work: Path, url: str, cases: int) -> tuple[dict[str, str], dict[str, Any], float]:
    """A store with the city and ``cases`` cases: its environment, the demo's web users by
    role, the seconds it took."""
    from shoutu.errors import ValidationReport
    from shoutu.services.context import open_context
    from shoutu.services.registry.imports.batch import import_table
    from shoutu.services.registry.imports.specs import SPECS, import_file
    from shoutu.services.simulation.demo import demo_users
    from shoutu.services.simulation.importer import simulation_tables
    from shoutu.services.store_setup import init_store
    from shoutu.settings import get_settings
    from shoutu.sim.engine import run_config, simulate

    start = time.perf_counter()
    city = work / "city"
    simulate(run_config(people=cases, days=1, seed=1, scenario="none"), city)
    settings = get_settings(database_url=url, key_file=work / "shoutu.key")
    init_store(settings)
    ctx = open_context(settings)
    tables = dict(simulation_tables(city))
    for kind in ("regions", "places", "people"):
        import_table(ctx, SPECS[kind], tables[kind])
        print(f"  imported {kind} ({time.perf_counter() - start:.0f} s)", flush=True)
    homes = []
    for chunk in tables["people"].chunks(100_000, ValidationReport()):
        homes += [(row["person_id"], row["home_region_code"]) for _, _, row in chunk]
    rng = random.Random(1)
    first = dt.datetime(2022, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    path = work / "cases.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "case_id",
                "person_id",
                "classification",
                "origin",
                "channel",
                "found_in_control",
                "region_code",
                "report_time",
                "protocol",
            ]
        )
        for case_id, (person, home) in enumerate(homes, start=1):
            report = first + dt.timedelta(seconds=rng.randrange(120 * 86400))
            writer.writerow(
                [
                    case_id,
                    person,
                    "confirmed" if rng.random() < 0.8 else "asymptomatic",
                    "local",
                    rng.choice(("fever_clinic", "mass_screening", "quarantine_testing")),
                    "true" if rng.random() < 0.7 else "false",
                    (home[:12] if rng.random() < 0.5 else ""),
                    report.isoformat(),
                    "cn-9th-2022",
                ]
            )
    import_file(ctx, "cases", path)
    # what a bulk load is followed by (else autovacuum works through the new rows during the
    # runs, on the same two cores)
    with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    print(f"  imported {len(homes):,} cases ({time.perf_counter() - start:.0f} s)", flush=True)
    users = {u["role"]: u for u in demo_users(ctx)}  # the demo's: a city, a district
    ctx.close()
    env = {
        "SHOUTU_DATABASE_URL": url,
        "SHOUTU_KEY_FILE": str(work / "shoutu.key"),
        "SHOUTU_EVENT_DIR": str(work / "events"),
        "SHOUTU_LOGIN_RATE_PER_MINUTE": "100000",  # every simulated user logs in from loopback
    }
    return env, users, time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    import httpx2

    port = free_port()
    command = [str(SHOUTU), "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/healthz").status_code == 200:
                return proc, base
        except httpx2.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the web app did not start")


def log_in(base: str, logins: dict[str, Any], users: int) -> list[tuple[str, bool]]:
    """A session per simulated user, alternately the city's commander and the district's
    community worker: (bearer token, whether it is the district's)."""
    import httpx2

    sessions = []
    for n in range(users):
        who = logins["community_worker" if n % 2 else "commander"]
        body = {"username": who["username"], "password": who["password"]}
        answer = httpx2.post(f"{base}/api/v1/session", json=body, timeout=60)
        answer.raise_for_status()
        sessions.append((str(answer.json()["token"]), bool(n % 2)))
    return sessions


def load(
    locust: str,
    base: str,
    sessions: list[tuple[str, bool]],
    district: str,
    cases: int,
    seconds: int,
    work: Path,
) -> dict[str, dict[str, float]]:
    """One locust run: {request kind: {p50, p95, p99, rps, requests, failures}}."""
    prefix = work / f"locust-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "BENCH_SESSIONS": ",".join(f"{token}:{local:d}" for token, local in sessions),
        "BENCH_DISTRICT": district,
        "BENCH_CASES": str(cases),
    }
    done = subprocess.run(
        [
            locust,
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(len(sessions)),
            "--spawn-rate",
            str(max(1, len(sessions) // 2)),
            "--run-time",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # its summary tables; shown only when it failed
        text=True,
    )
    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit(f"locust failed:\n{done.stderr}")
    found = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found[row["Name"]] = {
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "rps": float(row["Requests/s"]),
                "requests": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
            }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--warmup", type=int, default=30, help="seconds of load first, not measured (0: none)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--locust", default="/tmp/locustenv/bin/locust")
    args = parser.parse_args()
    if not Path(args.locust).exists():
        print(f"skipped: {args.locust} missing (see this script's docstring)")
        return
    sys.path.insert(0, str(HERE.parent / "tests"))
    import pgserver

    server = pgserver.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            os.chmod(work, 0o755)
            print(f"seeding {args.cases:,} cases into PostgreSQL …", flush=True)
            env, logins, seconds = seed(work, server.url(), args.cases)
            print(
                f"seeded in {seconds:.0f} s; {args.users} users, wait 0.5–1.5 s, "
                f"{args.workers} uvicorn workers, {args.seconds} s per run",
                flush=True,
            )
            proc, base = serve(env, args.workers)
            try:
                sessions = log_in(base, logins, args.users)  # once: argon2 is not timed
                district = logins["community_worker"]["scope"]
                if args.warmup:  # the caches after a bulk load are cold; not measured
                    load(args.locust, base, sessions, district, args.cases, args.warmup, work)
                runs = [
                    load(args.locust, base, sessions, district, args.cases, args.seconds, work)
                    for _ in range(args.runs)
                ]
            finally:
                proc.terminate()
                proc.wait(30)
    finally:
        server.stop()
    print(
        f"{'request':24} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'fail':>5}"
        "   (medians of the runs; p95 runs)"
    )
    for kind in (*KINDS, "Aggregated"):
        shown = [r[kind] for r in runs if kind in r]
        if not shown:
            continue
        med = {k: statistics.median(s[k] for s in shown) for k in shown[0]}
        p95s = ", ".join(f"{s['p95']:.0f}" for s in shown)
        print(
            f"{kind:24} {med['p50']:8.0f} {med['p95']:8.0f} {med['p99']:8.0f} "
            f"{med['rps']:8.1f} {med['failures']:5.0f}   ({p95s})"
        )
    worst = max(statistics.median(r[k]["p95"] for r in runs) for k in KINDS if k in runs[0])
    print(
        f"worst p95 {worst:.0f} ms; goal {GOAL_MS:.0f} ms; ratio to goal {worst / GOAL_MS:.2f}; "
        "SORMAS reported 20,000–30,000 ms per list at 300,000 cases"
    )


if __name__ == "__main__":
    main()
