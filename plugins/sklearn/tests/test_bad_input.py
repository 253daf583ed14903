"""Bad input to every node that reads columns gets a NodeError that names the setting or input to fix.

Nodes that take their columns from a trained model (predict, cross-validate, tune, permutation
importance) have no `features` or `target` setting: their errors name the `table` input and the
model's recorded columns instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_sklearn.importance import feature_importance
from dataflow_sklearn.metrics import evaluate
from dataflow_sklearn.preprocessing import encode, scale
from dataflow_sklearn.training import predict, train_classifier
from dataflow_sklearn.unsupervised import cluster, pca
from dataflow_sklearn.validation import cross_validate, tune

from dataflow.sdk import NodeError, run_node

WIDTH = "sepal width (cm)"


@pytest.fixture
def bad(iris):
    """Iris variants a user might connect by mistake, and a model trained on the clean table."""
    gaps = iris.copy()
    gaps.loc[[1, 5], WIDTH] = np.nan
    infinite = iris.copy()
    infinite.loc[[3], WIDTH] = np.inf
    text = iris.assign(**{WIDTH: iris[WIDTH].astype("str")})
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    return {"iris": iris, "numbers": iris.drop(columns="species"), "gaps": gaps, "gap numbers": gaps.drop(
        columns="species"), "infinite": infinite.drop(columns="species"), "text": text, "model": model,
        "no petal width": iris.drop(columns="petal width (cm)"), "no target": iris.drop(columns="species")}


GAPS = r"missing values in 'sepal width \(cm\)' \(2 missing\) of 150 rows"
MODEL_GAPS = GAPS + r" of the `table` input \(the model's feature columns\); fill them with transform.fill_missing"
LACKS = r"the `table` input lacks column\(s\) '{}' that the model was trained on \(features .*, target 'species'\)"
TEXT_AT_MODEL = (r"in the `table` input, the model's feature column holds text or categories, not numbers: "
                 r"'sepal width \(cm\)' \(str\); turn it into numbers the way the training rows were")
GRID = {"grid": {"C": [0.1, 1.0]}}

CASES = [
    # node, inputs (names in `bad`), parameters, expected message
    (scale, {"table": "iris"}, {"columns": ["petal lenght"]},
     r"parameter 'columns': column 'petal lenght' not in the table .did you mean `petal length \(cm\)`"),
    (scale, {"table": "iris"}, {"columns": ["species"]},
     r"parameter 'columns': column holds text or categories, not numbers: 'species' .*sklearn.encode"),
    (encode, {"table": "iris"}, {"columns": ["specie"]},
     r"parameter 'columns': column 'specie' not in the table .did you mean `species`"),
    (encode, {"table": "numbers"}, {}, r"parameter 'columns': the table has no text or category column to encode"),
    (predict, {"model": "model", "table": "text"}, {}, TEXT_AT_MODEL),
    (predict, {"model": "model", "table": "gaps"}, {}, MODEL_GAPS),
    (predict, {"model": "model", "table": "infinite"}, {},
     r"infinite values in 'sepal width \(cm\)' \(1 infinite\) of 150 rows of the `table` input"),
    (cluster, {"table": "gap numbers"}, {}, "parameter 'columns': " + GAPS),
    (cluster, {"table": "gap numbers"}, {"model": "sklearn.dbscan"}, "parameter 'columns': " + GAPS),
    (cluster, {"table": "infinite"}, {}, r"parameter 'columns': infinite values in 'sepal width \(cm\)' \(1 infinite\)"),
    (pca, {"table": "gap numbers"}, {}, "parameter 'columns': " + GAPS),
    (pca, {"table": "infinite"}, {}, r"parameter 'columns': infinite values in 'sepal width \(cm\)' \(1 infinite\) "
                                     r"of 150 rows; no model can use them"),
    (cross_validate, {"model": "model", "table": "no petal width"}, {}, LACKS.format(r"petal width \(cm\)")),
    (cross_validate, {"model": "model", "table": "no target"}, {}, LACKS.format("species")),
    (cross_validate, {"model": "model", "table": "gaps"}, {}, MODEL_GAPS),
    (cross_validate, {"model": "model", "table": "text"}, {}, TEXT_AT_MODEL),
    (tune, {"model": "model", "table": "no petal width"}, GRID, LACKS.format(r"petal width \(cm\)")),
    (tune, {"model": "model", "table": "gaps"}, GRID, MODEL_GAPS),
    (tune, {"model": "model", "table": "text"}, GRID, TEXT_AT_MODEL),
    (feature_importance, {"model": "model", "table": "no target"}, {"method": "permutation"}, LACKS.format("species")),
    (feature_importance, {"model": "model", "table": "gaps"}, {"method": "permutation"}, MODEL_GAPS),
]


@pytest.mark.parametrize(("fn", "inputs", "params", "message"), CASES,
                         ids=[f"{c[0].__name__}-{'-'.join(c[1].values())}-{'-'.join(c[2]) or 'defaults'}"
                              for c in CASES])
def test_bad_input_is_a_clear_node_error(bad, fn, inputs, params, message):
    with pytest.raises(NodeError, match=message) as caught:
        run_node(fn, {port: bad[name] for port, name in inputs.items()}, **params)
    text = str(caught.value)
    if fn is not train_classifier:  # the other nodes have no such settings, so no message may name them
        assert "parameter 'features'" not in text and "parameter 'target'" not in text


def test_a_model_fit_failing_in_a_fold_names_no_setting_cross_validate_lacks(iris):
    model = run_node(train_classifier, {"table": iris}, target="species", model="sklearn.knn_classifier",
                     hyperparameters={"n_neighbors": 100})["model"]
    with pytest.raises(NodeError, match=r"^model 'sklearn.knn_classifier' \(fold 1\) could not be scored: .*"
                                        r"n_neighbors.*; use fewer folds") as caught:
        run_node(cross_validate, {"model": model, "table": iris.head(120).sample(frac=1, random_state=0)}, folds=2)
    assert "parameter 'hyperparameters'" not in str(caught.value)


@pytest.mark.parametrize(("truth", "predicted", "accuracy"), [
    (["a", "a", "a", "a"], ["a", "b", "a", "a"], 0.75),
    (["b", "b", "b"], ["b", "b", "b"], None),  # one class in truth and prediction: nothing to score
], ids=["one class in the truth", "one class everywhere"])
def test_evaluate_with_one_class_in_the_truth(run_warned, truth, predicted, accuracy):
    table = pd.DataFrame({"truth": truth, "guess": predicted})
    if accuracy is None:
        with pytest.raises(NodeError, match=r"parameter 'truth': only one class \('b'\) appears in truth and "
                                            "prediction; classification scores need at least two"):
            run_warned(evaluate, {"predictions": table}, truth="truth", prediction="guess")
        return
    outputs, warnings = run_warned(evaluate, {"predictions": table}, truth="truth", prediction="guess")
    assert outputs["metrics"]["accuracy"] == accuracy
    assert warnings == ["the truth column 'truth' holds a single class ('a'): only accuracy is meaningful; precision, "
                        "recall and F1 count classes absent from the truth as zero. Score rows of several classes "
                        "(e.g. a stratified split)"]


def test_evaluate_predictions_of_one_class_of_rows_warns_and_skips_roc_auc(iris, run_warned):
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    setosa = run_node(predict, {"model": model, "table": iris.head(50)})["table"]
    outputs, warnings = run_warned(evaluate, {"predictions": setosa})
    assert outputs["metrics"]["accuracy"] == 1.0 and "roc_auc" not in outputs["metrics"]
    assert any("holds a single class ('setosa')" in w for w in warnings)
    assert "ROC AUC is undefined: the truth holds a single class" in warnings
