"""Parameter values: validation against a `ParamSpec`, coercion, canonical form.

The same checks run when a workflow loads, when `dataflow run --set` overrides a value (the
command line reads the text, `dataflow.cli.values`) and when the app's form changes one, so a
value is valid everywhere or nowhere.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .spec import ParamSpec

_PY = {"bool": bool, "int": int, "float": (int, float), "str": str}
#: `int` parameters hold 64-bit integers: what numpy, pandas, Arrow and the libraries nodes call
#: accept (a larger one would only fail later, inside a node, with an OverflowError)
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def _json_problem(value: Any, depth: int = 0) -> str | None:
    """`dict[str, Any]` values: JSON scalars, or lists of them (estimator hyperparameters)."""
    if value is None or isinstance(value, (bool, int, str)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"expected a finite number, got {value!r}"
    if isinstance(value, list) and depth == 0:
        return next((p for p in (_json_problem(v, 1) for v in value) if p), None)
    return f"expected a number, text, true/false, null or a list of those, got {value!r}"


def _short_number(value: int | float) -> str:
    """A number for a message: as written up to 30 digits, else its magnitude (a 4,000-digit int
    would drown the message, and converting it to text or float can itself fail)."""
    if abs(value) < 10**30:
        return repr(value)
    return f"{value:.3g}" if isinstance(value, float) else f"a {value.bit_length()}-bit number"


def _scalar_problem(kind: str, value: Any) -> str | None:
    if kind == "json":
        return _json_problem(value)
    if kind == "bool":
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if isinstance(value, bool):
        return f"expected {'a number' if kind in ('int', 'float') else 'text'}, got {value!r}"
    if kind == "int":
        if not isinstance(value, int) and not (isinstance(value, float) and value.is_integer()):
            return f"expected a whole number, got {value!r}"
        if not INT_MIN <= value <= INT_MAX:
            return f"{_short_number(value)} does not fit in 64 bits (the largest whole number is {INT_MAX})"
        return None
    if kind == "float":
        if not isinstance(value, (int, float)):
            return f"expected a number, got {value!r}"
        return None if math.isfinite(value) else f"expected a finite number, got {value!r}"
    if kind == "str":
        return None if isinstance(value, str) else f"expected text, got {value!r}"
    return f"unknown kind {kind}"


def check_value(spec: ParamSpec, value: Any) -> str | None:
    """Return why `value` is not valid for `spec`, or None when it is."""
    if value is None:
        return None if spec.nullable else "a value is required (null is not allowed)"
    if spec.kind == "list":
        if not isinstance(value, list):
            return f"expected a list, got {value!r}"
        for item in value:
            problem = _scalar_problem(spec.item_kind, item)
            if problem:
                return f"list item: {problem}"
        return None
    if spec.kind == "dict":
        if not isinstance(value, dict):
            return f"expected a mapping, got {value!r}"
        for key, item in value.items():
            if not isinstance(key, str):
                return f"keys must be text, got {key!r}"
            problem = _scalar_problem(spec.item_kind, item)
            if problem:
                return f"value of {key!r}: {problem}"
        return None
    problem = _scalar_problem(spec.kind, value)
    if problem:
        return problem
    if spec.choices is not None and value not in spec.choices:
        options = ", ".join(repr(c) for c in spec.choices)
        return f"{value!r} is not one of the choices: {options}"
    if spec.bounds is not None:
        low, high = spec.bounds.min, spec.bounds.max
        if low is not None and value < low:
            return f"{value!r} is below the minimum {low}"
        if high is not None and value > high:
            return f"{value!r} is above the maximum {high}"
    return None


def coerce_value(spec: ParamSpec, value: Any) -> Any:
    """Normalise an already-valid value (1.0 -> 1 for int, 1 -> 1.0 for float)."""
    if value is None:
        return None
    if spec.kind == "int" and isinstance(value, float):
        return int(value)
    if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if spec.kind == "list":
        return [coerce_value_item(spec.item_kind, v) for v in value]
    if spec.kind == "dict":
        return {k: coerce_value_item(spec.item_kind, v) for k, v in value.items()}
    return value


def coerce_value_item(kind: str | None, value: Any) -> Any:
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "int" and isinstance(value, float):
        return int(value)
    return value


# one encoder for every call: `json.dumps` with options builds a new one each time (a third of its cost)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> str:
    """The stable JSON text of a value: sorted keys, no spaces, no NaN. Feeds cache keys."""
    return _CANONICAL.encode(value)
