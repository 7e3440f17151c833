"""Load protocol files by name: built-in editions plus city variants that ``extends`` them.

A variant file holds only what it changes; tables merge key by key, anything else (numbers,
lists) replaces the parent's value. The resolved protocol is validated by the schema and
identified by a content hash (SHA-256 of its canonical JSON).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shoutu.errors import ProtocolError
from shoutu.protocols.schema import Protocol

BUILTIN_DIR = Path(__file__).with_name("files")


@dataclass(frozen=True)
class ProtocolInfo:
    name: str
    title_zh: str
    title_en: str
    jurisdiction: str
    effective_date: str
    extends: str | None
    path: Path
    builtin: bool


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def protocol_hash(protocol: Protocol) -> str:
    """SHA-256 (hex) of the resolved protocol's canonical JSON."""
    payload = canonical_json(protocol.model_dump(mode="json"))
    return hashlib.sha256(payload.encode()).hexdigest()


class ProtocolRegistry:
    """Finds protocol files in the built-in folder and an optional city folder (which wins)."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        self.extra_dir = extra_dir
        self._cache: dict[str, Protocol] = {}

    def _paths(self) -> dict[str, tuple[Path, bool]]:
        found = {p.stem: (p, True) for p in sorted(BUILTIN_DIR.glob("*.toml"))}
        if self.extra_dir is not None:
            if not self.extra_dir.is_dir():
                raise ProtocolError(f"protocol folder {self.extra_dir} does not exist")
            found.update({p.stem: (p, False) for p in sorted(self.extra_dir.glob("*.toml"))})
        return found

    def names(self) -> list[str]:
        return sorted(self._paths())

    def _raw(self, name: str) -> tuple[dict[str, Any], Path]:
        paths = self._paths()
        if name not in paths:
            known = ", ".join(sorted(paths))
            raise ProtocolError(f"unknown protocol {name!r}; known: {known}")
        path = paths[name][0]
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ProtocolError(f"{path}: not valid TOML: {exc}") from None
        if data.get("name", name) != name:
            raise ProtocolError(f"{path}: field name: {data['name']!r} differs from the file name")
        data["name"] = name
        return data, path

    def _resolved(self, name: str, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], Path]:
        if name in seen:
            raise ProtocolError(f"protocol {name!r}: extends forms a cycle: {' -> '.join(seen)}")
        data, path = self._raw(name)
        parent = data.get("extends")
        if parent:
            base, _ = self._resolved(str(parent), (*seen, name))
            data = deep_merge(base, data)
        return data, path

    def load(self, name: str) -> Protocol:
        if name not in self._cache:
            data, path = self._resolved(name)
            try:
                self._cache[name] = Protocol.model_validate(data)
            except ValidationError as exc:
                problems = "; ".join(
                    f"field {'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                    for err in exc.errors()
                )
                raise ProtocolError(f"{path}: {problems}") from None
        return self._cache[name]

    def info(self) -> list[ProtocolInfo]:
        rows = []
        for name, (path, builtin) in sorted(self._paths().items()):
            protocol = self.load(name)
            rows.append(
                ProtocolInfo(
                    name=name,
                    title_zh=protocol.title_zh,
                    title_en=protocol.title_en,
                    jurisdiction=protocol.jurisdiction,
                    effective_date=protocol.effective_date.isoformat(),
                    extends=protocol.extends,
                    path=path,
                    builtin=builtin,
                )
            )
        return rows


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys to leaf values (lists are leaves)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def diff_protocols(a: Protocol, b: Protocol) -> list[tuple[str, Any, Any]]:
    """(dotted key, value in a, value in b) for every value that differs; None where absent."""
    fa = flatten(a.model_dump(mode="json", exclude={"name"}))
    fb = flatten(b.model_dump(mode="json", exclude={"name"}))
    return [
        (key, fa.get(key), fb.get(key))
        for key in sorted(set(fa) | set(fb))
        if fa.get(key) != fb.get(key)
    ]
