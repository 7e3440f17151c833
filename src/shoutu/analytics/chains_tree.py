"""The transmission tree of the inferred infector links: each case's generation, and the
clusters (connected components) named by their first case and main setting."""

from __future__ import annotations

import numpy as np


def generations(infector: np.ndarray, times: np.ndarray) -> np.ndarray:
    """0 for chain starts, else the infector's + 1; a cycle (possible when serial intervals
    may be negative) is cut at its earliest case."""
    generation = [-1] * len(infector)
    parent = infector.tolist()
    for start in np.argsort(times, kind="stable").tolist():
        path: list[int] = []
        on_path: set[int] = set()
        node = start
        while node >= 0 and generation[node] < 0 and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = parent[node]
        base = generation[node] + 1 if node >= 0 and generation[node] >= 0 else 0
        if node >= 0 and node in on_path:  # a cycle: its earliest case starts the chain
            base = 0
        for offset, member in enumerate(reversed(path)):
            generation[member] = base + offset
    return np.asarray(generation, np.int64)


def clusters(
    ids: list[str], infector: np.ndarray, times: np.ndarray, setting_of: list[str]
) -> list[str]:
    """Connected components of the infector links, named first case + main setting (the most
    frequent infector-link setting; a tie to the one seen first, by case)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(ids)
    if n == 0:
        return []
    linked = np.flatnonzero(infector >= 0)
    graph = coo_matrix((np.ones(len(linked)), (linked, infector[linked])), shape=(n, n))
    _, component = connected_components(graph, directed=True, connection="weak")
    # the first case: earliest, ties by id
    rank = np.empty(n, np.int64)
    rank[np.argsort(np.asarray(ids, dtype=str), kind="stable")] = np.arange(n)
    order = np.lexsort((rank, times, component))
    head = np.r_[True, component[order][1:] != component[order][:-1]]
    first = np.empty(component.max() + 1, np.int64)
    first[component[order][head]] = order[head]
    # the main setting: most cases, then first seen
    names = sorted({s for s in setting_of if s})
    code = {s: k for k, s in enumerate(names)}
    main = np.full(component.max() + 1, -1)
    has = np.flatnonzero([bool(s) for s in setting_of])
    if len(has):
        kind = np.asarray([code[setting_of[i]] for i in has], np.int64)
        key = component[has] * len(names) + kind
        unique, start, count = np.unique(key, return_index=True, return_counts=True)
        pick = np.lexsort((has[start], -count, unique // len(names)))
        lead = np.r_[True, (unique // len(names))[pick][1:] != (unique // len(names))[pick][:-1]]
        main[(unique // len(names))[pick][lead]] = (unique % len(names))[pick][lead]
    label = [
        f"{ids[first[c]]}-{names[main[c]]}" if main[c] >= 0 else ids[first[c]]
        for c in range(component.max() + 1)
    ]
    return [label[c] for c in component.tolist()]


__all__ = ["clusters", "generations"]
