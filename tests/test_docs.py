"""The docs stay true: every SDK name and every hook is documented, and the hook page is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import dataflow.sdk

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_the_hook_page_is_generated_from_the_current_hookspecs():
    done = subprocess.run([sys.executable, "docs/hookdocs.py"], cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    page = done.stdout.decode("utf-8")
    assert (DOCS / "hookspecs.md").read_bytes().decode("utf-8") == page, (
        "docs/hookspecs.md is out of date: run `python docs/hookdocs.py > docs/hookspecs.md`")
    assert len(re.findall(r"^## `\w+\(", page, flags=re.M)) >= 10  # 5 registration, 5 event hooks


def test_every_sdk_name_has_a_section_in_the_reference():
    text = (DOCS / "sdk-reference.md").read_text()
    documented = set(re.findall(r"^### `(\w+)`", text, flags=re.M))
    assert sorted(set(dataflow.sdk.__all__) - documented) == []
    assert sorted(documented - set(dataflow.sdk.__all__)) == []


def test_links_between_the_docs_resolve():
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
