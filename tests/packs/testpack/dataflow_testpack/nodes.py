"""Nodes over small dicts (Params) and tables, enough to exercise every engine rule."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict

from dataflow_sklearn import ModelChoice, estimators

from dataflow.sdk import (
    Bounds,
    FilePath,
    Help,
    NodeError,
    Params,
    Secret,
    Table,
    cached_step,
    node,
    progress,
    warn,
)


@node(category="Test/Sources")
def numbers(*, count: Annotated[int, Bounds(0, 1_000_000), Help("How many numbers")] = 5,
            start: Annotated[int, Help("First number")] = 0) -> Params:
    """Produce a list of consecutive numbers."""
    return {"values": list(range(start, start + count))}


@node(category="Test/Math")
def add(data: Params, *, amount: Annotated[float, Help("Added to every value")] = 1.0) -> Params:
    """Add a constant to every value."""
    return {"values": [v + amount for v in data["values"]]}


@node(category="Test/Math", version=1)
def scale(data: Params, *, factor: Annotated[float, Bounds(-100, 100), Help("Multiplier")] = 2.0,
          mode: Annotated[Literal["multiply", "divide"], Help("What to do")] = "multiply") -> Params:
    """Multiply or divide every value."""
    op = (lambda v: v * factor) if mode == "multiply" else (lambda v: v / factor)
    return {"values": [op(v) for v in data["values"]]}


@node(category="Test/Math")
def combine(left: Params, right: Params | None = None) -> Params:
    """Concatenate two lists of values (the second input is optional)."""
    return {"values": left["values"] + (right["values"] if right else [])}


@node(category="Test/Math")
def total(data: Params) -> Params:
    """Sum the values."""
    return {"total": sum(data["values"])}


class Parts(TypedDict):
    evens: Params
    odds: Params


@node(category="Test/Math")
def split(data: Params) -> Parts:
    """Split values into even and odd ones."""
    return {"evens": {"values": [v for v in data["values"] if v % 2 == 0]},
            "odds": {"values": [v for v in data["values"] if v % 2 != 0]}}


@node(category="Test/Faults")
def fail(data: Params, *, message: Annotated[str, Help("The error to raise")] = "boom") -> Params:
    """Always fail with a user error."""
    raise NodeError(message, param="message")


@node(category="Test/Faults")
def crash(data: Params) -> Params:
    """Fail with an unexpected exception (a bug in a node)."""
    return {"values": data["values"][10**9]}


@node(category="Test/Faults")
def wrong_output(data: Params) -> Table:
    """Declare a table but return a dict."""
    return {"not": "a table"}


@node(category="Test/Timing")
def slow(data: Params, *, seconds: Annotated[float, Bounds(0, 60), Help("How long to sleep")] = 0.2) -> Params:
    """Sleep, then pass the values on."""
    time.sleep(seconds)
    return data


@node(category="Test/Timing")
def stepper(data: Params, *, steps: Annotated[int, Bounds(1, 10_000), Help("How many steps")] = 10,
            seconds: Annotated[float, Bounds(0, 60), Help("How long each step sleeps")] = 0.1) -> Params:
    """Take `steps` steps of `seconds` each, reporting progress before each (a cooperative long node)."""
    for index in range(steps):
        progress(index / steps, f"step {index + 1} of {steps}")
        time.sleep(seconds)
    progress(1.0, f"{steps} steps done")
    return data


@node(category="Test/Sources")
def read_numbers(*, path: Annotated[str, FilePath(extensions=(".txt",)), Help("A text file with one number per line")] = "") -> Params:
    """Read numbers from a text file, one per line."""
    file = Path(path)
    if not file.is_file():
        raise NodeError(f"file not found: {path}", param="path")
    values = []
    for line_no, line in enumerate(file.read_text().splitlines(), 1):
        if line.strip():
            try:
                values.append(int(line))
            except ValueError:
                warn(f"line {line_no} is not a number and was skipped")
    return {"values": values}


@node(category="Test/Tables")
def frame(data: Params) -> Table:
    """Turn values into a table with a value column and a few typed columns."""
    import pandas as pd

    values = data["values"]
    return pd.DataFrame({
        "value": values,
        "label": pd.Series([f"v{v}" for v in values], dtype="str"),
        "obj": pd.Series([f"o{v}" for v in values], dtype=object),
        "cat": pd.Categorical([("even", "odd")[v % 2] for v in values]),
        "when": pd.date_range("2024-01-01", periods=len(values), freq="D", tz="Europe/Paris"),
        "maybe": pd.array([v if v % 3 else None for v in values], dtype="Int64"),
    })


@node(category="Test/Process")
def pid(data: Params) -> Params:
    """Record which process ran the node."""
    return {"values": data["values"], "pid": os.getpid()}


@node(category="Test/Models")
def fit_model(data: Params, *,
              model: Annotated[str, ModelChoice("regressor"), Help("Which model")] = "testpack.constant",
              hyperparameters: Annotated[dict[str, Any], Help("The model's settings")] = {}) -> Params:  # noqa: B006
    """Fit a registered regressor on the values and report its prediction."""
    import numpy as np

    spec = estimators("regressor")[model]
    values = np.asarray(data["values"], dtype=float)
    fitted = spec.build(hyperparameters).fit(values.reshape(-1, 1), values)
    return {"prediction": float(fitted.predict([[0.0]])[0])}


@node(category="Test/Models")
def fold_sums(data: Params, *, folds: Annotated[int, Bounds(1, 20), Help("How many folds")] = 3,
              log: Annotated[str, FilePath("write"), Help("Appends one line per computed fold")] = "",
              label: Annotated[str, Help("Not part of any fold's identity")] = "") -> Params:
    """Sum each fold of the values, caching every fold on its own."""
    values = data["values"]

    def fold_sum(index: int) -> dict:
        if log:
            with open(log, "a") as handle:
                handle.write(f"{index}\n")
        return {"sum": sum(values[index::folds])}

    sums = [cached_step("fold", {"fold": index, "of": folds}, lambda i=index: fold_sum(i))["sum"]
            for index in range(folds)]
    return {"sums": sums, "label": label}


@node(category="Test/Math", version=2, renamed={"maximum": "upper"})
def clip(data: Params, *, upper: Annotated[float, Help("Values above it become it (was 'maximum' in v1)")] = 10.0
         ) -> Params:
    """Cap every value at an upper limit."""
    return {"values": [min(v, upper) for v in data["values"]]}


@node(category="Test/Sources")
def private_numbers(*, token: Annotated[str, Secret(), Help("An access token; never saved in a file")] = "",
                    count: Annotated[int, Bounds(0, 100), Help("How many numbers")] = 3) -> Params:
    """Numbers from a service that needs a token."""
    if not token:
        raise NodeError("a token is required", param="token")
    return {"values": list(range(count))}
