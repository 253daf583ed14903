"""Split, train, predict and evaluate on real data: the numbers match a plain scikit-learn script."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dataflow_sklearn.metrics import evaluate
from dataflow_sklearn.models import TrainedModel
from dataflow_sklearn.split import train_test_split
from dataflow_sklearn.training import predict, train_classifier, train_regressor

from dataflow.sdk import NodeError, run_node

FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def split(table, **params):
    out = run_node(train_test_split, {"table": table}, **params)
    return out["train"], out["test"]


def test_split_gives_the_rows_scikit_learn_gives_for_the_same_seed(iris):
    from sklearn.model_selection import train_test_split as sk_split

    train, test = split(iris, test_fraction=0.2, stratify="species", seed=3)
    sk_train, sk_test = sk_split(iris, test_size=0.2, random_state=3, stratify=iris["species"])
    assert (len(train), len(test)) == (120, 30)
    assert list(train.index) == list(sk_train.index) and list(test.index) == list(sk_test.index)
    assert test["species"].value_counts().to_dict() == {"setosa": 10, "versicolor": 10, "virginica": 10}
    assert set(train.index).isdisjoint(test.index)


def test_split_rejects_a_stratify_class_with_one_row_and_a_misspelt_column(iris):
    lonely = pd.concat([iris, iris.head(1).assign(species="unicorn")], ignore_index=True)
    with pytest.raises(NodeError, match=r"parameter 'stratify': class\(es\) 'unicorn'.*single row"):
        split(lonely, stratify="species")
    with pytest.raises(NodeError, match="column 'specie' not in the table .did you mean `species`"):
        split(iris, stratify="specie")


def test_iris_logistic_regression_scores_like_the_plain_script(iris):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split as sk_split

    train, test = split(iris, test_fraction=0.3, stratify="species", seed=1)
    model = run_node(train_classifier, {"table": train}, target="species")["model"]
    predictions = run_node(predict, {"model": model, "table": test})["table"]
    metrics = run_node(evaluate, {"predictions": predictions})["metrics"]

    X_train, X_test, y_train, y_test = sk_split(iris[FEATURES], iris["species"], test_size=0.3, random_state=1,
                                                stratify=iris["species"])
    plain = LogisticRegression(C=1.0, max_iter=1000, random_state=0).fit(X_train.to_numpy(), y_train.to_numpy())
    expected = plain.predict(X_test.to_numpy())
    assert metrics["accuracy"] >= 0.9
    assert metrics["accuracy"] == pytest.approx(accuracy_score(y_test, expected))
    assert metrics["f1"] == pytest.approx(f1_score(y_test, expected, average="macro"))
    assert list(predictions["prediction"]) == list(expected)
    assert 0.95 <= metrics["roc_auc"] <= 1.0 and metrics["average"] == "macro" and metrics["rows"] == 45


def test_the_model_remembers_what_it_was_trained_on(iris):
    model = run_node(train_classifier, {"table": iris}, target="species",
                     model="sklearn.random_forest_classifier", hyperparameters={"n_estimators": 10})["model"]
    assert isinstance(model, TrainedModel)
    assert (model.task, model.target, model.features) == ("classification", "species", FEATURES)
    assert model.classes == ["setosa", "versicolor", "virginica"]
    assert model.estimator_id == "sklearn.random_forest_classifier"
    assert model.hyperparameters == {"n_estimators": 10, "max_depth": None, "min_samples_leaf": 1, "random_state": 0}
    assert 0.98 < model.training_score <= 1.0 and model.all_features


def test_predict_adds_prediction_and_probability_columns_and_records_them(iris):
    model = run_node(train_classifier, {"table": iris}, target="species", features=FEATURES[2:])["model"]
    out = run_node(predict, {"model": model, "table": iris})["table"]
    probabilities = ["probability_setosa", "probability_versicolor", "probability_virginica"]
    assert list(out.columns) == [*iris.columns, "prediction", *probabilities]
    assert np.allclose(out[probabilities].sum(axis=1), 1.0)
    assert out.attrs["dataflow"]["predictions"] == {
        "task": "classification", "truth": "species", "prediction": "prediction",
        "classes": ["setosa", "versicolor", "virginica"], "probabilities": probabilities,
        "model": "sklearn.logistic_regression", "features": FEATURES[2:]}
    assert "prediction" not in iris.columns and iris.attrs == {}  # the input is untouched


def test_predictions_survive_the_table_serializer_with_their_attrs(iris):
    from dataflow_serializers.tables import TableSerializer

    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    out = run_node(predict, {"model": model, "table": iris})["table"]
    back = TableSerializer().loads(TableSerializer().dumps(out))
    assert back.attrs == out.attrs
    assert run_node(evaluate, {"predictions": back})["metrics"] == run_node(evaluate, {"predictions": out})["metrics"]


def test_predict_on_rows_without_the_target_has_no_truth_and_evaluate_says_so(iris):
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    out = run_node(predict, {"model": model, "table": iris.drop(columns="species")})["table"]
    assert out.attrs["dataflow"]["predictions"]["truth"] is None
    with pytest.raises(NodeError, match="no truth column: the target column was not in the table"):
        run_node(evaluate, {"predictions": out})


def test_predict_names_the_missing_feature_columns(iris):
    model = run_node(train_classifier, {"table": iris}, target="species")["model"]
    with pytest.raises(NodeError, match="lacks the model's feature column.s. 'petal width .cm.'"):
        run_node(predict, {"model": model, "table": iris.drop(columns="petal width (cm)")})


PETALS = ["petal length (cm)", "petal width (cm)"]


@pytest.mark.parametrize("features", [[], PETALS], ids=["all columns", "named features"])
def test_predict_refuses_columns_the_model_never_saw(iris, features):
    model = run_node(train_classifier, {"table": iris}, target="species", features=features)["model"]
    with pytest.raises(NodeError, match=r"the `table` input has column\(s\) 'extra', 'note' that the model never saw: "
                                        r"it was trained on the features '.*' and the target "
                                        r"'species'; drop them \(transform.select\)"):
        run_node(predict, {"model": model, "table": iris.assign(extra=1.0, note="x")})


def test_predict_accepts_the_target_columns_left_out_and_earlier_predictions(iris, run_warned):
    """The test rows of a split hold the target and the columns the model was told not to use; a
    second model's predictions may be added to a table that holds the first one's."""
    train, test = split(iris, stratify="species", seed=0)
    petals = run_node(train_classifier, {"table": train}, target="species", features=PETALS)["model"]
    first, warnings = run_warned(predict, {"model": petals, "table": test})
    assert warnings == [] and first["table"]["prediction"].notna().all()
    assert (first["table"]["prediction"] == test["species"]).mean() > 0.9
    everything = run_node(train_classifier, {"table": train}, target="species")["model"]
    second, warnings = run_warned(predict, {"model": everything, "table": first["table"]})
    assert warnings == ["replaced existing column(s) prediction, probability_setosa, probability_versicolor, "
                        "probability_virginica with this model's predictions"]
    assert list(second["table"].columns) == list(first["table"].columns)


def test_a_model_that_did_not_record_its_training_columns_warns_instead(iris, run_warned):
    import dataclasses

    model = run_node(train_classifier, {"table": iris}, target="species", features=PETALS)["model"]
    assert model.columns == list(iris.columns)
    older = dataclasses.replace(model, columns=None)  # as cached or saved before columns were recorded
    out, warnings = run_warned(predict, {"model": older, "table": iris.assign(extra=1.0)})
    assert warnings == ["column(s) 'sepal length (cm)', 'sepal width (cm)', 'extra' are not among the model's "
                        "features and are ignored by it"]
    assert "prediction" in out["table"].columns


def test_binary_classification_scores_the_positive_class(cancer):
    from sklearn.metrics import precision_score, roc_auc_score

    train, test = split(cancer, stratify="target", seed=0)
    model = run_node(train_classifier, {"table": train}, target="target", model="sklearn.random_forest_classifier",
                     hyperparameters={"n_estimators": 20})["model"]
    out = run_node(predict, {"model": model, "table": test})["table"]
    metrics = run_node(evaluate, {"predictions": out})["metrics"]
    assert model.classes == [0, 1]
    assert metrics["average"] == "binary (positive class 1)"
    assert metrics["precision"] == pytest.approx(precision_score(test["target"], out["prediction"]))
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(test["target"], out["probability_1"]))
    assert metrics["accuracy"] > 0.9


def test_diabetes_regression_matches_the_plain_script(diabetes):
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_absolute_error, r2_score

    train, test = split(diabetes, seed=0)
    model = run_node(train_regressor, {"table": train}, target="target", model="sklearn.ridge",
                     hyperparameters={"alpha": 0.1})["model"]
    out = run_node(predict, {"model": model, "table": test})["table"]
    metrics = run_node(evaluate, {"predictions": out})["metrics"]
    features = [c for c in diabetes.columns if c != "target"]
    plain = Ridge(alpha=0.1).fit(train[features].to_numpy(), train["target"].to_numpy())
    expected = plain.predict(test[features].to_numpy())
    assert set(metrics) == {"r2", "mae", "rmse", "rows"}
    assert metrics["r2"] == pytest.approx(r2_score(test["target"], expected)) and metrics["r2"] > 0.3
    assert metrics["mae"] == pytest.approx(mean_absolute_error(test["target"], expected))
    assert metrics["rmse"] == pytest.approx(np.sqrt(np.mean((test["target"] - expected) ** 2)))
    assert out.attrs["dataflow"]["predictions"]["probabilities"] == []


def test_evaluate_works_on_any_table_with_the_columns_chosen():
    table = pd.DataFrame({"truth": ["a", "b", "a", "b"], "guess": ["a", "b", "b", "b"]})
    metrics = run_node(evaluate, {"predictions": table}, truth="truth", prediction="guess")["metrics"]
    assert metrics["accuracy"] == 0.75 and "roc_auc" not in metrics
    with pytest.raises(NodeError, match="parameter 'truth': choose the truth column"):
        run_node(evaluate, {"predictions": table})


# --- user mistakes get clear errors ---------------------------------------------------------

def test_a_misspelt_target_or_feature_gets_did_you_mean(iris):
    with pytest.raises(NodeError, match="parameter 'target': column 'specis' not in the table .did you mean `species`"):
        run_node(train_classifier, {"table": iris}, target="specis")
    with pytest.raises(NodeError, match="parameter 'features': column 'petal lenght' .*did you mean `petal length .cm.`"):
        run_node(train_classifier, {"table": iris}, target="species", features=["petal lenght"])


def test_a_text_feature_is_named_and_sklearn_encode_suggested(iris):
    table = iris.assign(colour=pd.Series(["red", "blue", "green"] * 50, dtype="str"))
    with pytest.raises(NodeError, match=r"parameter 'features': column holds text .*'colour' \(str\).*sklearn.encode"):
        run_node(train_classifier, {"table": table}, target="species")


def test_a_target_with_one_class_is_refused(iris):
    with pytest.raises(NodeError, match="target 'species' has only one class .'setosa'."):
        run_node(train_classifier, {"table": iris.head(50)}, target="species")


def test_missing_feature_values_are_counted_per_column(iris):
    table = iris.copy()
    table.loc[[3, 7, 9], "sepal width (cm)"] = np.nan
    table.loc[[1], "petal width (cm)"] = np.nan
    with pytest.raises(NodeError, match=r"missing values in 'sepal width \(cm\)' \(3 missing\), 'petal width \(cm\)' "
                                        r"\(1 missing\) of 150 rows; fill them with transform.fill_missing"):
        run_node(train_classifier, {"table": table}, target="species")
    with pytest.raises(NodeError, match=r"missing values in 'sepal width \(cm\)' \(3 missing\)"):
        model = run_node(train_classifier, {"table": iris}, target="species")["model"]
        run_node(predict, {"model": model, "table": table})


def test_a_continuous_target_for_a_classifier_and_a_text_target_for_a_regressor(iris, diabetes):
    with pytest.raises(NodeError, match="continuous numbers .* use sklearn.train_regressor"):
        run_node(train_classifier, {"table": diabetes}, target="bmi")
    with pytest.raises(NodeError, match="holds text .* use sklearn.train_classifier"):
        run_node(train_regressor, {"table": iris}, target="species")


def test_the_target_listed_as_a_feature_is_refused(iris):
    with pytest.raises(NodeError, match="target 'species' is also listed as a feature"):
        run_node(train_classifier, {"table": iris}, target="species", features=["species", "sepal width (cm)"])


def test_an_unknown_model_or_hyperparameter_inside_the_node(iris):
    with pytest.raises(NodeError, match="no classifier 'sklearn.random_forest' .*did you mean"):
        run_node(train_classifier, {"table": iris}, target="species", model="sklearn.random_forest")
    with pytest.raises(NodeError, match="parameter 'hyperparameters': .*no hyperparameter 'n_estimator'"):
        run_node(train_classifier, {"table": iris}, target="species", model="sklearn.random_forest_classifier",
                 hyperparameters={"n_estimator": 5})


def test_a_fit_error_from_scikit_learn_becomes_a_node_error(iris):
    with pytest.raises(NodeError, match="model 'sklearn.knn_classifier' could not be fitted: .*n_neighbors"):
        model = run_node(train_classifier, {"table": iris.head(60)}, target="species", model="sklearn.knn_classifier",
                         hyperparameters={"n_neighbors": 100})["model"]
        run_node(predict, {"model": model, "table": iris})


def test_predict_with_a_transformer_points_at_apply_transformer(iris):
    from dataflow_sklearn.preprocessing import scale

    scaler = run_node(scale, {"table": iris})["model"]
    with pytest.raises(NodeError, match="fitted scale transformer: apply it with sklearn.apply_transformer"):
        run_node(predict, {"model": scaler, "table": iris})
