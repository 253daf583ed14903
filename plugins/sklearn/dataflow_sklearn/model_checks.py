"""Check the state of every estimator a model file holds before any of its code runs on data.

skops' trust list says which classes a file may name, not what their arrays hold. scikit-learn's
compiled code trusts those arrays: a tree walks `children_left[node]` and reads `X[row, feature]`
without bounds checks, a KD-tree follows `idx_array` and `node_data` the same way, libsvm copies
its support vectors by the counts it is given. An edited array then reads or writes outside
memory (a crash, or predictions made from other memory), or loops forever.

`check_estimator` walks the estimator (into forests, boosting stages, pipelines) and checks, for
each part, what its predict path relies on: tree children in range or the -1 leaf marker, every
node reached exactly once from the root (no cycle, no shared node, no orphan), split features below
`n_features_in_`, value arrays shaped `(node_count, n_outputs, max classes)`; neighbour trees' index
permutation and node ranges; array shapes and dtypes against the fitted attributes. A class with no
checker here is refused: add one when a type joins the trust list (a test holds the two together).
Everything here only reads attributes (numpy views of the fitted arrays); it runs in the model
worker process (`model_worker.py`), so even a check that trips over memory costs one node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class StateError(ValueError):
    """An estimator's state is not one scikit-learn could have made: `where` says which part."""


Checker = Callable[[Any, str], None]
CHECKERS: dict[str, Checker] = {}
LEAF = -1            # children_left/right of a leaf
UNDEFINED = -2       # feature/threshold of a leaf
MAX_CACHE_MB = 4096  # libsvm's kernel cache is allocated up front


