"""Who may do what, where: roles mapped to rights, and jurisdictions as region-code prefixes
(a scope is a region and covers its subtree; capture — what one may write — and view — what one
may read — apart, as DHIS2 keeps them). Pure: the repositories turn a jurisdiction into SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shoutu.domain.vocabulary import Right, Role

#: the rights of each role (the local operator at a terminal has every right everywhere)
ROLE_RIGHTS: dict[Role, frozenset[Right]] = {
    Role.ADMIN: frozenset(Right),
    Role.COMMANDER: frozenset(
        {
            Right.VIEW_CASES,
            Right.REVEAL_PERSONAL_DATA,
            Right.ASSIGN_TASKS,
            Right.RESPOND_TO_SIGNALS,
            Right.APPROVE_RISK_AREAS,
        }
    ),
    Role.EPIDEMIOLOGIST: frozenset(
        {
            Right.VIEW_CASES,
            Right.EDIT_CASES,
            Right.REVEAL_PERSONAL_DATA,
            Right.ASSIGN_TASKS,
            Right.RESPOND_TO_SIGNALS,
        }
    ),
    Role.COMMUNITY_WORKER: frozenset({Right.VIEW_CASES, Right.EDIT_CASES}),
    Role.LAB: frozenset({Right.UPLOAD_RESULTS}),
    Role.KEY_PLACE: frozenset({Right.UPLOAD_RESULTS}),
    Role.OBSERVER: frozenset({Right.VIEW_CASES}),
    Role.API_CLIENT: frozenset({Right.VIEW_CASES, Right.UPLOAD_RESULTS}),
}


@dataclass(frozen=True)
class Jurisdiction:
    """The region-code prefixes a caller reaches (``None``: the whole tree)."""

    prefixes: tuple[str, ...] | None

    @classmethod
    def of(cls, prefixes: Iterable[str]) -> Jurisdiction:
        return cls(tuple(sorted(set(prefixes))))

    @property
    def everywhere(self) -> bool:
        return self.prefixes is None

    def covers(self, code: str | None) -> bool:
        """Whether a record of region ``code`` lies inside (a record of no region lies only
        inside the whole tree)."""
        if self.prefixes is None:
            return True
        return code is not None and any(code.startswith(p) for p in self.prefixes)


EVERYWHERE = Jurisdiction(None)


@dataclass(frozen=True)
class Principal:
    """Who is acting: the name the audit trail records, their rights, and where they may
    read (``view``) and write (``capture``)."""

    name: str
    rights: frozenset[Right]
    view: Jurisdiction = EVERYWHERE
    capture: Jurisdiction = EVERYWHERE
    role: Role | None = None  # None: the local operator
    user_id: int | None = None

    def may(self, right: Right) -> bool:
        return right in self.rights


def operator(name: str) -> Principal:
    """The local operator (``SHOUTU_USER`` at a terminal): every right over the whole tree."""
    return Principal(name=name, rights=frozenset(Right))


__all__ = ["EVERYWHERE", "ROLE_RIGHTS", "Jurisdiction", "Principal", "operator"]
