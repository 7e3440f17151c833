#!/usr/bin/env python3
"""Vendor the web pages' JavaScript libraries from the npm registry (no CDN link anywhere).

For each library in ``PACKAGES``: ``npm pack NAME@VERSION``, check the tarball against the
registry's integrity (sha512), copy its file and licence into ``src/shoutu/web/static/vendor/``
and record version, licence, the tarball's integrity and the file's sha256 in ``MANIFEST.json``
(``tests/web/test_vendor.py`` rechecks the hashes). Run it to add or bump a library:

    python scripts/vendor_js.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "shoutu" / "web" / "static" / "vendor"
#: (package, version, file in the tarball, licence)
PACKAGES = (
    ("echarts", "6.1.0", "dist/echarts.min.js", "Apache-2.0"),
    ("htmx.org", "2.0.11", "dist/htmx.min.js", "0BSD"),
    ("cytoscape", "3.35.0", "dist/cytoscape.min.js", "MIT"),
)


def main() -> int:
    manifest = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, member, licence in PACKAGES:
            packed = json.loads(
                subprocess.run(
                    ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )[0]
            tarball = Path(tmp) / packed["filename"]
            algorithm, expected = packed["integrity"].split("-", 1)
            digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest())
            if digest.decode() != expected:
                print(f"error: {tarball.name} does not match its integrity", file=sys.stderr)
                return 1
            with tarfile.open(tarball) as archive:
                content = archive.extractfile(f"package/{member}")
                notice = archive.extractfile("package/LICENSE")
                assert content is not None and notice is not None
                data = content.read()
                target = VENDOR / Path(member).name
                target.write_bytes(data)
                (VENDOR / f"{name}.LICENSE").write_bytes(notice.read())
            manifest.append(
                {
                    "package": name,
                    "version": version,
                    "licence": licence,
                    "file": target.name,
                    "licence_file": f"{name}.LICENSE",
                    "tarball_integrity": packed["integrity"],
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
            print(f"{name}@{version}: {target.name} ({len(data):,} bytes)")
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
