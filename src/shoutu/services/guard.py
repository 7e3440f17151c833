"""Rights and jurisdiction at the service boundary: a step the caller has no right to is
refused (403), a record outside their view jurisdiction does not exist for them (404, the
same answer as a missing record, so nobody learns what exists elsewhere), a write outside
their capture jurisdiction is refused (403). The repositories filter by the jurisdiction;
this module turns a miss or a missing right into the error, and :func:`refusals` audits each
refused attempt of a web user with the real user (after the refused unit has rolled back)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shoutu.domain.vocabulary import AuditAction, Right
from shoutu.errors import Forbidden, NotFound, ShoutuError
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext


def denied(ctx: ServiceContext, entity: str, entity_id: object, why: str) -> None:
    """Record a refused attempt (its own unit: the refusal stands whatever follows)."""
    with writing(ctx) as unit:
        unit.event(AuditAction.DENIED, entity, "" if entity_id is None else entity_id, detail=why)


@contextmanager
def refusals(
    ctx: ServiceContext,
    entity: str,
    entity_id: object = None,
    *,
    also: tuple[type[ShoutuError], ...] = (),
) -> Iterator[None]:
    """Around a service step: a NotFound or Forbidden (or one of ``also``) it raises for a web
    user (a principal with a role) is audited as a denied attempt, then raised."""
    caught: tuple[type[ShoutuError], ...] = (NotFound, Forbidden, *also)
    try:
        yield
    except caught as exc:
        if ctx.principal.role is not None:
            denied(ctx, entity, entity_id, f"{exc.code}: {exc}")
        raise


def require(ctx: ServiceContext, right: Right, *alternatives: Right) -> None:
    """Refuse (Forbidden) unless the caller has ``right`` or one of the ``alternatives``
    (inside :func:`refusals`)."""
    if not any(ctx.principal.may(r) for r in (right, *alternatives)):
        raise Forbidden(f"{ctx.principal.name} has no right to {right.en.lower()}")


def may_list(ctx: ServiceContext, entity: str) -> None:
    """Refuse (Forbidden, audited) a list of ``entity`` to a caller without the right to view
    cases; the list itself then reads only their jurisdiction."""
    with refusals(ctx, entity):
        require(ctx, Right.VIEW_CASES)


def writable(ctx: ServiceContext, code: str | None, what: str) -> None:
    """Refuse (Forbidden) a write of a record of region ``code`` outside the caller's capture
    jurisdiction (inside :func:`refusals`)."""
    if not ctx.principal.capture.covers(code):
        raise Forbidden(f"{what} lies outside {ctx.principal.name}'s capture jurisdiction")


__all__ = ["denied", "may_list", "refusals", "require", "writable"]
