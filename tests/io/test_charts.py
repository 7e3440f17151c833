"""Charts as shapes (io.charts): bars stack to their totals on a nice axis, a region's outline
leaves out the edges its own rings share, and SVG and PDF paint the same shapes."""

from __future__ import annotations

import json

from shoutu.io.charts import Area, RegionMap, Series, StackedBars, layout, svg


def _square(x: float, y: float) -> list[list[float]]:
    return [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]


def test_bars_stack_to_their_totals() -> None:
    chart = StackedBars(
        "curve",
        ("2022-03-01", "2022-03-02"),
        (Series("a", (2, 0), (1, 2, 3)), Series("b", (1, 4), (4, 5, 6))),
    )
    bars = [s for s in layout(chart, 300, 150) if s.kind == "rect"][:-2]  # legend keys last
    heights = [s.points[1][1] for s in bars]
    # totals 3 and 4 on an axis to 5: the second day's one series is 4/3 of the first's two
    assert len(bars) == 3 and abs(heights[2] - (heights[0] + heights[1]) * 4 / 3) < 1e-9
    labels = [s.text for s in layout(chart, 300, 150) if s.kind == "text"]
    assert {"0", "5", "03-01", "03-02", "a", "b", "curve"} <= set(labels)


def test_a_regions_outline_skips_its_shared_edges() -> None:
    two = json.dumps({"type": "MultiPolygon", "coordinates": [[_square(0, 0)], [_square(1, 0)]]})
    one = json.dumps({"type": "Polygon", "coordinates": [_square(0, 1)]})
    shapes = layout(RegionMap("map", (Area("A", two, 3), Area("B", one, 0))), 200, 200)
    lines = [s for s in shapes if s.kind == "line"]
    assert len(lines) == 6 + 4  # a 2x1 block's outline and a square's
    fills = {s.fill for s in shapes if s.kind == "poly"}
    assert (200, 40, 40) in fills and (242, 242, 242) in fills  # the peak and a zero
    picture = svg(RegionMap("map", (Area("A", two, 3, "1/2"),)))
    assert picture.count("<polygon") == 2 and "A 3" in picture and "1/2" in picture


def test_an_empty_ring_draws_nothing_and_breaks_nothing() -> None:
    good = json.dumps({"type": "Polygon", "coordinates": [_square(0, 0)]})
    empty = json.dumps({"type": "Polygon", "coordinates": [[]]})
    chart = RegionMap("map", (Area("a", good, 3), Area("b", empty, 1)))
    labels = {s.text for s in layout(chart, 300, 150)}
    assert "a 3" in labels and "b 1" not in labels
    assert "<svg" in svg(chart, 300, 150)
