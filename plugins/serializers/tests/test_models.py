"""The model serializer round-trips fitted estimators through joblib, inside DataFlow's own cache only."""

from __future__ import annotations

import time

import numpy as np
import pytest
from dataflow_serializers.models import ModelSerializer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


@pytest.fixture
def models() -> ModelSerializer:
    return ModelSerializer()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.random((500, 4))
    return x, (x[:, 0] + x[:, 1] > 1).astype(int)


def test_a_fitted_model_round_trips_with_identical_predictions(models, through_file, data):
    x, y = data
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(x, y)
    back = through_file(models, model)
    assert type(back) is RandomForestClassifier
    np.testing.assert_array_equal(back.predict_proba(x), model.predict_proba(x))


def test_joblib_bytes_are_never_shared_or_exported(models, tmp_path):
    assert models.export_suffix is None
    with pytest.raises(NotImplementedError):
        models.export(LogisticRegression(), tmp_path / "model")


def test_check_refuses_plain_data_on_a_model_port(models):
    with pytest.raises(TypeError, match="expected a fitted model, got dict"):
        models.check({"coef": [1, 2]})
    with pytest.raises(TypeError, match="got numpy ndarray"):
        models.check(np.zeros(3))
    models.check(LogisticRegression())


def test_share_keeps_the_cached_model_safe_from_refitting(models, data):
    x, y = data
    model = LogisticRegression().fit(x, y)
    coef = model.coef_.copy()
    models.share(model).fit(x, 1 - y)
    np.testing.assert_array_equal(model.coef_, coef)


def test_sizeof_is_a_cheap_estimate_that_counts_the_arrays(models, data):
    x, y = data
    model = LogisticRegression().fit(np.repeat(x, 50, axis=1), y)  # 200 coefficients
    start = time.perf_counter()
    size = models.sizeof(model)
    assert time.perf_counter() - start < 0.05
    assert size >= model.coef_.nbytes
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(x, y)
    assert models.sizeof(forest) > sum(t.tree_.value.nbytes for t in forest.estimators_)
