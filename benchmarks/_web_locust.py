"""The simulated users of ``web_load.py`` (run by locust, in locust's own environment):
half a commander of the city, half a community worker of one district; each logs in once."""

# mypy: ignore-errors
from __future__ import annotations

import itertools
import os
import random

from locust import HttpUser, between, task

CASES = int(os.environ.get("BENCH_CASES", "1000"))
DISTRICT = os.environ.get("BENCH_DISTRICT", "")
#: "name:password,name:password": a reader of the city, then one of a district
LOGINS = [pair.split(":", 1) for pair in os.environ.get("BENCH_LOGINS", "").split(",") if pair]
WHO = itertools.cycle(range(len(LOGINS)))


class Reader(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        which = next(WHO)
        name, password = LOGINS[which]
        answer = self.client.post(
            "/api/v1/session", json={"username": name, "password": password}, name="login"
        )
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        self.local = which == 1  # a district's reader: most random cases are not theirs

    @task(3)
    def case_list(self) -> None:
        first = self.client.get("/api/v1/cases?limit=50", name="/api/v1/cases")
        cursor = first.json().get("next_cursor") if first.ok else None
        if cursor and random.random() < 0.5:
            self.client.get(f"/api/v1/cases?limit=50&cursor={cursor}", name="/api/v1/cases?cursor")

    @task(1)
    def district_list(self) -> None:
        self.client.get(f"/api/v1/cases?limit=50&region={DISTRICT}", name="/api/v1/cases?region")

    @task(3)
    def case_page(self) -> None:
        case_id = random.randint(1, CASES)
        with self.client.get(f"/cases/{case_id}", name="/cases/{id}", catch_response=True) as r:
            if r.status_code == 404 and self.local:
                r.success()  # outside the district: 404 is the right answer

    @task(1)
    def case_detail(self) -> None:
        case_id = random.randint(1, CASES)
        with self.client.get(
            f"/api/v1/cases/{case_id}", name="/api/v1/cases/{id}", catch_response=True
        ) as r:
            if r.status_code == 404 and self.local:
                r.success()
