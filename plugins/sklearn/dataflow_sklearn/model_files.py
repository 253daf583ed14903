"""Save and load model files with skops and a fixed trust list: a model file never runs code.

A pickle or joblib file runs code when it is loaded, so a file a workflow names is never
unpickled. A `.skops` file is a zip of a JSON schema (which classes to build, with what state)
and numpy arrays; skops only builds the types it is told to trust. Loading here is stricter
than skops' own defaults: every type the schema names, anywhere, must be in `TRUSTED` below
(the estimators this plugin registers and the parts they are made of, plain containers and
numpy dtypes), and every node of the schema must use one of `LOADERS` (no functions, methods
or operators). Anything else is refused before any class is imported.

The file holds `{"format": "dataflow-model", "version": 1, "kind": "trained" | "transformer",
"metadata": "<JSON text>", "estimator": <the estimator>}`: what a model was trained on (features,
target, classes, estimator id, hyperparameters) is plain JSON text, never a pickled object.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from dataflow.sdk import FilePath, Help, Model, NodeError, Params, node

from .model_worker import FileEstimator, open_model
from .models import FittedTransformer, TrainedModel

FORMAT = "dataflow-model"
VERSION = 1
SUFFIX = ".skops"

#: Reviewed list of the only types a model file may name. Review any addition: it is code that
#: runs on load. (Containers and numbers are rebuilt from JSON; estimators by setting their state.)
TRUSTED = frozenset({
    # plain data
    "builtins.dict", "builtins.list", "builtins.tuple", "builtins.str", "builtins.int", "builtins.float",
    "builtins.bool", "builtins.NoneType",
    # numpy arrays, dtypes and the random state trees keep
    "numpy.ndarray", "numpy.dtype", "numpy.random.mtrand.RandomState",
    "numpy.float16", "numpy.float32", "numpy.float64", "numpy.int8", "numpy.int16", "numpy.int32", "numpy.int64",
    "numpy.uint8", "numpy.uint16", "numpy.uint32", "numpy.uint64", "numpy.bool_", "numpy.bool", "numpy.object_",
    "numpy.str_", "numpy.intp",
    # the estimators registered by this plugin
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._gb.GradientBoostingClassifier",
    "sklearn.neighbors._classification.KNeighborsClassifier",
    "sklearn.svm._classes.SVC",
    "sklearn.calibration.CalibratedClassifierCV",  # the support vector machine since its version 2
    "sklearn.linear_model._base.LinearRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.linear_model._coordinate_descent.Lasso",
    "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.ensemble._gb.GradientBoostingRegressor",
    # ... and the parts they are made of
    "sklearn.tree._classes.DecisionTreeClassifier", "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.tree._tree.Tree",
    "sklearn.dummy.DummyClassifier", "sklearn.dummy.DummyRegressor",
    "sklearn._loss.loss.HalfBinomialLoss", "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss._loss.CyHalfBinomialLoss", "sklearn._loss._loss.CyHalfMultinomialLoss",
    "sklearn._loss._loss.CyHalfSquaredError",
    "sklearn._loss.link.IdentityLink", "sklearn._loss.link.LogitLink", "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.link.Interval",
    "sklearn.neighbors._kd_tree.KDTree", "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64", "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    "sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration",
    # the transformers of sklearn.scale, sklearn.encode and sklearn.pca
    "sklearn.preprocessing._data.StandardScaler", "sklearn.preprocessing._data.MinMaxScaler",
    "sklearn.preprocessing._encoders.OneHotEncoder", "sklearn.preprocessing._encoders.OrdinalEncoder",
    "sklearn.decomposition._pca.PCA", "sklearn.pipeline.Pipeline",
})

#: skops node loaders that only rebuild data or set an object's state; function, method,
#: operator and partial nodes (which reference callables) are not among them.
LOADERS = frozenset({"DictNode", "ListNode", "TupleNode", "JsonNode", "NdArrayNode", "ObjectNode", "TypeNode",
                     "TreeNode", "LossNode", "RandomStateNode", "SetNode", "SliceNode"})


@node(category="Machine learning/Files", cache="none")
def save_model(model: Model, *,
               path: Annotated[str, FilePath("write", extensions=(SUFFIX,)),
                               Help("Where to write the model file (.skops), in a granted folder")] = "") -> Params:
    """Save a trained model or fitted transformer to a .skops file that is safe to share.

    Only the built-in models can be saved (skops with a fixed trust list: loading a shared
    file never runs code). The file is replaced atomically: a crash never leaves half a file.
    """
    import skops.io as sio

    target = _checked_path(path)
    kind, estimator, metadata = _parts(model)
    payload = {"format": FORMAT, "version": VERSION, "kind": kind, "metadata": json.dumps(metadata),
               "estimator": estimator}
    if isinstance(estimator, FileEstimator):  # loaded from a checked file, which holds this metadata
        data = estimator.data
    else:
        try:
            data = sio.dumps(payload)
        except Exception as exc:  # skops cannot represent this estimator
            raise NodeError(f"this model cannot be saved as a skops file: {exc}") from None
    refused = _untrusted_in(_schema_of(data))
    if refused:
        raise NodeError(f"this model holds types outside the trust list ({', '.join(refused)}), so a saved file "
                        "could not be loaded safely; only the built-in models (sklearn.*) can be saved")
    if not target.parent.is_dir():
        raise NodeError(f"the folder {target.parent} does not exist", param="path")
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return {"path": str(target), "bytes": len(data), "kind": kind,
            "model": metadata.get("estimator_id") or metadata.get("kind")}


@node(category="Machine learning/Files")
def load_model(*, path: Annotated[str, FilePath("read", extensions=(SUFFIX,)),
                                  Help("A .skops model file saved by sklearn.save_model")] = "") -> Model:
    """Load a model saved by sklearn.save_model; a file naming any type outside the trust list is refused.

    Nothing in the file is unpickled: skops rebuilds only the reviewed built-in model types, and
    the state of each (tree structure, array shapes) is checked before use. The model is loaded
    and used in a worker process, so even a hostile file costs a node error, not the app.
    """
    source = _checked_path(path)
    if not source.is_file():
        raise NodeError(f"file not found: {path}", param="path")
    payload, estimator = open_model(source.read_bytes(), source.name)
    return _model_from(payload, estimator, source.name)


def read_payload(data: bytes, name: str) -> dict[str, Any]:
    """The payload of a model file, its estimator checked (`model_checks`); NodeError naming the file
    otherwise. Builds the file's objects, so it runs in the model worker process (`model_worker`)."""
    import skops.io as sio

    from .model_checks import StateError, check_estimator

    refused = _untrusted_in(_schema_of(data, param="path"))
    if refused:
        raise NodeError(f"refused to load {name}: it names types outside DataFlow's trust list "
                        f"({', '.join(refused)}); it was changed or made by another program. Only files saved by "
                        "sklearn.save_model with built-in models load", param="path")
    try:
        untrusted = sio.get_untrusted_types(data=data)
        outside = sorted(set(untrusted) - TRUSTED)
        if outside:  # skops saw a type our schema walk did not: refuse rather than guess
            raise NodeError(f"refused to load {name}: untrusted types {', '.join(outside)}", param="path")
        payload = sio.loads(data, trusted=untrusted)
    except NodeError:
        raise
    except Exception as exc:
        raise NodeError(f"{name} is not a readable model file: {exc}", param="path") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise NodeError(f"{name} was not saved by sklearn.save_model", param="path")
    if payload.get("version") != VERSION:
        raise NodeError(f"{name} has model file version {payload.get('version')!r}; this DataFlow reads version "
                        f"{VERSION}: update dataflow-sklearn", param="path")
    try:
        check_estimator(payload.get("estimator"))
    except StateError as exc:
        raise NodeError(f"refused to load {name}: its model is not one scikit-learn could have fitted ({exc}); "
                        "the file was damaged or edited", param="path") from None
    return payload


