"""PDF documents from plain data (``io/documents.py``): the Chinese is embedded and
extractable, the same content renders to the same bytes, and a missing font or folder is a
typed error."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from shoutu.errors import ConfigError, FileUnusable
from shoutu.io import documents
from shoutu.io.documents import FONT_SHA256, Metadata, Section, Table, render_pdf, write_pdf

ISSUED = dt.datetime(2022, 7, 2, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SECTIONS = [
    Section(
        "zh-CN",
        "隔离通知书",
        ("编号：GLTZ-00000001",),
        ("根据《新型冠状病毒肺炎防控方案（第九版）》，你自 2022-07-02 09:00 起实施集中隔离。",),
        (("姓名", "王**"), ("证件", "居民身份证 310***********013X")),
        Table(("阶段", "核酸检测日"), (("集中隔离", "2022-07-02、2022-07-03"),)),
        ("注：≥ 35",),
        ("签发单位：黄浦区",),
    ),
    Section("en", "Quarantine order", fields=(("Name", "王**"),), closing=("Issued by: Huangpu",)),
]


def _render() -> bytes:
    return render_pdf(SECTIONS, metadata=Metadata("隔离通知书 GLTZ-00000001"), issued=ISSUED)


def test_the_text_is_embedded_extractable_and_the_same_each_time() -> None:
    pdf = _render()
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    for shown in ("隔离通知书", "310***********013X", "2022-07-02、2022-07-03", "Quarantine order"):
        assert shown in text, shown
    assert text.index("隔离通知书") < text.index("Quarantine order")
    fonts = reader.pages[0]["/Resources"]["/Font"]
    [font] = [f.get_object() for f in fonts.values()]
    descendant = font["/DescendantFonts"][0].get_object()
    assert str(font["/BaseFont"]).endswith("+WenQuanYiMicroHei")  # a subset, embedded
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    assert reader.metadata is not None and reader.metadata.title == "隔离通知书 GLTZ-00000001"
    assert reader.metadata.creation_date is not None
    assert reader.metadata.creation_date.date() == ISSUED.date()
    assert _render() == pdf


def test_the_font_is_debians_wenquanyi_micro_hei() -> None:
    path = documents.font_path()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == FONT_SHA256


def test_a_missing_or_different_font_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents.font_path.cache_clear()
    monkeypatch.setattr(documents, "files", lambda name: tmp_path / "none")
    monkeypatch.setattr(documents, "DEBIAN_FONT", tmp_path / "wqy-microhei.ttc")
    try:
        with pytest.raises(ConfigError, match="no CJK font"):
            documents.font_path()
        (tmp_path / "wqy-microhei.ttc").write_bytes(b"not a font")
        with pytest.raises(ConfigError, match="SHA-256 differs"):
            documents.font_path()
    finally:
        documents.font_path.cache_clear()


def test_a_folder_that_cannot_be_written_is_file_unusable(tmp_path: Path) -> None:
    with pytest.raises(FileUnusable, match="missing"):
        write_pdf(tmp_path / "missing" / "order.pdf", b"%PDF-1.3")
    write_pdf(tmp_path / "order.pdf", b"%PDF-1.3")
    assert (tmp_path / "order.pdf").read_bytes() == b"%PDF-1.3"
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["order.pdf"]
