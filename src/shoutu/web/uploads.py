"""/api/v1/results: a lab uploads its results file — the importer's own file, validated with
the same report as `shoutu import results` (file, row, field, reason) — checked only
(``check_only``) or stored with its workflow (recalls, confirmations, cases)."""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shoutu.errors import BadRequest, InputError, Unauthenticated
from shoutu.web.auth import Caller, credentials
from shoutu.web.encoding import plain
from shoutu.web.problems import ERRORS, from_error, problem

router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["results"])
PATH = "/api/v1/results"
SUFFIXES = (".csv", ".xlsx", ".parquet")
LIMIT = 200 * 1024 * 1024  # bytes: a day's results of a large lab


def safe_name(name: str | None) -> str:
    """The upload's own file name (the report names it), reduced to safe characters."""
    base = Path(name or "results.csv").name
    cleaned = re.sub(r"[^\w.\-]+", "_", base)[:100] or "results.csv"
    if not cleaned.lower().endswith(SUFFIXES):
        raise BadRequest(f"the {{file}} must be CSV, Excel (.xlsx) or Parquet, not {base!r}")
    return cleaned


def precheck(request: Request) -> JSONResponse | None:
    """Refuse an upload before its body is read: without credentials (401), or declaring a
    size above the limit (413)."""
    if credentials(request) is None:
        return from_error(Unauthenticated("log in first, or send a bearer token"))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > LIMIT + (1 << 20):  # the form's own bytes
        return problem(413, "content_too_large", f"an upload is at most {LIMIT // 2**20} MB")
    return None


@router.get("/results/recalls")
def recalls(ctx: Caller) -> dict[str, Any]:
    """The recall list of positive pools (no person): tube, opened, due, members,
    re-sampled, open, late, not done; latest first."""
    from shoutu.services.screening.recalls import recall_list

    return {"pools": plain(recall_list(ctx))}


@router.post("/results")
async def upload_results(
    ctx: Caller,
    file: Annotated[UploadFile, File(description="The results file (CSV, .xlsx, Parquet).")],
    check_only: Annotated[bool, Form(description="Validate and count; store nothing.")] = False,
) -> dict[str, Any]:
    """Upload a lab's results: 422 with each bad row and field, nothing stored; else the
    counts (new, already stored) and, unless ``check_only``, the workflow's steps."""
    from shoutu.services.screening.lab_results import import_results

    name = safe_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="shoutu-upload-") as folder:
        path = Path(folder) / name
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > LIMIT:
                    raise BadRequest(f"the {{file}} is larger than {LIMIT // 2**20} MB")
                out.write(chunk)
        try:
            batch = await run_in_threadpool(
                lambda: import_results(ctx, path, check_only=check_only)
            )
        except InputError as exc:  # the report names the upload, not the server's copy
            exc.report.problems = [
                replace(p, file=name) if p.file in (str(path), path.name) else p
                for p in exc.report.problems
            ]
            raise
    return {"ok": True, "check_only": check_only, "result": batch.as_json()}


__all__ = ["router"]
