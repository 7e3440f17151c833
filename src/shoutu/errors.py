"""The errors shoutu raises for people to read, in one tree (import-light: the CLI and the web
app map it to exit codes and HTTP statuses without loading anything else).

::

    ShoutuError                      code               exit  HTTP
    ├── InputError                   input_error          1   422   a file/row/field report
    ├── BadRequest                   bad_request          2   400   options that cannot work
    ├── NotFound                     not_found            4   404   no such record
    ├── Conflict                     conflict             5   409   duplicate, stale version
    ├── InvalidTransition            invalid_transition   5   409   a step not allowed now
    ├── Forbidden                    forbidden            5   403   rights or jurisdiction
    ├── Unauthenticated              unauthenticated      5   401   no login, or a stale one
    ├── RateLimited                  rate_limited         5   429   too many attempts; wait
    ├── PreconditionRequired         precondition_required 2  428   an update without If-Match
    ├── PreconditionFailed           precondition_failed  5   412   an update of a stale version
    ├── ProtocolError                protocol_error       1   422   a protocol file is wrong
    ├── KeyringError                 keyring_error        1   500   the key is missing or wrong
    ├── StoreUnavailable             store_unavailable    1   503   database down, busy, unknown
    └── ConfigError                  config_error         1   500   a setting that cannot work

Services raise only these across their boundary (analytics may raise ``ValueError`` inside;
the service that passes user options converts it, see :func:`options_checked`). Anything else
that escapes is a bug: the CLI prints one line and exits 3.

Messages name parameters, not command-line flags: in a BadRequest a parameter is written
``{name}`` in the message template, and each shell renders it in its own spelling
(``--si-mean`` in the CLI, ``si_mean`` in JSON) with :meth:`ShoutuError.render`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

_PARAMETER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_SHAPE = re.compile(r"'[^']*'|\d+")  # a reason's values: quoted text and numbers


class ShoutuError(Exception):
    """Base of the errors people read; ``code`` is stable (scripts and the API match on it)."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500
    #: whether ``{name}`` in the message names a parameter (else the text is kept as it is)
    names_parameters: ClassVar[bool] = False

    def __init__(self, message: str = "") -> None:
        self.template = message
        super().__init__(message)

    @property
    def parameters(self) -> list[str]:
        """The parameters the message names."""
        return _PARAMETER.findall(self.template) if self.names_parameters else []

    def render(self, spell: Callable[[str], str] = str) -> str:
        """The message with each ``{parameter}`` spelled by ``spell`` (default: its name)."""
        if not self.names_parameters:
            return self.template
        return _PARAMETER.sub(lambda m: spell(m.group(1)), self.template)

    def __str__(self) -> str:
        return self.render()


#: Problems kept in a report; beyond this they are only counted (a file of a million bad rows
#: must not exhaust memory).
KEEP = 10_000


@dataclass(frozen=True, order=True)
class Problem:
    """One bad value. ``row`` counts data rows from 1; ``line`` is the CSV line (header = 1)."""

    file: str
    row: int | None
    field: str | None
    reason: str
    line: int | None = None
    parameter: str | None = None  # the input (option) the file was given as, if named

    def __str__(self) -> str:
        return self.render()

    def render(self, spell: Callable[[str], str] = str) -> str:
        """The problem in words; the input's parameter spelled by ``spell``."""
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        if self.field:
            where.append(f"field {self.field}")
        text = ": ".join([", ".join(where), self.reason])
        return f"{text} ({spell(self.parameter)})" if self.parameter else text


@dataclass
class ValidationReport:
    """Every problem of an input, named by file, row, field and reason."""

    problems: list[Problem] = field(default_factory=list)
    omitted: int = 0
    max_shown: int = 1000

    def add(
        self,
        file: str,
        row: int | None,
        field_name: str | None,
        reason: str,
        line: int | None = None,
        parameter: str | None = None,
    ) -> None:
        if len(self.problems) >= KEEP:
            self.omitted += 1
            return
        self.problems.append(Problem(file, row, field_name, reason, line, parameter))

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def count(self) -> int:
        return len(self.problems) + self.omitted

    def lines(self, spell: Callable[[str], str] = str, repeat: int = 3) -> list[str]:
        """The problems in words; of many alike (the same field and reason but for the value:
        687 rows of dd/mm/yyyy dates) the first ``repeat``, then how many more."""
        shown: list[str] = []
        alike: dict[tuple[str, str | None, str], int] = {}
        cut = 0  # problems past max_shown, not counted among the alike
        in_order = sorted(self.problems, key=lambda p: (p.file, -1 if p.row is None else p.row))
        for problem in in_order:
            key = (problem.file, problem.field, _SHAPE.sub("#", problem.reason))
            alike[key] = alike.get(key, 0) + 1
            if alike[key] <= repeat:
                if len(shown) < self.max_shown:
                    shown.append(problem.render(spell))
                else:
                    cut += 1
        for (file, field_name, _), count in alike.items():
            if count > repeat:
                where = f"{file}, field {field_name}" if field_name else file
                shown.append(f"{where}: {count - repeat:,} more rows with the same problem")
        if cut + self.omitted:
            shown.append(f"... and {cut + self.omitted:,} more problems")
        return shown

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.problems]


