"""Where the tests' files are (importable from every test folder, as ``pgserver`` is)."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent  # the repository
SRC = ROOT / "src" / "shoutu"
DATA = TESTS / "data"  # small hand-made inputs
GOLDEN = TESTS / "golden"  # reference outputs (R runs), refreshed only by their scripts
SHARED = ROOT.parent / "shared"  # the shared data beside the clone
SHARED_DATA = SHARED / "data"
PUBLIC = SHARED_DATA / "public"
