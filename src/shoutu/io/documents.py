"""Documents as PDF from plain data (no store access): a form in one or more languages, each
with its title, heading lines (number, date), paragraphs, labelled fields, a table, notes and
a closing (issuer, date), laid out on A4 one language after the other.

The text is set in WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0 or GPL-3.0 with the font
exception), embedded as a subset with its Unicode map, so the Chinese renders anywhere and the
text can be extracted. The PyPI package ``paperang-p2-fonts-cjk`` ships the very file Debian's
``fonts-wqy-microhei`` installs (the same SHA-256, :data:`FONT_SHA256`, checked before use),
so no system package is needed; the Debian file is used when the package is missing.

The output is a function of the content alone: the PDF's creation date is the issue date's
midnight and its file ID a hash of the content, so the same document renders to the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from shoutu.errors import ConfigError, FileUnusable
from shoutu.io.charts import Chart, draw_pdf

#: the font file's SHA-256 (Debian's fonts-wqy-microhei 0.2.0-beta-3.1, the PyPI package's too)
FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
DEBIAN_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "wqy"
MARGIN = 20.0  # mm, each side
LINE = 6.5  # mm, a line of body text
CHART_RATIO = 0.5  # a chart's height to its width


@dataclass(frozen=True)
class Table:
    """A table: its header and rows of text, and each column's share of the width."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Section:
    """One language's version of a document (``lang``: a BCP 47 tag, e.g. zh-CN)."""

    lang: str
    title: str
    heading: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    table: Table | None = None
    notes: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()  # drawn after the table, the page's width each


@dataclass(frozen=True)
class Metadata:
    """What the PDF says of itself."""

    title: str
    subject: str = ""
    author: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)