def _checked_path(path: str) -> Path:
    if not path:
        raise NodeError("choose a file", param="path")
    target = Path(path)
    if target.suffix.lower() != SUFFIX:
        raise NodeError(f"model files end in {SUFFIX}, got '{target.name}'", param="path")
    return target


def _parts(model: Any) -> tuple[str, Any, dict[str, Any]]:
    if isinstance(model, TrainedModel):
        return "trained", model.estimator, model.metadata()
    if isinstance(model, FittedTransformer):
        return "transformer", model.transformer, model.metadata()
    raise NodeError(f"save_model saves models from the sklearn nodes (train, scale, encode, pca), got "
                    f"{type(model).__name__}")


def _schema_of(data: bytes, param: str | None = None) -> Any:
    """The parsed schema.json of a skops file (NodeError when it is not one)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise NodeError(f"not a skops model file ({exc})", param=param) from None


def _untrusted_in(schema: Any) -> list[str]:
    """Every type or loader in the schema that is not trusted (empty: the file is safe to load)."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__class__" in item or "__loader__" in item:
                name = f"{item.get('__module__')}.{item.get('__class__')}"
                if name not in TRUSTED:
                    found.add(name)
                loader = item.get("__loader__")
                if loader not in LOADERS:
                    found.add(f"{loader} (a {name} reference)")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(found)


def _model_from(payload: dict[str, Any], estimator: Any, name: str) -> Any:
    """The TrainedModel or FittedTransformer a checked payload describes (NodeError when it is not ours)."""
    try:
        metadata = json.loads(payload["metadata"])
    except (KeyError, TypeError, ValueError) as exc:
        raise NodeError(f"{name} has unreadable metadata: {exc}", param="path") from None
    if not isinstance(metadata, dict):
        raise NodeError(f"{name} has unreadable metadata", param="path")
    if payload.get("kind") == "trained":
        model = TrainedModel.from_metadata(estimator, metadata)
        columns = len(model.features)
    elif payload.get("kind") == "transformer":
        model = FittedTransformer.from_metadata(estimator, metadata)
        columns = len(model.columns)
    else:
        raise NodeError(f"{name} holds an unknown kind of model {payload.get('kind')!r}", param="path")
    fitted = estimator.facts["attributes"].get("n_features_in_")
    if fitted != columns:
        raise NodeError(f"refused to load {name}: its metadata names {columns} feature column(s), its model was "
                        f"fitted on {fitted}", param="path")
    return model
