"""The simulated users of ``web_load.py`` (run by locust, in locust's own environment):
half a commander of the city, half a community worker of one district, each with a session
opened before the run. ``FastHttpUser`` (geventhttpclient): on a machine the server shares,
the load generator's own CPU is taken from the server, and this client spends a fraction of
what ``HttpUser`` (requests) does per request."""

# mypy: ignore-errors
from __future__ import annotations

import os
import random

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

CASES = int(os.environ.get("BENCH_CASES", "1000"))
DISTRICT = os.environ.get("BENCH_DISTRICT", "")
#: "token:0,token:1,…": a session per simulated user (1: a district's reader, 0: the city's)
SESSIONS = iter(
    [pair.split(":") for pair in os.environ.get("BENCH_SESSIONS", "").split(",") if pair]
)


class Reader(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        token, local = next(SESSIONS)  # logged in before the run (argon2 is not timed)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.local = local == "1"  # a district's reader: most random cases are not theirs

    @task(3)
    def case_list(self) -> None:
        first = self.client.get("/api/v1/cases?limit=50", name="/api/v1/cases", headers=self.auth)
        cursor = first.json().get("next_cursor") if first.ok else None
        if cursor and random.random() < 0.5:
            self.client.get(
                f"/api/v1/cases?limit=50&cursor={cursor}",
                name="/api/v1/cases?cursor",
                headers=self.auth,
            )

    @task(1)
    def district_list(self) -> None:
        self.client.get(
            f"/api/v1/cases?limit=50&region={DISTRICT}",
            name="/api/v1/cases?region",
            headers=self.auth,
        )

    @task(3)
    def case_page(self) -> None:
        case_id = random.randint(1, CASES)
        with self.client.get(
            f"/cases/{case_id}", name="/cases/{id}", headers=self.auth, catch_response=True
        ) as r:
            if r.status_code == 404 and self.local:
                r.success()  # outside the district: 404 is the right answer

    @task(1)
    def case_detail(self) -> None:
        case_id = random.randint(1, CASES)
        with self.client.get(
            f"/api/v1/cases/{case_id}",
            name="/api/v1/cases/{id}",
            headers=self.auth,
            catch_response=True,
        ) as r:
            if r.status_code == 404 and self.local:
                r.success()
