"""Key places' response plans (应急预案) as data: TOML files in ``protocols/plans/`` and, when
set, a city's own in ``plans/`` beside its protocol files (which win by name)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from shoutu.domain.vocabulary import PlaceType
from shoutu.errors import ProtocolError
from shoutu.protocols.schema import ResponsePlan

PLANS_DIR = Path(__file__).with_name("plans")


def load_plans(protocol_dir: Path | None = None) -> dict[str, ResponsePlan]:
    """Every plan by name; a bad file is a ProtocolError naming the file and field."""
    paths = {p.stem: p for p in sorted(PLANS_DIR.glob("*.toml"))}
    if protocol_dir is not None and (protocol_dir / "plans").is_dir():
        paths.update({p.stem: p for p in sorted((protocol_dir / "plans").glob("*.toml"))})
    plans: dict[str, ResponsePlan] = {}
    for stem, path in paths.items():
        try:
            plan = ResponsePlan.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ProtocolError(f"{path}: not TOML ({exc})") from None
        except ValidationError as exc:
            problems = "; ".join(
                f"field {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                for err in exc.errors()
            )
            raise ProtocolError(f"{path}: {problems}") from None
        if plan.name != stem:
            raise ProtocolError(f"{path}: name {plan.name!r} differs from the file's name")
        plans[plan.name] = plan
    return plans


def plan_for(plans: dict[str, ResponsePlan], place_type: PlaceType) -> ResponsePlan | None:
    """The first plan (by name) for places of this type."""
    return next((p for _, p in sorted(plans.items()) if place_type in p.place_types), None)


__all__ = ["PLANS_DIR", "load_plans", "plan_for"]
