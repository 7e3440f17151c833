"""``cases classify``: each case whose origin is not yet known (or, with ``every``, each case)
classified imported or local with the reason, by the protocol's ``origin`` rule
(``rules/origin.py``) from the person's recorded arrivals (``import arrivals``) and their
handling of what positive environment samples came from (shifts where a batch or site was:
``services/control/cold_chain.exposures``).
Each change is audited with what it was; a case whose origin and reason stand is unchanged.
"""

from __future__ import annotations

from typing import Any

from shoutu.domain.vocabulary import Origin
from shoutu.errors import BadRequest
from shoutu.rules.origin import OriginFacts, classify
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.cold_chain import exposures
from shoutu.store.repositories import arrivals as arrivals_repo
from shoutu.store.repositories import cases as cases_repo


def _anchor(case: dict[str, Any]) -> tuple[Any, str]:
    for column, kind in (("onset_time", "onset"), ("sample_time", "sampling")):
        if case[column] is not None:
            return case[column], kind
    return case["report_time"], "report"


def classify_cases(
    ctx: ServiceContext, *, protocol: str | None = None, every: bool = False
) -> dict[str, Any]:
    """Classify the cases (see the module); what changed, case by case."""
    loaded, _ = ctx.protocol(protocol)
    if loaded.origin is None:
        raise BadRequest(f"protocol {loaded.name} has no origin rule (no [origin] section)")
    changed: list[dict[str, Any]] = []
    with writing(ctx, detail="cases classify") as unit:
        chosen = cases_repo.with_origins(
            unit.conn, origins=None if every else [Origin.UNKNOWN.value]
        )
        people = sorted({int(c["person_id"]) for c in chosen})
        arrivals = arrivals_repo.of_people(unit.conn, person_ids=people)
        handled = exposures(unit.conn, person_ids=people, tz=ctx.settings.timezone)
        for case in chosen:
            person = int(case["person_id"])
            anchor, kind = _anchor(case)
            facts = OriginFacts(
                anchor,
                kind,
                case["report_time"],
                [
                    (int(a["arrival_id"]), a["arrival_time"], a["origin_country"])
                    for a in arrivals.get(person, [])
                ],
                handled.get(person, []),
            )
            found = classify(loaded, facts)
            assert found is not None  # the protocol has an origin rule
            origin, reason = found
            if origin == case["origin"] and reason == case["origin_reason"]:
                continue
            values = {"origin": origin, "origin_reason": reason}
            cases_repo.change(unit.conn, case_id=int(case["case_id"]), values=values | unit.touch)
            before = {
                "origin": Origin(case["origin"]).value,
                "origin_reason": case["origin_reason"],
            }
            unit.updated(
                "cases",
                int(case["case_id"]),
                before,
                {"origin": origin.value, "origin_reason": reason},
            )
            changed.append(
                {
                    "case_id": int(case["case_id"]),
                    "origin": origin.value,
                    "was": before["origin"],
                    "reason": reason,
                }
            )
    return {"protocol": loaded.name, "cases": len(chosen), "changed": changed}


__all__ = ["classify_cases"]
