"""The palette's search: a node is found by its label, its description words and what its
parameters offer to choose (Literal choices, registered estimators), best match first."""

from __future__ import annotations

import pytest

from dataflow.kernel import load_registry
from dataflow.ui import catalogue


@pytest.fixture(scope="module")
def entries():
    reg = load_registry()
    if not {"samples.dataset", "sklearn.train_test_split"} <= set(reg.nodes):
        pytest.skip("the samples and sklearn plugins are not installed")
    return catalogue.entries(reg.nodes.values(), reg.contributions("estimators"))


def first(entries, query: str) -> str:
    hits = catalogue.search(entries, query)
    assert hits, f"nothing found for {query!r}"
    return hits[0].type_id


def test_a_data_set_name_finds_the_node_that_offers_it(entries):
    assert first(entries, "iris") == "samples.dataset"
    assert first(entries, "wine") == "samples.dataset"


def test_an_estimator_id_finds_the_node_that_trains_it(entries):
    assert first(entries, "kmeans") == "sklearn.cluster"
    assert first(entries, "k-means") == "sklearn.cluster"    # the estimator's label


def test_words_of_the_label_rank_first_and_every_word_must_match(entries):
    assert first(entries, "train test") == "sklearn.train_test_split"
    assert first(entries, "confusion") == "plotly.confusion_matrix"
    assert catalogue.search(entries, "confusion zebra") == []


def test_description_words_find_a_node(entries):
    dataset = next(e for e in entries if e.type_id == "samples.dataset")
    word = catalogue.words(dataset.description)[-1]
    assert dataset in catalogue.search(entries, word)


def test_the_tree_lists_every_top_level_category_once(entries):
    tree = catalogue.tree(entries)
    assert set(tree) == {e.category.split("/")[0] for e in entries}
    assert sum(len(v) for subs in tree.values() for v in subs.values()) == len(entries)
