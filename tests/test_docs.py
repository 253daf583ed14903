"""The docs stay true: every SDK name and every hook is documented, and the hook page is current."""

from __future__ import annotations

import re
from pathlib import Path

import dataflow.sdk
from dataflow.kernel.hookdocs import hook_names, render

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_hook_page_is_generated_from_the_current_hookspecs():
    assert (DOCS / "hookspecs.md").read_text() == render(), (
        "docs/hookspecs.md is out of date: run `python -m dataflow.kernel.hookdocs > docs/hookspecs.md`")
    assert len(hook_names()) >= 11


def test_every_sdk_name_has_a_section_in_the_reference():
    text = (DOCS / "sdk-reference.md").read_text()
    documented = set(re.findall(r"^### `(\w+)`", text, flags=re.M))
    assert sorted(set(dataflow.sdk.__all__) - documented) == []
    assert sorted(documented - set(dataflow.sdk.__all__)) == []


def test_links_between_the_docs_resolve():
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+)\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