def checks(*names: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of the classes `names` (module.Class)."""
    def register(fn: Checker) -> Checker:
        for name in names:
            CHECKERS[name] = fn
        return fn
    return register


def class_name(value: Any) -> str:
    """`module.Class` of a value, as the trust list spells it."""
    return f"{type(value).__module__}.{type(value).__qualname__}"


def check_estimator(estimator: Any, where: str = "estimator") -> None:
    """Raise StateError when `estimator` (or any part of it) holds state it could not have been fitted to."""
    checker = CHECKERS.get(class_name(estimator))
    if checker is None:
        raise StateError(f"{where}: DataFlow cannot check the state of a {class_name(estimator)}")
    checker(estimator, where)


# --- small readers ---------------------------------------------------------------------------

def _fail(where: str, message: str) -> None:
    raise StateError(f"{where}: {message}")


def _int(value: Any, where: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        _fail(where, f"expected a whole number, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        _fail(where, f"{value} is outside {low}..{'' if high is None else high}")
    return int(value)


def _array(value: Any, where: str, *, kind: str = "f", shape: tuple[int | None, ...] | None = None,
           finite: bool = True) -> np.ndarray:
    """`value` when it is an ndarray of dtype kind in `kind` ("f" float, "iu" integers, ...) and `shape`
    (None: any length on that axis); floats must be finite unless `finite` is False."""
    if not isinstance(value, np.ndarray):
        _fail(where, f"expected an array, got {type(value).__name__}")
    if value.dtype.kind not in kind or value.dtype.hasobject:
        _fail(where, f"unexpected dtype {value.dtype}")
    if shape is not None and (value.ndim != len(shape)
                              or any(want is not None and got != want for got, want in zip(value.shape, shape, strict=True))):
        _fail(where, f"shape {value.shape}, expected {tuple('any' if s is None else s for s in shape)}")
    if finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        _fail(where, "holds NaN or infinite numbers")
    return value


def _labels(value: Any, where: str, count: int | None = None) -> np.ndarray:
    """Class labels: a 1-d array of numbers or text, `count` long."""
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype.kind not in "biufUO":
        _fail(where, "expected a 1-d array of class labels")
    if value.dtype.hasobject and not all(isinstance(v, (str, int, float, np.generic)) for v in value.tolist()):
        _fail(where, "class labels must be numbers or text")
    if count is not None and len(value) != count:
        _fail(where, f"{len(value)} labels, expected {count}")
    return value


def _features(estimator: Any, where: str) -> int:
    return _int(getattr(estimator, "n_features_in_", None), f"{where}.n_features_in_", 1)


def _same_type(value: Any, where: str, *names: str) -> None:
    if class_name(value) not in names:
        _fail(where, f"expected {' or '.join(names)}, got {class_name(value)}")


# --- trees -----------------------------------------------------------------------------------

def check_tree(tree: Any, where: str, n_features: int, n_outputs: int, n_classes: list[int]) -> None:
    """A `sklearn.tree._tree.Tree`: sizes, children, features, values, and that it is a tree."""
    _same_type(tree, where, "sklearn.tree._tree.Tree")
    if _int(tree.n_features, f"{where}.n_features") != n_features:
        _fail(where, f"made for {tree.n_features} features, the model has {n_features}")
    if _int(tree.n_outputs, f"{where}.n_outputs", 1) != n_outputs:
        _fail(where, f"{tree.n_outputs} outputs, the model has {n_outputs}")
    if [int(c) for c in tree.n_classes] != list(n_classes):
        _fail(where, f"classes per output {list(tree.n_classes)}, the model has {list(n_classes)}")
    count = _int(tree.node_count, f"{where}.node_count", 1)
    if count > _int(tree.capacity, f"{where}.capacity", 1):  # the arrays below are views of `capacity` nodes
        _fail(where, f"node_count {count} exceeds its {tree.capacity} stored nodes")
    left = _array(tree.children_left, f"{where}.children_left", kind="i", shape=(count,))
    right = _array(tree.children_right, f"{where}.children_right", kind="i", shape=(count,))
    feature = _array(tree.feature, f"{where}.feature", kind="i", shape=(count,))
    leaf = left == LEAF
    if not np.array_equal(leaf, right == LEAF):
        _fail(where, f"node {int(np.flatnonzero(leaf != (right == LEAF))[0])} has one child")
    inner = ~leaf
    for name, children in (("children_left", left), ("children_right", right)):
        bad = inner & ((children < 1) | (children >= count))
        if bad.any():
            node = int(np.flatnonzero(bad)[0])
            _fail(where, f"{name}[{node}] = {int(children[node])} is not a node (0 < child < {count}) or -1")
    bad = inner & ((feature < 0) | (feature >= n_features))
    if bad.any():
        node = int(np.flatnonzero(bad)[0])
        _fail(where, f"node {node} splits on feature {int(feature[node])}, the model has {n_features}")
    if np.any(feature[leaf] != UNDEFINED):
        _fail(where, "a leaf names a split feature")
    parents = np.bincount(np.concatenate([left[inner], right[inner]]), minlength=count)
    if parents[0] != 0 or np.any(parents[1:] != 1):
        node = int(np.flatnonzero(np.concatenate([[parents[0]], parents[1:] - 1]))[0])
        _fail(where, f"node {node} is reached {int(parents[node])} times (a cycle or a shared node)")
    frontier, reached, depth = np.array([0]), 1, 0
    while True:  # breadth first: every node has one parent, so this ends after at most `count` levels
        split = frontier[inner[frontier]]
        if not len(split):
            break
        frontier = np.concatenate([left[split], right[split]])
        reached += len(frontier)
        depth += 1
    if reached != count:
        _fail(where, f"{count - reached} node(s) are not reachable from the root (a cycle)")
    if _int(tree.max_depth, f"{where}.max_depth") != depth:
        _fail(where, f"max_depth {tree.max_depth}, the tree is {depth} deep")
    _array(tree.threshold, f"{where}.threshold", shape=(count,))
    _array(tree.value, f"{where}.value", shape=(count, n_outputs, max(n_classes)))
    _array(tree.impurity, f"{where}.impurity", shape=(count,))
    samples = _array(tree.n_node_samples, f"{where}.n_node_samples", kind="i", shape=(count,))
    weights = _array(tree.weighted_n_node_samples, f"{where}.weighted_n_node_samples", shape=(count,))
    if np.any(samples < 0) or np.any(weights < 0):
        _fail(where, "negative sample counts")
    missing = _array(tree.missing_go_to_left, f"{where}.missing_go_to_left", kind="iub", shape=(count,))
    if np.any((missing != 0) & (missing != 1)):
        _fail(where, "missing_go_to_left holds values other than 0 and 1")


def _outputs_and_classes(model: Any, where: str, classifier: bool) -> tuple[int, list[int]]:
    """(n_outputs_, classes per output), checked against `classes_` for a classifier."""
    outputs = _int(getattr(model, "n_outputs_", 1), f"{where}.n_outputs_", 1)
    if not classifier:
        return outputs, [1] * outputs
    n_classes = model.n_classes_
    counts = [int(n_classes)] if outputs == 1 else [int(c) for c in _array(n_classes, f"{where}.n_classes_", kind="i")]
    labels = [model.classes_] if outputs == 1 else list(model.classes_)
    if len(counts) != outputs or len(labels) != outputs:
        _fail(where, f"{outputs} outputs but {len(counts)} class counts")
    for index, (count, classes) in enumerate(zip(counts, labels, strict=True)):
        _labels(classes, f"{where}.classes_[{index}]", count)
        if count < 1:
            _fail(where, "no classes")
    return outputs, counts


@checks("sklearn.tree._classes.DecisionTreeClassifier", "sklearn.tree._classes.DecisionTreeRegressor")
def check_decision_tree(model: Any, where: str, *, expect: tuple[int, int, list[int]] | None = None) -> None:
    """A fitted decision tree; `expect` = (features, outputs, classes) its ensemble requires."""
    classifier = class_name(model).endswith("Classifier")
    n_features = _features(model, where)
    outputs, classes = _outputs_and_classes(model, where, classifier)
    if expect is not None and (n_features, outputs, classes) != expect:
        _fail(where, f"(features, outputs, classes) {(n_features, outputs, classes)} differ from the ensemble's "
                     f"{expect}")
    check_tree(model.tree_, f"{where}.tree_", n_features, outputs, classes)


@checks("sklearn.ensemble._forest.RandomForestClassifier", "sklearn.ensemble._forest.RandomForestRegressor",
        "sklearn.ensemble._forest.ExtraTreesClassifier", "sklearn.ensemble._forest.ExtraTreesRegressor")
def check_forest(model: Any, where: str) -> None:
    """Every tree of a forest, each with the forest's features, outputs and classes."""
    classifier = class_name(model).endswith("Classifier")
    n_features = _features(model, where)
    outputs, classes = _outputs_and_classes(model, where, classifier)
    trees = model.estimators_
    if not isinstance(trees, list) or not trees:
        _fail(f"{where}.estimators_", "expected a list of trees")
    tree_class = ("sklearn.tree._classes.DecisionTreeClassifier" if classifier
                  else "sklearn.tree._classes.DecisionTreeRegressor")
    if "ExtraTrees" in class_name(model):
        tree_class = tree_class.replace("DecisionTree", "ExtraTree")
    for index, tree in enumerate(trees):
        _same_type(tree, f"{where}.estimators_[{index}]", tree_class)
        check_decision_tree(tree, f"{where}.estimators_[{index}]", expect=(n_features, outputs, classes))


@checks("sklearn.ensemble._gb.GradientBoostingClassifier", "sklearn.ensemble._gb.GradientBoostingRegressor")
def check_gradient_boosting(model: Any, where: str) -> None:
    """Stages of one-output regression trees, `(n_estimators_, K)` of them, K matching the loss and start."""
    classifier = class_name(model).endswith("Classifier")
    n_features = _features(model, where)
    if classifier:
        n_classes = _int(model.n_classes_, f"{where}.n_classes_", 2)
        _labels(model.classes_, f"{where}.classes_", n_classes)
        per_stage = 1 if n_classes == 2 else n_classes
        loss = {2: "sklearn._loss.loss.HalfBinomialLoss"}.get(n_classes, "sklearn._loss.loss.HalfMultinomialLoss")
    else:
        per_stage, loss = 1, "sklearn._loss.loss.HalfSquaredError"
    if _int(model.n_trees_per_iteration_, f"{where}.n_trees_per_iteration_", 1) != per_stage:
        _fail(where, f"n_trees_per_iteration_ {model.n_trees_per_iteration_}, expected {per_stage}")
    _same_type(model._loss, f"{where}._loss", loss)
    if classifier and n_classes > 2 and getattr(model._loss, "n_classes", None) != n_classes:
        _fail(f"{where}._loss", f"made for {getattr(model._loss, 'n_classes', None)} classes, expected {n_classes}")
    stages = model.estimators_
    n_stages = _int(model.n_estimators_, f"{where}.n_estimators_", 1)
    if not isinstance(stages, np.ndarray) or stages.shape != (n_stages, per_stage):
        _fail(f"{where}.estimators_", f"expected {n_stages} x {per_stage} trees")
    learning_rate = model.learning_rate
    if not isinstance(learning_rate, (int, float)) or not np.isfinite(learning_rate):
        _fail(f"{where}.learning_rate", "expected a finite number")
    for (stage, k), tree in np.ndenumerate(stages):
        part = f"{where}.estimators_[{stage}, {k}]"
        _same_type(tree, part, "sklearn.tree._classes.DecisionTreeRegressor")
        check_decision_tree(tree, part, expect=(n_features, 1, [1]))
    start = model.init_
    if isinstance(start, str):
        if start != "zero":
            _fail(f"{where}.init_", f"unknown start {start!r}")
        return
    _same_type(start, f"{where}.init_", "sklearn.dummy.DummyClassifier" if classifier else "sklearn.dummy.DummyRegressor")
    check_estimator(start, f"{where}.init_")
    if classifier and int(start.n_classes_) != n_classes:
        _fail(f"{where}.init_", f"{start.n_classes_} classes, the model has {n_classes}")


@checks("sklearn.dummy.DummyClassifier", "sklearn.dummy.DummyRegressor")
def check_dummy(model: Any, where: str) -> None:
    """The constant start of gradient boosting: one output, priors or constant of the right length."""
    if _int(model.n_outputs_, f"{where}.n_outputs_", 1) != 1:
        _fail(where, "more than one output")
    if class_name(model).endswith("Classifier"):
        n_classes = _int(model.n_classes_, f"{where}.n_classes_", 1)
        _labels(model.classes_, f"{where}.classes_", n_classes)
        _array(model.class_prior_, f"{where}.class_prior_", shape=(n_classes,))
        if model._strategy not in ("prior", "most_frequent", "stratified", "uniform"):
            _fail(where, f"strategy {model._strategy!r} is not one DataFlow loads")
    else:
        _array(model.constant_, f"{where}.constant_", shape=(1, 1))


# --- neighbours ------------------------------------------------------------------------------

NODE_FIELDS = ("idx_start", "idx_end", "is_leaf", "radius")
METRICS = {"sklearn.metrics._dist_metrics.EuclideanDistance64": ("euclidean", "minkowski"),
           "sklearn.metrics._dist_metrics.ManhattanDistance64": ("manhattan", "cityblock", "l1", "minkowski"),
           "sklearn.metrics._dist_metrics.MinkowskiDistance64": ("minkowski",)}


def check_binary_tree(tree: Any, where: str, data: np.ndarray) -> None:
    """A KDTree or BallTree over the model's `data`: index permutation, node ranges, bounds, metric."""
    n_samples, n_features = data.shape
    (points, order, nodes, bounds, leaf_size, levels, n_nodes, *_counts, metric, weights) = tree.__getstate__()
    points = _array(points, f"{where}.data", shape=(n_samples, n_features))
    if not points.flags.c_contiguous or not np.array_equal(points, data):
        _fail(f"{where}.data", "differs from the points the model was fitted on")
    order = _array(order, f"{where}.idx_array", kind="i", shape=(n_samples,))
    if not np.array_equal(np.sort(order), np.arange(n_samples)):
        _fail(f"{where}.idx_array", f"is not a permutation of the {n_samples} points")
    _int(leaf_size, f"{where}.leaf_size", 1)
    levels = _int(levels, f"{where}.n_levels", 1, 62)
    if _int(n_nodes, f"{where}.n_nodes", 1) != 2 ** levels - 1:
        _fail(where, f"{n_nodes} nodes for {levels} levels")
    if not isinstance(nodes, np.ndarray) or nodes.dtype.names != NODE_FIELDS or nodes.shape != (n_nodes,):
        _fail(f"{where}.node_data", f"expected {n_nodes} records of {NODE_FIELDS}")
    start, end, leaf = (nodes[name].astype(np.int64) for name in NODE_FIELDS[:3])
    if np.any(start < 0) or np.any(end > n_samples) or np.any(start > end):
        node = int(np.flatnonzero((start < 0) | (end > n_samples) | (start > end))[0])
        _fail(f"{where}.node_data", f"node {node} covers points {start[node]}..{end[node]} of {n_samples}")
    if np.any((leaf != 0) & (leaf != 1)):
        _fail(f"{where}.node_data", "is_leaf holds values other than 0 and 1")
    index = np.arange(n_nodes)
    inner = leaf == 0
    if np.any(inner & (2 * index + 2 >= n_nodes)):
        _fail(f"{where}.node_data", "a node on the last level is not a leaf")
    first, second = 2 * index[inner] + 1, 2 * index[inner] + 2
    if (np.any(start[first] != start[inner]) or np.any(end[second] != end[inner])
            or np.any(end[first] != start[second])):
        _fail(f"{where}.node_data", "a node's children do not split its points")
    _array(nodes["radius"], f"{where}.node_data.radius")
    kd = class_name(tree).endswith("KDTree")
    _array(bounds, f"{where}.node_bounds", shape=(2 if kd else 1, n_nodes, n_features))
    _same_type(metric, f"{where}.dist_metric", *METRICS)
    p, vec, _mat = metric.__getstate__()
    if not np.isfinite(p) or p < 1:
        _fail(f"{where}.dist_metric", f"p = {p}")
    vec = _array(np.asarray(vec), f"{where}.dist_metric.w", shape=(None,))
    if class_name(metric).endswith("MinkowskiDistance64") and len(vec) not in (0, n_features):
        _fail(f"{where}.dist_metric", f"{len(vec)} weights for {n_features} features")
    if weights is not None:
        _array(weights, f"{where}.sample_weight", shape=(n_samples,))


@checks("sklearn.neighbors._classification.KNeighborsClassifier")
def check_neighbors(model: Any, where: str) -> None:
    """Fitted points, labels, neighbour count and the search tree of a k-NN classifier."""
    n_features = _features(model, where)
    n_samples = _int(model.n_samples_fit_, f"{where}.n_samples_fit_", 1)
    data = _array(model._fit_X, f"{where}._fit_X", shape=(n_samples, n_features))
    if model.outputs_2d_:
        _fail(where, "several outputs are not loaded")
    classes = _labels(model.classes_, f"{where}.classes_")
    labels = _array(model._y, f"{where}._y", kind="i", shape=(n_samples,))
    if np.any(labels < 0) or np.any(labels >= len(classes)):
        _fail(f"{where}._y", f"holds class indices outside 0..{len(classes) - 1}")
    _int(model.n_neighbors, f"{where}.n_neighbors", 1, n_samples)
    if model.weights not in ("uniform", "distance"):
        _fail(f"{where}.weights", f"{model.weights!r} is not loaded")
    method = model._fit_method
    if method == "brute":
        if model._tree is not None:
            _fail(where, "a brute-force model holds a search tree")
        if model.effective_metric_ not in ("euclidean", "manhattan", "minkowski", "cityblock", "l1", "l2"):
            _fail(where, f"metric {model.effective_metric_!r} is not loaded")
        return
    expected = {"kd_tree": "sklearn.neighbors._kd_tree.KDTree", "ball_tree": "sklearn.neighbors._ball_tree.BallTree"}
    if method not in expected:
        _fail(f"{where}._fit_method", f"{method!r} is not loaded")
    _same_type(model._tree, f"{where}._tree", expected[method])
    check_binary_tree(model._tree, f"{where}._tree", data)


# --- linear models and SVMs ------------------------------------------------------------------

@checks("sklearn.linear_model._logistic.LogisticRegression")
def check_logistic(model: Any, where: str) -> None:
    """coef_ (1 or one row per class, features), intercept_ to match, classes_."""
    n_features = _features(model, where)
    classes = _labels(model.classes_, f"{where}.classes_")
    if len(classes) < 2:
        _fail(f"{where}.classes_", "fewer than two classes")
    rows = 1 if len(classes) == 2 else len(classes)
    _array(model.coef_, f"{where}.coef_", shape=(rows, n_features))
    _array(model.intercept_, f"{where}.intercept_", shape=(rows,))


@checks("sklearn.linear_model._base.LinearRegression", "sklearn.linear_model._ridge.Ridge",
        "sklearn.linear_model._coordinate_descent.Lasso")
def check_linear(model: Any, where: str) -> None:
    """coef_ (features) or (targets, features), intercept_ a number or one per target."""
    n_features = _features(model, where)
    coef = _array(model.coef_, f"{where}.coef_")
    if coef.ndim == 1:
        _array(coef, f"{where}.coef_", shape=(n_features,))
        intercept = model.intercept_
        if isinstance(intercept, np.ndarray):
            _array(intercept, f"{where}.intercept_", shape=())
        elif not isinstance(intercept, (int, float)) or not np.isfinite(intercept):
            _fail(f"{where}.intercept_", "expected a finite number")
    else:
        targets = _array(coef, f"{where}.coef_", shape=(None, n_features)).shape[0]
        _array(model.intercept_, f"{where}.intercept_", shape=(targets,))


@checks("sklearn.svm._classes.SVC")
def check_svc(model: Any, where: str) -> None:
    """What libsvm copies: support vectors, per-class counts, dual coefficients, intercepts, kernel."""
    n_features = _features(model, where)
    classes = _labels(model.classes_, f"{where}.classes_")
    n_classes = len(classes)
    if n_classes < 2 or model._impl != "c_svc" or model._sparse is not False:
        _fail(where, "only dense C-SVC models with two or more classes are loaded")
    if model.kernel not in ("linear", "poly", "rbf", "sigmoid"):
        _fail(f"{where}.kernel", f"{model.kernel!r} is not loaded")
    vectors = _array(model.support_vectors_, f"{where}.support_vectors_", shape=(None, n_features))
    n_vectors = vectors.shape[0]
    if not vectors.flags.c_contiguous or vectors.dtype != np.float64:
        _fail(f"{where}.support_vectors_", "expected C-ordered float64")
    fitted_rows = model.shape_fit_[0] if isinstance(model.shape_fit_, tuple) else -1
    if tuple(model.shape_fit_) != (fitted_rows, n_features):
        _fail(f"{where}.shape_fit_", f"{model.shape_fit_} does not match {n_features} features")
    support = _array(model.support_, f"{where}.support_", kind="i", shape=(n_vectors,))
    if np.any(support < 0) or np.any(support >= fitted_rows):
        _fail(f"{where}.support_", "holds indices outside the training rows")
    counts = _array(model._n_support, f"{where}._n_support", kind="i", shape=(n_classes,))
    if np.any(counts < 0) or counts.sum() != n_vectors:
        _fail(f"{where}._n_support", f"counts {counts.tolist()} do not add up to {n_vectors} support vectors")
    pairs = n_classes * (n_classes - 1) // 2
    for name, shape in (("_dual_coef_", (n_classes - 1, n_vectors)), ("dual_coef_", (n_classes - 1, n_vectors)),
                        ("_intercept_", (pairs,)), ("intercept_", (pairs,))):
        _array(getattr(model, name), f"{where}.{name}", shape=shape)
    for name in ("_probA", "_probB"):
        if len(_array(getattr(model, name), f"{where}.{name}", shape=(None,))) not in (0, pairs):
            _fail(f"{where}.{name}", f"expected 0 or {pairs} values")
    for name in ("_gamma", "coef0"):
        if not isinstance(getattr(model, name), (int, float)) or not np.isfinite(getattr(model, name)):
            _fail(f"{where}.{name}", "expected a finite number")
    _int(model.degree, f"{where}.degree", 0, 100)
    if not isinstance(model.cache_size, (int, float)) or not 0 < model.cache_size <= MAX_CACHE_MB:
        _fail(f"{where}.cache_size", f"expected 0 < cache_size <= {MAX_CACHE_MB}")


# --- transformers and pipelines --------------------------------------------------------------

def _optional(model: Any, where: str, names: tuple[str, ...], n_features: int) -> None:
    for name in names:
        value = getattr(model, name, None)
        if value is not None:
            _array(value, f"{where}.{name}", shape=(n_features,))


@checks("sklearn.calibration.CalibratedClassifierCV")
def check_calibrated(model: Any, where: str) -> None:
    """The support vector machine's form (`ensemble=False`, sigmoid): one calibrated SVC over the
    same classes and features, one sigmoid per class (one for two classes)."""
    n_features = _features(model, where)
    classes = _labels(model.classes_, f"{where}.classes_")
    if model.method != "sigmoid" or model.ensemble is not False:
        _fail(where, "only sigmoid calibration of one classifier (ensemble=False) is loaded")
    _same_type(model.estimator, f"{where}.estimator", "sklearn.svm._classes.SVC")  # the unfitted template
    calibrated = model.calibrated_classifiers_
    if not isinstance(calibrated, list) or len(calibrated) != 1:
        _fail(f"{where}.calibrated_classifiers_", "expected one calibrated classifier")
    inner, part = calibrated[0], f"{where}.calibrated_classifiers_[0]"
    _same_type(inner, part, "sklearn.calibration._CalibratedClassifier")
    _same_type(inner.estimator, f"{part}.estimator", "sklearn.svm._classes.SVC")
    check_estimator(inner.estimator, f"{part}.estimator")
    if _features(inner.estimator, f"{part}.estimator") != n_features:
        _fail(f"{part}.estimator.n_features_in_", f"does not match {n_features} features")
    if not (np.array_equal(_labels(inner.classes, f"{part}.classes"), classes)
            and np.array_equal(inner.estimator.classes_, classes)):
        _fail(f"{part}.classes", "do not match the model's classes")
    if inner.method != "sigmoid":
        _fail(f"{part}.method", "expected 'sigmoid'")
    expected = 1 if len(classes) == 2 else len(classes)
    if not isinstance(inner.calibrators, list) or len(inner.calibrators) != expected:
        _fail(f"{part}.calibrators", f"expected {expected} sigmoid calibrators")
    for index, sigmoid in enumerate(inner.calibrators):
        _same_type(sigmoid, f"{part}.calibrators[{index}]", "sklearn.calibration._SigmoidCalibration")
        for name in ("a_", "b_"):
            value = getattr(sigmoid, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not np.isfinite(value):
                _fail(f"{part}.calibrators[{index}].{name}", "expected a finite number")


@checks("sklearn.preprocessing._data.StandardScaler")
def check_standard_scaler(model: Any, where: str) -> None:
    """mean_, var_ and scale_: None or one number per feature."""
    _optional(model, where, ("mean_", "var_", "scale_"), _features(model, where))


@checks("sklearn.preprocessing._data.MinMaxScaler")
def check_min_max_scaler(model: Any, where: str) -> None:
    """min_, scale_ and the data ranges: one number per feature."""
    n_features = _features(model, where)
    for name in ("min_", "scale_", "data_min_", "data_max_", "data_range_"):
        _array(getattr(model, name), f"{where}.{name}", shape=(n_features,))


@checks("sklearn.preprocessing._encoders.OneHotEncoder", "sklearn.preprocessing._encoders.OrdinalEncoder")
def check_encoder(model: Any, where: str) -> None:
    """One array of known categories (numbers or text) per feature; no dropped or infrequent categories."""
    n_features = _features(model, where)
    categories = model.categories_
    if not isinstance(categories, list) or len(categories) != n_features:
        _fail(f"{where}.categories_", f"expected a list of {n_features} arrays")
    for index, known in enumerate(categories):
        _labels(known, f"{where}.categories_[{index}]")
    if getattr(model, "drop_idx_", None) is not None or getattr(model, "_infrequent_enabled", False):
        _fail(where, "dropped or infrequent categories are not loaded")
    outs = getattr(model, "_n_features_outs", None)
    if outs is not None and [int(n) for n in outs] != [len(known) for known in categories]:
        _fail(f"{where}._n_features_outs", "does not match the categories")


@checks("sklearn.decomposition._pca.PCA")
def check_pca(model: Any, where: str) -> None:
    """components_ (components, features), mean_ and variances to match."""
    n_features = _features(model, where)
    n_components = _int(model.n_components_, f"{where}.n_components_", 1, n_features)
    _array(model.components_, f"{where}.components_", shape=(n_components, n_features))
    _array(model.mean_, f"{where}.mean_", shape=(n_features,))
    for name in ("explained_variance_", "explained_variance_ratio_", "singular_values_"):
        _array(getattr(model, name), f"{where}.{name}", shape=(n_components,))


@checks("sklearn.pipeline.Pipeline")
def check_pipeline(model: Any, where: str) -> None:
    """Each step, by its own checker."""
    steps = model.steps
    if not isinstance(steps, list) or not steps:
        _fail(f"{where}.steps", "expected a list of (name, estimator) steps")
    for index, step in enumerate(steps):
        if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)):
            _fail(f"{where}.steps[{index}]", "expected a (name, estimator) pair")
        if step[1] not in (None, "passthrough"):
            check_estimator(step[1], f"{where}.steps[{index}]")
