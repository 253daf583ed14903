"""Models from files live in a worker process: a crash or a hang there is a node error, not the app's end.

`model_checks.py` refuses state scikit-learn could not have made, but a model file is still text
from someone else driving compiled code. So the process that runs DataFlow (the app's server, a
`dataflow run`) never builds a model file's estimator at all. `open_model` sends the file's bytes
to one worker process, which loads it (trust list, skops, state checks: `model_files.read_payload`)
and keeps it; what comes back is the file's metadata and a `FileEstimator`: plain copies of the
fitted attributes (`classes_`, `n_features_in_`, `feature_importances_`, `coef_`, `categories_`,
the hyperparameters) and methods (`predict`, `predict_proba`, `transform`, ...) that send their
input to the worker and wait for the answer. Nodes use it as they use any estimator.

The worker starts on first use as a fresh interpreter (`sys.executable -c ...`, never a fork: the
app is multi-threaded, and a fork copies locks other threads hold; nor multiprocessing's spawn,
which re-runs the caller's main script) talking pickles over a socket pair. It keeps the last few models by
the SHA-256 of their file (a `FileEstimator` sends its file along, so a fresh worker reloads it),
and answers one request at a time (a lock serializes callers). A request that gets no answer
within `TIME_LIMIT_SECONDS`, or whose worker dies (a segfault, killed), kills the worker and raises
NodeError; the next request starts a fresh one.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import warnings
from collections import OrderedDict
from multiprocessing.connection import Connection
from types import SimpleNamespace
from typing import Any

from dataflow.sdk import NodeError

#: How long one load or one call (predict on a whole table) may take in the worker.
TIME_LIMIT_SECONDS = 600.0
METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform", "score")
#: Fitted attributes a FileEstimator copies (what DataFlow's nodes and the app's model summary read);
#: not every `*_` attribute: some are costly properties (a forest's `estimators_samples_`).
ATTRIBUTES = ("classes_", "n_classes_", "n_features_in_", "feature_names_in_", "n_outputs_", "feature_importances_",
              "coef_", "intercept_", "categories_", "n_components_", "components_", "mean_", "var_", "scale_",
              "explained_variance_", "explained_variance_ratio_", "train_score_", "oob_score_", "n_estimators_",
              "n_iter_")
KEPT_MODELS = 4


class FileEstimator:
    """Stands for an estimator loaded from a model file in the worker process.

    Its fitted attributes are plain copies made by the worker; calling one of its methods runs
    that method in the worker. It pickles as the file's bytes plus those copies, so DataFlow's
    private cache can keep it and a new worker can load the file again."""

    def __init__(self, data: bytes, name: str, facts: dict[str, Any]):
        self.data = data
        self.name = name
        self.key = hashlib.sha256(data).hexdigest()
        self.facts = facts

    def __getattr__(self, name: str) -> Any:
        facts = self.__dict__.get("facts")
        if facts is None or name.startswith("__"):
            raise AttributeError(name)
        if name in facts["attributes"]:
            return copy.deepcopy(facts["attributes"][name])  # a node may not change another node's model
        if name in facts["methods"]:
            return lambda *args: _WORKER.ask(("call", self.key, self.data, self.name, name, args),
                                             f"{name} of the model from {self.name}")
        raise AttributeError(f"the {facts['type']} from {self.name} has no attribute '{name}'")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's hyperparameters (those that are plain data)."""
        return dict(self.facts["params"])

    def __sklearn_tags__(self) -> Any:
        """What `fitting.allows_missing` reads: whether the estimator accepts NaN."""
        return SimpleNamespace(input_tags=SimpleNamespace(allow_nan=self.facts["allow_nan"]))

    def __repr__(self) -> str:
        return f"{self.facts['type'].rsplit('.', 1)[-1]}(from {self.name})"


def open_model(data: bytes, name: str) -> tuple[dict[str, Any], FileEstimator]:
    """Load a model file in the worker: (its payload without the estimator, a FileEstimator for it).

    Raises NodeError (param "path") when the file is refused, and NodeError when the worker dies
    or takes longer than TIME_LIMIT_SECONDS."""
    payload, facts = _WORKER.ask(("open", hashlib.sha256(data).hexdigest(), data, name), f"loading {name}")
    return payload, FileEstimator(data, name, facts)


