"""Chain-graph data for maps and graph views, paged by cluster so that 100,000 cases never
travel at once.

Clusters are ordered biggest first (then by their first case's date and name); a page holds
whole clusters, up to ``page_size`` cases (a bigger cluster gets a page of its own). The index
lists every cluster with its page, size, first date and count of cases with no known source;
a page carries its clusters' nodes (case, date, generation, origin, infector, probability) and
edges (infector -> case, probability, setting). Built once from the chains columns in O(n log
n); a page costs only its own cases.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shoutu.errors import BadRequest, NotFound

DEFAULT_PAGE_SIZE = 2000
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class ClusterEntry:
    cluster_id: str
    size: int
    first_date: str
    no_known_source: int
    generations: int
    page: int
    members: np.ndarray  # row positions, by date


class ChainGraph:
    """``columns``: the ``shoutu chains`` output columns; ``days``: each case's onset (or
    sampling) in days since 1970-01-01; ``settings``: the infector link's setting."""

    def __init__(
        self,
        columns: dict[str, Any],
        days: np.ndarray,
        settings: list[str],
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        if page_size < 1:
            raise BadRequest("the {page_size} is at least 1 case")
        self._ids = [str(v) for v in columns["case_id"]]
        self._infector = list(columns["infector_id"])
        self._probability = np.asarray(columns["probability"], float)
        self._generation = np.asarray(columns["generation"], int)
        self._origin = list(columns["origin"])
        self._settings = settings
        self._days = np.asarray(days, float)
        cluster = np.asarray(columns["cluster_id"], dtype=object)
        names, codes = np.unique(cluster, return_inverse=True)
        by_cluster = np.lexsort((self._days, codes))
        bounds = np.flatnonzero(np.diff(codes[by_cluster])) + 1
        groups = np.split(by_cluster, bounds) if len(by_cluster) else []
        unknown = np.asarray([o == "unknown" for o in self._origin], bool)
        order = sorted(
            range(len(groups)),
            key=lambda g: (-len(groups[g]), self._days[groups[g][0]], str(names[g])),
        )
        self.page_size = page_size
        self.clusters: list[ClusterEntry] = []
        self._by_id: dict[str, ClusterEntry] = {}
        page, filled = 1, 0
        for g in order:
            members = groups[g]
            if filled and filled + len(members) > page_size:
                page, filled = page + 1, 0
            filled += len(members)
            entry = ClusterEntry(
                cluster_id=str(names[g]),
                size=len(members),
                first_date=self._date(members[0]),
                no_known_source=int(unknown[members].sum()),
                generations=int(self._generation[members].max()) + 1,
                page=page,
                members=members,
            )
            self.clusters.append(entry)
            self._by_id[entry.cluster_id] = entry
        self.pages = page if self.clusters else 0
        self._pages: dict[int, list[ClusterEntry]] = {}
        for entry in self.clusters:
            self._pages.setdefault(entry.page, []).append(entry)

    def _date(self, row: int) -> str:
        return (EPOCH + dt.timedelta(days=int(np.floor(self._days[row])))).isoformat()

    def index(self) -> dict[str, Any]:
        """Every cluster's summary and page (no cases)."""
        return {
            "cases": len(self._ids),
            "clusters": len(self.clusters),
            "pages": self.pages,
            "page_size": self.page_size,
            "index": [
                {
                    "cluster_id": c.cluster_id,
                    "size": c.size,
                    "first_date": c.first_date,
                    "generations": c.generations,
                    "no_known_source": c.no_known_source,
                    "page": c.page,
                }
                for c in self.clusters
            ],
        }

    def cluster(self, cluster_id: str) -> dict[str, Any]:
        entry = self._by_id.get(cluster_id)
        if entry is None:
            raise NotFound(f"no cluster {cluster_id!r}")
        nodes = []
        edges = []
        for row in entry.members.tolist():
            infector = self._infector[row]
            probability = float(self._probability[row]) if infector is not None else None
            nodes.append(
                {
                    "id": self._ids[row],
                    "date": self._date(row),
                    "generation": int(self._generation[row]),
                    "origin": self._origin[row],
                    "infector_id": infector,
                    "probability": probability,
                }
            )
            if infector is not None:
                edges.append(
                    {
                        "source": str(infector),
                        "target": self._ids[row],
                        "probability": probability,
                        "setting": self._settings[row] or None,
                    }
                )
        return {
            "cluster_id": entry.cluster_id,
            "size": entry.size,
            "first_date": entry.first_date,
            "no_known_source": entry.no_known_source,
            "nodes": nodes,
            "edges": edges,
        }

    def page(self, number: int) -> dict[str, Any]:
        if not 1 <= number <= self.pages:
            raise NotFound(f"no page {number} (pages 1 to {self.pages})")
        return {
            "page": number,
            "pages": self.pages,
            "clusters": [self.cluster(c.cluster_id) for c in self._pages[number]],
        }

    def write(self, folder: Path) -> list[Path]:
        """``index.json`` and one ``page-NNNN.json`` per page (compact JSON)."""
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "index.json"]
        written[0].write_text(json.dumps(self.index(), ensure_ascii=False, separators=(",", ":")))
        for number in range(1, self.pages + 1):
            path = folder / f"page-{number:04d}.json"
            path.write_text(
                json.dumps(self.page(number), ensure_ascii=False, separators=(",", ":"))
            )
            written.append(path)
        return written


__all__ = ["DEFAULT_PAGE_SIZE", "ChainGraph", "ClusterEntry"]
