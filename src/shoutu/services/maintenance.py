"""Repair after a crash (``shoutu repair``): event files that cannot be read are moved aside
(to ``{event_dir}/damaged/``, with their paths), and event batches that were stored but whose
workflow never committed are finished."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoutu.events.store import unreadable
from shoutu.services.audit import link_orphans, writing
from shoutu.services.context import ServiceContext
from shoutu.services.screening.pooled_workflow import finish_pending


@dataclass
class RepairReport:
    moved: list[str] = field(default_factory=list)  # damaged files, now under damaged/
    finished: dict[str, int] = field(default_factory=dict)  # unprocessed batches' workflow
    linked: int = 0  # audit units whose writer died before linking them
    cleaned: int = 0  # temporary files and staging folders of killed writers

    def as_json(self) -> dict[str, Any]:
        return {
            "moved": self.moved,
            "finished": self.finished,
            "linked": self.linked,
            "cleaned": self.cleaned,
        }


def repair(ctx: ServiceContext) -> RepairReport:
    """Move damaged event files aside, then finish unprocessed batches (audited)."""
    report = RepairReport()
    event_dir = ctx.settings.event_dir
    damaged = event_dir / "damaged"
    for path in unreadable(event_dir):
        target = damaged / path.relative_to(event_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        report.moved.append(str(path.relative_to(event_dir)))
    if report.moved:
        with writing(ctx, detail="repair: unreadable event files moved aside") as unit:
            for moved in report.moved:
                unit.updated("event_files", moved, None, {"moved_to": f"damaged/{moved}"})
    report.finished = finish_pending(ctx, everything=True)
    report.linked = link_orphans(ctx)
    for stale in event_dir.glob("*/day=*/.*.tmp"):  # a killed writer's half file
        if not _writer_alive(stale):
            stale.unlink(missing_ok=True)
            report.cleaned += 1
    for staging in event_dir.glob(".staging-*"):  # a killed series import's batch aside
        if staging.is_dir() and time.time() - staging.stat().st_mtime > STAGING_LEASE:
            shutil.rmtree(staging, ignore_errors=True)
            report.cleaned += 1
    return report


#: a series import's staging folder older than this (seconds) belongs to a killed import
STAGING_LEASE = 3600.0


def _writer_alive(temporary: Path) -> bool:
    """Whether the process that writes ``temporary`` (``.NAME.PID.tmp``) still runs."""
    try:
        pid = int(temporary.name.rsplit(".", 2)[-2])
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


__all__ = ["RepairReport", "repair"]