@functools.cache
def font_path() -> Path:
    """The CJK font's file: the PyPI package's, else Debian's, checked against
    :data:`FONT_SHA256`; a ConfigError saying how to get one when neither is there (or
    either is another file)."""
    try:
        packaged = Path(str(files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"))
    except ModuleNotFoundError:
        packaged = None
    found = [p for p in (packaged, DEBIAN_FONT) if p is not None and p.is_file()]
    for path in found:
        if hashlib.sha256(path.read_bytes()).hexdigest() == FONT_SHA256:
            return path
    if found:
        raise ConfigError(
            f"the font {found[0]} is not WenQuanYi Micro Hei 0.2.0-beta (its SHA-256 differs): "
            "reinstall paperang-p2-fonts-cjk==0.1.0 or Debian's fonts-wqy-microhei"
        )
    raise ConfigError(
        "no CJK font for documents: install the Python package paperang-p2-fonts-cjk "
        "(pip install paperang-p2-fonts-cjk==0.1.0) or Debian's fonts-wqy-microhei"
    )


def render_pdf(sections: Sequence[Section], *, metadata: Metadata, issued: dt.datetime) -> bytes:
    """The sections one after the other (each language below the one before, a rule between
    them, or from a new page when it would not fit below) as PDF bytes; ``issued`` is the
    PDF's creation date."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN, 18.0, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=18.0)
    pdf.set_creation_date(issued)
    pdf.set_title(metadata.title)
    pdf.set_subject(metadata.subject)
    pdf.set_author(metadata.author)
    pdf.set_keywords(" ".join(metadata.keywords))
    pdf.set_creator("shoutu")
    if sections:
        pdf.set_lang(sections[0].lang)
    pdf.add_font(FONT, fname=str(font_path()), collection_font_number=0)
    pdf.add_page()
    for number, section in enumerate(sections):
        if number:
            with pdf.offset_rendering() as trial:
                _rule(trial)
                _draw(trial, section)
            if trial.page_break_triggered:
                pdf.add_page()
            else:
                _rule(pdf)
        _draw(pdf, section)
    return bytes(pdf.output())


def _rule(pdf: Any) -> None:
    """The line between two languages."""
    pdf.ln(4)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(6)


def _draw(pdf: Any, section: Section) -> None:
    """One section from the current position."""
    from fpdf.enums import Align, MethodReturnValue, XPos, YPos
    from fpdf.fonts import FontFace

    width = pdf.w - 2 * MARGIN

    def line(text: str, size: float, align: Align = Align.L, height: float = LINE) -> None:
        pdf.set_font(FONT, size=size)
        pdf.multi_cell(width, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def lines(cell_width: float, text: str) -> int:
        found = pdf.multi_cell(cell_width, LINE, text, dry_run=True, output=MethodReturnValue.LINES)
        return len(found) if isinstance(found, list) else 1

    line(section.title, 18, Align.C, 10)
    for text in section.heading:
        line(text, 9.5, Align.C, 5.5)
    pdf.ln(3)
    for text in section.paragraphs:
        line(text, 11)
        pdf.ln(1.5)
    label_width = 38.0 if section.lang.startswith("en") else 30.0
    pdf.set_font(FONT, size=10.5)
    for label, value in section.fields:
        shown = value or "—"
        rows = max(lines(label_width, label), lines(width - label_width, shown))
        if pdf.will_page_break(rows * LINE):  # a field is never split across pages
            pdf.add_page()
        top = pdf.get_y()
        pdf.multi_cell(label_width, LINE, label, align=Align.L, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.multi_cell(width - label_width, LINE, shown, align=Align.L, new_y=YPos.TOP)
        pdf.set_xy(MARGIN, top + rows * LINE)
    if section.table is not None:
        pdf.ln(2)
        pdf.set_font(FONT, size=9.5)
        with pdf.table(
            col_widths=section.table.widths,
            line_height=5.5,
            headings_style=FontFace(emphasis=None, fill_color=(235, 235, 235)),
            text_align="LEFT",
        ) as table:
            for cells in (section.table.headers, *section.table.rows):
                row = table.row()
                for cell in cells:
                    row.cell(cell)
    for chart in section.charts:
        height = width * CHART_RATIO
        pdf.ln(3)
        if pdf.will_page_break(height):
            pdf.add_page()
        draw_pdf(pdf, chart, x=MARGIN, y=pdf.get_y(), width=width, height=height, font=FONT)
        pdf.set_y(pdf.get_y() + height)
    if section.notes:
        pdf.ln(2)
    for text in section.notes:
        line(text, 10)
    if section.closing:
        pdf.ln(5)
    for text in section.closing:
        line(text, 10.5, Align.R)


def render_markdown(sections: Sequence[Section]) -> str:
    """The sections as Markdown (charts left out: Markdown has no pictures of its own)."""
    out: list[str] = []
    for section in sections:
        out += [f"# {section.title}", ""]
        out += [f"*{text}*  " for text in section.heading] + ([""] if section.heading else [])
        for text in section.paragraphs:
            out += [text, ""]
        out += [f"- **{label}**: {value or '—'}" for label, value in section.fields]
        if section.fields:
            out.append("")
        if section.table is not None:
            cells = [section.table.headers, *section.table.rows]
            out += [
                "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells[:1]
            ]
            out.append("|" + "---|" * len(section.table.headers))
            out += [
                "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells[1:]
            ]
            out.append("")
        out += [f"> {text}" for text in section.notes] + ([""] if section.notes else [])
        out += [text for text in section.closing]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_html(sections: Sequence[Section], *, title: str) -> str:
    """The sections as one HTML page (charts as inline SVG), with no outside resource."""
    from html import escape

    from shoutu.io.charts import svg

    lang = sections[0].lang if sections else "zh-CN"
    body: list[str] = []
    for section in sections:
        body.append(f'<section lang="{escape(section.lang)}"><h1>{escape(section.title)}</h1>')
        body += [f'<p class="heading">{escape(t)}</p>' for t in section.heading]
        body += [f"<p>{escape(t)}</p>" for t in section.paragraphs]
        if section.fields:
            body.append("<dl>")
            body += [f"<dt>{escape(k)}</dt><dd>{escape(v or '—')}</dd>" for k, v in section.fields]
            body.append("</dl>")
        if section.table is not None:
            head = "".join(f"<th>{escape(h)}</th>" for h in section.table.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                for row in section.table.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        body += [f"<figure>{svg(chart)}</figure>" for chart in section.charts]
        body += [f'<p class="note">{escape(t)}</p>' for t in section.notes]
        body += [f'<p class="closing">{escape(t)}</p>' for t in section.closing]
        body.append("</section>")
    style = (
        "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;max-width:48rem;"
        "margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}"
        "h1{text-align:center;font-size:1.5rem}.heading{text-align:center;color:#555;margin:0}"
        "table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.2rem .4rem}"
        "th{background:#eee}figure{margin:1rem 0}svg{max-width:100%;height:auto}"
        ".note{color:#555;font-size:.9rem}.closing{text-align:right}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{style}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def write_pdf(path: Path, content: bytes) -> None:
    """``content`` to ``path`` atomically (a temporary file beside it, then renamed); a
    folder that is missing or not writable is a FileUnusable error."""
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:  # the folder: name the file asked for, not the temporary one
        exc.filename = str(path)
        raise FileUnusable.of(exc) from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        if exc.filename is None:
            exc.filename = str(path)
        raise FileUnusable.of(exc) from exc


__all__ = [
    "FONT_SHA256",
    "Metadata",
    "Section",
    "Table",
    "font_path",
    "render_html",
    "render_markdown",
    "render_pdf",
    "write_pdf",
]
