"""Charts as plain shapes, drawn the same way into SVG (HTML pages) and into a PDF (fpdf2):
a stacked bar chart (an epidemic curve by day) and a map of regions filled by a count (from
the regions' GeoJSON polygons; no tiles). :func:`layout` turns a chart into rectangles,
polygons, lines and text in a box of the size asked for; :func:`svg` and :func:`draw_pdf`
only paint them, so the picture in the page and in the PDF is one picture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

Colour = tuple[int, int, int]
GREY: Colour = (120, 120, 120)
INK: Colour = (40, 40, 40)
BASE = 242  # the fill of a region whose value is 0 (light grey)


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[int, ...]
    colour: Colour


@dataclass(frozen=True)
class StackedBars:
    """Bars per category (e.g. a day), each stacked from its series (bottom first)."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Area:
    label: str
    geometry: str  # a GeoJSON Polygon or MultiPolygon (lon, lat)
    value: int
    note: str = ""  # shown under the label


@dataclass(frozen=True)
class RegionMap:
    """Regions filled from white to ``colour`` by their value (0 stays white)."""

    title: str
    areas: tuple[Area, ...]
    colour: Colour = (200, 40, 40)


Chart = StackedBars | RegionMap


@dataclass(frozen=True)
class Shape:
    kind: str  # rect, poly, line, text
    points: tuple[tuple[float, float], ...]  # rect: top-left and size; text: its anchor
    fill: Colour | None = None
    text: str = ""
    size: float = 9.0  # text size, in the box's units
    anchor: str = "start"  # start, middle, end


def _round(n: float) -> str:
    return f"{n:.2f}".rstrip("0").rstrip(".")


def _nice(top: int) -> int:
    """The axis maximum: the smallest 1, 2 or 5 × 10^k at or above ``top``."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= top:
                return m * step
        step *= 10


def _bars(chart: StackedBars, width: float, height: float) -> list[Shape]:
    unit = height / 30
    shapes = [Shape("text", ((0, unit * 1.6),), INK, chart.title, unit * 1.5)]
    left, right, top, bottom = unit * 4, width - unit, unit * 3.5, height - unit * 5.5
    totals = [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
    peak = _nice(max(totals, default=0) or 1)
    shapes.append(Shape("line", ((left, bottom), (right, bottom)), GREY))
    for tick in (0, peak // 2, peak) if peak > 1 else (0, peak):
        y = bottom - (bottom - top) * tick / peak
        shapes.append(Shape("line", ((left - unit * 0.4, y), (left, y)), GREY))
        shapes.append(
            Shape("text", ((left - unit * 0.6, y + unit * 0.4),), GREY, str(tick), unit, "end")
        )
    n = max(len(chart.categories), 1)
    slot = (right - left) / n
    every = max(1, round(n / 8))
    for i, category in enumerate(chart.categories):
        x, base = left + i * slot + slot * 0.1, bottom
        for s in chart.series:
            h = (bottom - top) * s.values[i] / peak
            if h > 0:
                shapes.append(Shape("rect", ((x, base - h), (slot * 0.8, h)), s.colour))
            base -= h
        if i % every == 0 or i == n - 1:
            shapes.append(
                Shape(
                    "text",
                    ((x + slot * 0.4, bottom + unit * 1.4),),
                    GREY,
                    category[5:],
                    unit,
                    "middle",
                )
            )
    x = left
    for s in chart.series:  # the legend, under the axis
        y = height - unit * 2
        shapes.append(Shape("rect", ((x, y - unit), (unit, unit)), s.colour))
        shapes.append(Shape("text", ((x + unit * 1.4, y),), INK, s.label, unit))
        x += unit * 2 + len(s.label) * unit * 0.75 + unit * 2
    return shapes


def _rings(geometry: str) -> list[list[tuple[float, float]]]:
    shape: dict[str, Any] = json.loads(geometry)
    polygons = shape["coordinates"] if shape["type"] == "MultiPolygon" else [shape["coordinates"]]
    # rounded so that the corners neighbouring rings share are equal
    return [
        [(round(float(p[0]), 6), round(float(p[1]), 6)) for p in polygon[0]]
        for polygon in polygons
        if polygon and polygon[0]
    ]


def _map(chart: RegionMap, width: float, height: float) -> list[Shape]:
    unit = height / 30
    shapes = [Shape("text", ((0, unit * 1.6),), INK, chart.title, unit * 1.5)]
    rings = [(_rings(a.geometry), a) for a in chart.areas]
    points = [p for found, _ in rings for ring in found for p in ring]
    if not points:
        return shapes
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    top, box_w, box_h = unit * 3.5, width, height - unit * 3.5
    span_x, span_y = (max(lons) - min(lons)) or 1.0, (max(lats) - min(lats)) or 1.0
    scale = min(box_w / span_x, box_h / span_y)
    off_x = (box_w - span_x * scale) / 2
    off_y = top + (box_h - span_y * scale) / 2

    def at(p: tuple[float, float]) -> tuple[float, float]:
        return (off_x + (p[0] - min(lons)) * scale, off_y + (max(lats) - p[1]) * scale)

    peak = max((a.value for a in chart.areas), default=0) or 1
    for found, area in rings:
        share = area.value / peak
        fill = tuple(round(BASE - (BASE - c) * share) for c in chart.colour)
        for ring in found:
            shapes.append(Shape("poly", tuple(at(p) for p in ring), fill))  # type: ignore[arg-type]
        # the area's outline: the edges of its rings no other ring of it shares
        edges: dict[tuple[tuple[float, float], tuple[float, float]], int] = {}
        for ring in found:
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                if a != b:
                    key = (a, b) if a <= b else (b, a)
                    edges[key] = edges.get(key, 0) + 1
        for (a, b), n in edges.items():
            if n == 1:
                shapes.append(Shape("line", (at(a), at(b)), GREY))
    for found, area in rings:  # labels above every fill
        xs = [at(p) for ring in found for p in ring]
        if not xs:
            continue
        cx = sum(p[0] for p in xs) / len(xs)
        cy = sum(p[1] for p in xs) / len(xs)
        shapes.append(Shape("text", ((cx, cy),), INK, f"{area.label} {area.value}", unit, "middle"))
        if area.note:
            shapes.append(
                Shape("text", ((cx, cy + unit * 1.2),), GREY, area.note, unit * 0.85, "middle")
            )
    return shapes


def layout(chart: Chart, width: float, height: float) -> list[Shape]:
    """The chart's shapes in a ``width`` x ``height`` box (origin top left, y down)."""
    if isinstance(chart, StackedBars):
        return _bars(chart, width, height)
    return _map(chart, width, height)