def worker_pid() -> int | None:
    """The worker process's id, or None when none is running (for tests and diagnostics)."""
    process = _WORKER.process
    return process.pid if process is not None and process.poll() is None else None


class _Worker:
    """The parent's handle on the worker process (one per process, created lazily)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: Any = None
        self.conn: Any = None

    def ask(self, request: tuple, what: str) -> Any:
        """Send `request`, wait for the answer; NodeError on refusal, error, death or time limit."""
        with self.lock:
            if self.process is None:
                self._start()
            try:
                self.conn.send(request)
                answered = self.conn.poll(TIME_LIMIT_SECONDS)
                reply = self.conn.recv() if answered else None
            except (EOFError, OSError):
                try:
                    exit = _describe_exit(self.process.wait(5))
                except subprocess.TimeoutExpired:
                    exit = "exit status unknown"
                self.stop()
                raise NodeError(f"{what} failed: the model worker process died ({exit}); the model file is "
                                "probably damaged or hostile. DataFlow itself is unharmed") from None
            if not answered:
                self.stop()
                raise NodeError(f"{what} took longer than {TIME_LIMIT_SECONDS:g} s and was stopped")
        status, value, param = reply
        if status != "ok":
            raise NodeError(value, param=param)
        return value

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", f"from dataflow_sklearn.model_worker import main; main({theirs.fileno()})"],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=environment)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def stop(self) -> None:
        """Kill the worker (it holds nothing that needs a clean exit)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.conn.close()
        self.process = self.conn = None


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


_WORKER = _Worker()
atexit.register(_WORKER.stop)


# --- the worker's side -----------------------------------------------------------------------

def main(fd: int) -> None:
    """The worker process's entry point: serve requests on the socket `fd`."""
    serve(Connection(fd))


def serve(conn: Any) -> None:
    """The worker's loop: answer requests until the parent closes the pipe."""
    models: OrderedDict[str, Any] = OrderedDict()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(request, models))


def _answer(request: tuple, models: OrderedDict[str, Any]) -> tuple[str, Any, str | None]:
    """("ok", value, None) or ("error", message, param) for one request."""
    from .model_files import read_payload

    try:
        if request[0] == "open":
            _, key, data, name = request
            payload = read_payload(data, name)
            estimator = payload.pop("estimator")
            _keep(models, key, estimator)
            return "ok", (payload, facts_of(estimator)), None
        _, key, data, name, method, args = request
        if key not in models:  # a fresh worker: load the file again, with every check
            _keep(models, key, read_payload(data, name)["estimator"])
        if method not in METHODS:
            return "error", f"{method} is not a method DataFlow calls on a model", None
        return "ok", getattr(models[key], method)(*args), None
    except NodeError as exc:
        return "error", str(exc).removeprefix(f"parameter '{exc.param}': "), exc.param
    except Exception as exc:
        return "error", f"the model from {request[3]} failed: {type(exc).__name__}: {exc}", None


def _keep(models: OrderedDict[str, Any], key: str, estimator: Any) -> None:
    models[key] = estimator
    models.move_to_end(key)
    while len(models) > KEPT_MODELS:
        models.popitem(last=False)


def facts_of(estimator: Any) -> dict[str, Any]:
    """What a FileEstimator shows of `estimator`: type, methods, plain fitted attributes, hyperparameters."""
    attributes = {}
    for name in ATTRIBUTES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecated attributes
                value = getattr(estimator, name)
        except Exception:  # not fitted by this estimator, or does not apply (coef_ of a non-linear SVC)
            continue
        if _plain(value):
            attributes[name] = value
    try:
        allow_nan = bool(estimator.__sklearn_tags__().input_tags.allow_nan)
    except Exception:
        allow_nan = False
    return {"type": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
            "methods": [m for m in METHODS if hasattr(estimator, m)],
            "attributes": attributes,
            "params": {k: v for k, v in estimator.get_params(deep=False).items() if _plain(v)},
            "allow_nan": allow_nan}


def _plain(value: Any) -> bool:
    """True for numbers, text, arrays of them, and lists, tuples and dicts of those."""
    import numpy as np

    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return True
    if isinstance(value, np.ndarray):
        return not value.dtype.hasobject or all(isinstance(v, (str, int, float)) for v in value.ravel().tolist())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False