class InputError(ShoutuError):
    """Bad input: nothing was written. Carries the full report."""

    code = "input_error"
    http_status = 422

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        count = report.count
        super().__init__(f"{count:,} problem{'s' if count != 1 else ''} in the input")

    @classmethod
    def single(
        cls,
        file: str,
        reason: str,
        *,
        row: int | None = None,
        field_name: str | None = None,
        parameter: str | None = None,
    ) -> InputError:
        """An input error of one problem (``parameter``: the input the file was given as)."""
        report = ValidationReport()
        report.add(file, row, field_name, reason, parameter=parameter)
        return cls(report)


class BadRequest(ShoutuError):
    """Options or arguments that cannot work together (nothing was read or written)."""

    code = "bad_request"
    exit_code = 2
    http_status = 400
    names_parameters = True


class NotFound(ShoutuError, LookupError):
    """No such record (or none the caller may see)."""

    code = "not_found"
    exit_code = 4
    http_status = 404


class Conflict(ShoutuError):
    """The write clashes with what is stored: a duplicate, a stale version."""

    code = "conflict"
    exit_code = 5
    http_status = 409


class InvalidTransition(ShoutuError):
    """A workflow step that is not allowed from the record's current state."""

    code = "invalid_transition"
    exit_code = 5
    http_status = 409


class Forbidden(ShoutuError):
    """The caller lacks the right, or the record lies outside their jurisdiction."""

    code = "forbidden"
    exit_code = 5
    http_status = 403


class Unauthenticated(ShoutuError):
    """No valid login: no credentials, a wrong password, an expired or revoked session."""

    code = "unauthenticated"
    exit_code = 5
    http_status = 401


class RateLimited(ShoutuError):
    """Too many attempts from one place in a short time (logins): wait and retry."""

    code = "rate_limited"
    exit_code = 5
    http_status = 429

    def __init__(self, message: str = "", retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PreconditionRequired(BadRequest):
    """An update that does not say which version it changes (HTTP If-Match)."""

    code = "precondition_required"
    http_status = 428


class PreconditionFailed(Conflict):
    """An update of a version that is no longer the stored one."""

    code = "precondition_failed"
    http_status = 412


class ProtocolError(ShoutuError):
    """A protocol that cannot be found, parsed or validated; the message names file and field."""

    code = "protocol_error"
    http_status = 422


class KeyringError(ShoutuError):
    """The key is missing, malformed, or does not open this data."""

    code = "keyring_error"


class StoreUnavailable(ShoutuError):
    """The database cannot be used: an unsupported or unreachable one, or busy past its
    timeout. Nothing was written."""

    code = "store_unavailable"
    http_status = 503


class ConfigError(ShoutuError):
    """A setting (``SHOUTU_*``) that cannot work."""

    code = "config_error"


class FileUnusable(ShoutuError):
    """A file or folder the command was told to read or write cannot be used (missing
    folder, no permission, disk full): the system's reason, with the path."""

    code = "file_unusable"

    @classmethod
    def of(cls, error: OSError) -> FileUnusable:
        return cls(f"cannot use {error.filename}: {error.strerror or error}")


@contextmanager
def options_checked(kind: type[ShoutuError] = BadRequest) -> Iterator[None]:
    """A conversion point: ``ValueError`` raised by analytics or parsers over options the
    caller gave becomes ``kind`` (BadRequest by default)."""
    try:
        yield
    except ValueError as exc:
        raise kind(str(exc)) from exc


__all__ = [
    "BadRequest",
    "ConfigError",
    "Conflict",
    "FileUnusable",
    "Forbidden",
    "InputError",
    "InvalidTransition",
    "KeyringError",
    "NotFound",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "ProtocolError",
    "RateLimited",
    "ShoutuError",
    "StoreUnavailable",
    "Unauthenticated",
    "ValidationReport",
    "options_checked",
]
