"""The vendored JavaScript matches its manifest (version, licence, sha256 of the file as taken
from the npm registry's tarball by scripts/vendor_js.py), and no page links outside."""

from __future__ import annotations

import hashlib
import json
import re

from paths import SRC

VENDOR = SRC / "web" / "static" / "vendor"


def test_vendored_files_match_the_manifest() -> None:
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text())
    assert {m["package"] for m in manifest} == {"echarts", "htmx.org", "cytoscape"}
    for entry in manifest:
        data = (VENDOR / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert (VENDOR / entry["licence_file"]).stat().st_size > 100
        assert entry["tarball_integrity"].startswith("sha512-")
    listed = {m["file"] for m in manifest} | {m["licence_file"] for m in manifest}
    assert {p.name for p in VENDOR.iterdir()} == listed | {"MANIFEST.json"}


def test_no_page_links_outside() -> None:
    outside = re.compile(r"""(src|href)=["'](https?:)?//""")
    for template in (SRC / "web" / "templates").glob("*.html"):
        assert not outside.search(template.read_text()), template.name
    assert "http" not in (SRC / "web" / "static" / "app.js").read_text()
