"""The house's shape, checked: no import cycles anywhere in the package (every import counts:
inside functions, under TYPE_CHECKING, and the parent packages an import runs), the layers
and purity contracts of pyproject.toml's import-linter section, and thin edges (no SQL,
protocol loading, hashing or provenance in cli/; no bare ValueError raised in services/ or
cli/)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp

from paths import SRC


def _edges() -> dict[str, set[str]]:
    graph = grimp.build_graph("shoutu")
    edges: dict[str, set[str]] = {m: set() for m in graph.modules}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            edges[module].add(imported)
            # importing a.b.c runs a.b's and a's __init__ first
            parts = imported.split(".")
            for cut in range(2, len(parts)):
                parent = ".".join(parts[:cut])
                if not module.startswith(parent + ".") and module != parent:
                    edges[module].add(parent)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    edges = _edges()
    assert len(edges) > 100
    assert _cycles(edges) == []


def test_a_cycle_would_be_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_import_contracts_are_kept() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(linter)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "0 broken" in run.stdout


def _sources(folder: str) -> list[tuple[Path, str]]:
    return [(p, p.read_text()) for p in sorted((SRC / folder).rglob("*.py"))]


def test_edges_are_thin() -> None:
    """The command line parses, calls one service and renders."""
    for path, text in _sources("cli"):
        for banned in (
            "sqlalchemy",
            "ProtocolRegistry",
            "protocol_hash",
            "build_provenance",
            "file_hash",
            "shoutu.store",
            "shoutu.sim",
            "shoutu.events",
        ):
            assert banned not in text, f"{path.name}: {banned}"


def test_services_and_cli_raise_typed_errors() -> None:
    bare = re.compile(r"raise (ValueError|KeyError|LookupError|RuntimeError)\b")
    for folder in ("services", "cli"):
        for path, text in _sources(folder):
            assert not bare.search(text), f"{path.relative_to(SRC)}: {bare.search(text)}"
