"""The `metrics` and `params` serializers: dicts as JSON.

The cache form round-trips to an equal dict: numpy scalars and arrays become Python numbers and
lists, NaN and infinity are kept (the bytes only live in DataFlow's own cache), and what JSON
has no word for is tagged under the reserved key `__dataflow__`: tuples, and dicts whose keys
are not all strings (or that use the reserved key themselves). Anything else (dates, sets,
arbitrary objects) raises TypeError naming where it sits, e.g. `metrics['roc']['when']`.

The export form is plain, strict JSON for other tools: tuples become lists, keys become
strings, and NaN or infinity become null.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from sys import getsizeof
from typing import Any

from dataflow.sdk import Serializer

from ._common import deep_sizeof, type_name
from .collect import collect_metrics, collected_schema

TAG = "__dataflow__"


def to_json_tree(value: Any, where: str = "value", *, plain: bool = False) -> Any:
    """`value` as JSON-able Python data; tagged so that `from_json_tree` rebuilds it, unless `plain`."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if plain and not math.isfinite(value) else float(value)
    if isinstance(value, dict):
        if not plain and (TAG in value or not all(isinstance(k, str) for k in value)):
            items = [[to_json_tree(k, f"{where} key", plain=plain), to_json_tree(v, f"{where}[{k!r}]", plain=plain)]
                     for k, v in value.items()]
            return {TAG: "dict", "items": items}
        return {k if isinstance(k, str) else _plain_key(k, where): to_json_tree(v, f"{where}[{k!r}]", plain=plain)
                for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_tree(v, f"{where}[{i}]", plain=plain) for i, v in enumerate(value)]
    if isinstance(value, tuple):
        items = [to_json_tree(v, f"{where}[{i}]", plain=plain) for i, v in enumerate(value)]
        return items if plain else {TAG: "tuple", "items": items}
    return _numpy_to_json(value, where, plain)


def from_json_tree(node: Any) -> Any:
    """Rebuild the value that `to_json_tree` encoded (without `plain`)."""
    if isinstance(node, list):
        return [from_json_tree(v) for v in node]
    if isinstance(node, dict):
        tag = node.get(TAG)
        if tag is None:
            return {k: from_json_tree(v) for k, v in node.items()}
        if tag == "tuple":
            return tuple(from_json_tree(v) for v in node["items"])
        if tag == "dict":
            return {from_json_tree(k): from_json_tree(v) for k, v in node["items"]}
        raise ValueError(f"unknown tag {tag!r} in stored JSON")
    return node


def _numpy_to_json(value: Any, where: str, plain: bool) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf" and not plain:
            return value.tolist()
        return to_json_tree(value.tolist(), where, plain=plain)
    if isinstance(value, (np.bool_, np.integer, np.floating, np.str_)):
        return to_json_tree(value.item(), where, plain=plain)
    raise TypeError(f"{where} is a {type_name(value)}, which cannot be stored as JSON; "
                    f"use numbers, strings, booleans, None, lists, tuples and dicts")


def _plain_key(key: Any, where: str) -> str:
    if isinstance(key, (int, float, bool, type(None))):
        return json.dumps(key) if not isinstance(key, float) or math.isfinite(key) else str(key)
    if hasattr(key, "item"):
        return str(key.item())
    if isinstance(key, tuple):
        return str(key)
    raise TypeError(f"{where} has the key {key!r} ({type(key).__name__}), which cannot be stored as JSON")


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _flat(value: Any) -> bool:
    """A dict whose values are all immutable scalars (str, int, float, bool, None)."""
    return type(value) is dict and _SCALARS.issuperset(map(type, value.values()))


class DictSerializer(Serializer):
    """dicts as JSON; subclasses set the port type."""

    python_type = "dict"
    export_suffix = ".json"

    def check(self, value: Any) -> None:
        """Raise TypeError unless `value` is a dict."""
        if not isinstance(value, dict):
            raise TypeError(f"expected a dict, got {type_name(value)}")

    def dumps(self, value: Any) -> bytes:
        """Compact UTF-8 JSON that `loads` turns back into an equal dict."""
        tree = to_json_tree(value, self.port_type)
        return json.dumps(tree, allow_nan=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def loads(self, data: memoryview) -> Any:
        """The dict stored by `dumps`."""
        return from_json_tree(json.loads(bytes(data)))

    def sizeof(self, value: Any) -> int:
        """Estimated bytes (containers walked, arrays counted by nbytes)."""
        if type(value) is dict:  # one pass for the common dict of scalars
            size = getsizeof(value)
            for key, item in value.items():
                if type(item) not in _SCALARS:
                    return deep_sizeof(value)
                size += getsizeof(key) + getsizeof(item)
            return size
        return deep_sizeof(value)

    def share(self, value: Any) -> Any:
        """A copy a node may change freely: shallow for a dict of scalars (the common case, and the
        engine hands one to every consumer), deep otherwise (nested lists must not be shared)."""
        if _flat(value):
            return dict(value)
        return copy.deepcopy(value)

    def export(self, value: Any, path: Path) -> None:
        """Write indented, strict JSON (NaN and infinity as null, tuples as lists, keys as strings)."""
        tree = to_json_tree(value, self.port_type, plain=True)
        Path(path).write_text(json.dumps(tree, indent=2, allow_nan=False, ensure_ascii=False) + "\n",
                              encoding="utf-8")


class MetricsSerializer(DictSerializer):
    """Named scores (`{"accuracy": 0.93, ...}`) as JSON."""

    id = "json-metrics"
    port_type = "metrics"
    collects_to = "table"

    def collect(self, items: list[tuple[dict[str, Any], Any]]) -> Any:
        """One row per iteration of a loop: the columns naming it, then its scores."""
        return collect_metrics(items)

    def collect_schema(self, label: dict[str, Any], schema: Any) -> Any:
        """The columns naming the item; the scores' names are not known before running."""
        return collected_schema(label, None, complete=False)


class ParamsSerializer(DictSerializer):
    """Settings (`{"C": 1.0, "penalty": "l2"}`) as JSON."""

    id = "json-params"
    port_type = "params"
