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

#: the font file's SHA-256 (Debian's fonts-wqy-microhei 0.2.0-beta-3.1, the PyPI package's too)
FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
DEBIAN_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "wqy"
MARGIN = 20.0  # mm, each side
LINE = 6.5  # mm, a line of body text


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
    if section.notes:
        pdf.ln(2)
    for text in section.notes:
        line(text, 10)
    if section.closing:
        pdf.ln(5)
    for text in section.closing:
        line(text, 10.5, Align.R)


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


__all__ = ["FONT_SHA256", "Metadata", "Section", "Table", "font_path", "render_pdf", "write_pdf"]