def _hex(colour: Colour | None) -> str:
    if colour is None:
        return "none"
    red, green, blue = colour
    return f"#{red:02x}{green:02x}{blue:02x}"


def svg(chart: Chart, width: float = 640, height: float = 300) -> str:
    """The chart as an SVG element (text in the page's font)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_round(width)} {_round(height)}" '
        f'width="{_round(width)}" height="{_round(height)}" role="img" '
        f'aria-label="{escape(chart.title)}">'
    ]
    for s in layout(chart, width, height):
        if s.kind == "rect":
            (x, y), (w, h) = s.points
            parts.append(
                f'<rect x="{_round(x)}" y="{_round(y)}" width="{_round(w)}" height="{_round(h)}" '
                f'fill="{_hex(s.fill)}"/>'
            )
        elif s.kind == "poly":
            path = " ".join(f"{_round(x)},{_round(y)}" for x, y in s.points)
            parts.append(f'<polygon points="{path}" fill="{_hex(s.fill)}"/>')
        elif s.kind == "line":
            (x1, y1), (x2, y2) = s.points
            parts.append(
                f'<line x1="{_round(x1)}" y1="{_round(y1)}" x2="{_round(x2)}" y2="{_round(y2)}" '
                f'stroke="{_hex(s.fill)}" stroke-width="1"/>'
            )
        else:
            ((x, y),) = s.points
            parts.append(
                f'<text x="{_round(x)}" y="{_round(y)}" font-size="{_round(s.size)}" '
                f'text-anchor="{s.anchor}" fill="{_hex(s.fill)}">{escape(s.text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def draw_pdf(
    pdf: Any, chart: Chart, *, x: float, y: float, width: float, height: float, font: str
) -> None:
    """Paint the chart on an fpdf2 page in the box at (``x``, ``y``), sizes in mm (text sizes
    converted to points)."""
    for s in layout(chart, width, height):
        if s.kind == "rect":
            (rx, ry), (w, h) = s.points
            pdf.set_fill_color(*(s.fill or INK))
            pdf.rect(x + rx, y + ry, w, h, style="F")
        elif s.kind == "poly":
            pdf.set_fill_color(*(s.fill or INK))
            pdf.polygon([(x + px, y + py) for px, py in s.points], style="F")
        elif s.kind == "line":
            (x1, y1), (x2, y2) = s.points
            pdf.set_draw_color(*(s.fill or INK))
            pdf.set_line_width(0.2)
            pdf.line(x + x1, y + y1, x + x2, y + y2)
        else:
            ((tx, ty),) = s.points
            pdf.set_font(font, size=s.size * 72 / 25.4)
            pdf.set_text_color(*(s.fill or INK))
            w = pdf.get_string_width(s.text)
            shift = {"start": 0.0, "middle": w / 2, "end": w}[s.anchor]
            pdf.text(x + tx - shift, y + ty, s.text)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)


__all__ = [
    "Area",
    "Chart",
    "RegionMap",
    "Series",
    "Shape",
    "StackedBars",
    "draw_pdf",
    "layout",
    "svg",
]
