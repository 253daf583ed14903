"""Helpers shared by the serializers: lazy type checks and cheap size estimates.

Type checks look the class up in `sys.modules` instead of importing its library: a value cannot
be a pandas DataFrame unless pandas is already imported, so checking costs nothing at start-up.

Size estimates bound the memory tier; they must be fast rather than exact. Containers are walked
with a budget of items, numpy arrays count their `nbytes`, and object arrays (Python strings)
are estimated from an evenly spaced sample instead of measuring every element.
"""

from __future__ import annotations

import sys
from typing import Any

#: How many elements of an object array are measured to estimate its size.
SAMPLE = 1000
#: How many objects `deep_sizeof` visits before it stops counting.
BUDGET = 10_000


def loaded_class(module: str, name: str) -> type | None:
    """The class `module.name` if its module is already imported, else None (no import happens)."""
    mod = sys.modules.get(module)
    return getattr(mod, name, None) if mod is not None else None


def is_instance(value: Any, module: str, name: str) -> bool:
    """`isinstance(value, module.name)` without importing `module`."""
    cls = loaded_class(module, name)
    return cls is not None and isinstance(value, cls)


def type_name(value: Any) -> str:
    """A short, readable name of a value's type for error messages ("list", "pandas Series")."""
    cls = type(value)
    root = cls.__module__.split(".", 1)[0]
    if root in ("builtins", "__main__"):
        return cls.__name__
    return f"{root} {cls.__name__}"


def object_array_nbytes(values: Any) -> int:
    """Estimate the bytes held by a 1-D numpy object array: pointers plus a sampled mean object size."""
    n = len(values)
    if n == 0:
        return 0
    step = max(1, n // SAMPLE)
    sample = values[::step]
    mean = sum(map(sys.getsizeof, sample)) / len(sample)
    return int(n * (8 + mean))


def deep_sizeof(value: Any, budget: int = BUDGET) -> int:
    """Approximate bytes held by `value` and what it references, visiting at most `budget` objects.

    Counts `sys.getsizeof` of containers and scalars, `nbytes` of numpy arrays (sampled for object
    arrays), the attributes of plain objects, and each object once. Meant for dicts, figures and
    fitted models, where an exact answer would cost a full serialization.
    """
    ndarray = loaded_class("numpy", "ndarray")
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack and budget > 0:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        budget -= 1
        if ndarray is not None and isinstance(obj, ndarray):
            total += 112 + (object_array_nbytes(obj.ravel()) if obj.dtype.hasobject else obj.nbytes)
            continue
        total += sys.getsizeof(obj, 64)
        if isinstance(obj, (str, bytes, bytearray, int, float, bool, type(None))):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        else:
            total += _opaque_nbytes(obj)
            attributes = getattr(obj, "__dict__", None)
            if isinstance(attributes, dict):
                stack.extend(attributes.values())
    return total


def _opaque_nbytes(obj: Any) -> int:
    """Memory of extension objects that hide their arrays (scikit-learn's `Tree`): duck-typed, best effort."""
    nodes = getattr(type(obj), "node_count", None)
    if nodes is None:
        return 0
    try:
        return int(obj.node_count) * 64 + int(obj.value.nbytes)
    except Exception:
        return 0
