"""The palette's ranking rule (ui/catalogue.py's `rank`): a query word that is a whole word of a
label beats one that only starts a label word; among equal matches, the type more shipped
templates use comes first; then the label. The browser's palette applies the same rule, so a
newcomer typing `split` and pressing Enter gets *Train/test split*, not *Split column*."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataflow.kernel import load_registry
from dataflow.ui import catalogue, storage

ROOT = Path(__file__).resolve().parents[2]
PALETTE_HTML = ROOT / "ui" / "palette_component" / "index.html"


def entry(type_id: str, label: str, uses: int = 0, description: str = "") -> catalogue.Entry:
    return catalogue.Entry(type_id, label, "Test", description, (), uses)


def test_a_whole_word_of_the_label_beats_the_start_of_a_longer_word():
    hits = catalogue.search([entry("a.splitter", "Splitter rows", uses=9), entry("b.split", "Quick split")], "split")
    assert [e.type_id for e in hits] == ["b.split", "a.splitter"]


def test_among_equal_matches_the_type_more_templates_use_comes_first_then_the_label():
    hits = catalogue.search([entry("a", "Alpha split"), entry("b", "Beta split", uses=2), entry("c", "Gamma split")],
                            "split")
    assert [e.type_id for e in hits] == ["b", "a", "c"]


def test_template_uses_count_each_template_once_per_type():
    assert catalogue.uses([["x", "x", "y"], ["x"], []]) == {"x": 2, "y": 1}


@pytest.fixture(scope="module")
def shipped_entries() -> list[catalogue.Entry]:
    reg = load_registry()
    if not {"sklearn.train_test_split", "transform.split_column"} <= set(reg.nodes):
        pytest.skip("the sklearn and transform plugins are not installed")
    templates = storage.list_workflows(ROOT / "workflows")
    used = catalogue.uses(storage.describe_workflow(p)["types"] for p in templates)
    return catalogue.entries(reg.nodes.values(), reg.contributions("estimators"), used)


def test_split_finds_the_train_test_split_first(shipped_entries):
    hits = [e.type_id for e in catalogue.search(shipped_entries, "split")]
    assert hits[0] == "sklearn.train_test_split"
    assert "transform.split_column" in hits[1:]


def test_the_browser_palette_ranks_split_the_same_way_and_enter_adds_it(shipped_entries):
    """The component itself (its page opened on its own), given the app's entries: typing `split`
    puts Train/test split first, and Enter sends its type id."""
    from tests.ui.browser import shared_chromium

    ctx = shared_chromium().new_context()
    try:
        page = ctx.new_page()
        page.add_init_script("window.__sent = []; window.addEventListener('message', e => window.__sent.push(e.data));")
        page.goto(PALETTE_HTML.as_uri())
        page.evaluate("entries => window.postMessage({type: 'streamlit:render', args: {entries}}, '*')",
                      [e.to_dict() for e in shipped_entries])
        page.locator("#q").fill("split")
        page.locator("#q").press("Enter")
        browser_order = page.eval_on_selector_all("button.node", "bs => bs.map(b => b.dataset.id)")
        page.wait_for_function("() => window.__sent.some(m => m.type === 'streamlit:setComponentValue')")
        sent = [m for m in page.evaluate("window.__sent") if m.get("type") == "streamlit:setComponentValue"]
        page.locator("#q").fill("train")  # the label's compound word (Train/test) as in Python
        train_order = page.eval_on_selector_all("button.node", "bs => bs.map(b => b.dataset.id)")
    finally:
        ctx.close()
    assert browser_order == [e.type_id for e in catalogue.search(shipped_entries, "split")], json.dumps(browser_order)
    assert sent[-1]["value"]["add"] == "sklearn.train_test_split"
    assert train_order == [e.type_id for e in catalogue.search(shipped_entries, "train")], json.dumps(train_order)
    assert train_order[0] == "sklearn.train_classifier"


def test_train_finds_train_classifier_first_and_split_still_finds_train_test_split(shipped_entries):
    """A slash joins a compound: `train` only starts Train/test's first word, while it is a whole word
    of Train classifier (with words split at the slash, the template count put Train/test split first
    and a newcomer typing `train` after adding a split got a second split)."""
    assert catalogue.label_words("Train/test split") == ["train/test", "split"]
    assert [e.type_id for e in catalogue.search(shipped_entries, "train")][:2] == [
        "sklearn.train_classifier", "sklearn.train_regressor"]
    assert catalogue.search(shipped_entries, "split")[0].type_id == "sklearn.train_test_split"
    assert "sklearn.train_test_split" in [e.type_id for e in catalogue.search(shipped_entries, "test")]
