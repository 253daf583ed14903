"""The `model` serializer: fitted estimators via joblib, for DataFlow's own cache only.

joblib (pickle) runs code when it loads, so these bytes are only ever read back from the application's private cache folder or from worker processes it started.
Model files that cross that boundary (a "save model" node, a shared file) use skops with a trust
list, not this serializer. There is no export for the same reason.
"""

from __future__ import annotations

import copy
import io
from typing import Any

from dataflow.sdk import Serializer

from ._common import deep_sizeof, is_instance, type_name

#: Plain data that is certainly not a model: a node that returns it on a model port has a bug.
_DATA = (type(None), str, bytes, bytearray, int, float, complex, bool, dict, list, tuple, set, frozenset)
_DATA_CLASSES = (("numpy", "ndarray"), ("pandas", "DataFrame"), ("pandas", "Series"))


class ModelSerializer(Serializer):
    """Fitted models (scikit-learn estimators, pipelines, any picklable object) via joblib."""

    id = "joblib-model"
    port_type = "model"
    python_type = "object"
    export_suffix = None

    def check(self, value: Any) -> None:
        """Raise TypeError when `value` is plain data (None, numbers, dicts, arrays, tables) instead of a model."""
        if isinstance(value, _DATA) or any(is_instance(value, m, n) for m, n in _DATA_CLASSES):
            raise TypeError(f"expected a fitted model, got {type_name(value)}")

    def dumps(self, value: Any) -> memoryview:
        """joblib's pickle of the model (uncompressed)."""
        import joblib

        buffer = io.BytesIO()
        joblib.dump(value, buffer)
        return buffer.getbuffer()

    def loads(self, data: memoryview) -> Any:
        """The model; runs pickle, so `data` must come from DataFlow's own cache or workers."""
        import joblib

        return joblib.load(io.BytesIO(data))

    def sizeof(self, value: Any) -> int:
        """A cheap estimate: the object's attributes walked, numpy arrays counted by nbytes."""
        return deep_sizeof(value)

    def share(self, value: Any) -> Any:
        """A deep copy, so a node that calls `fit` on its input cannot change the cached model.

        It costs little next to fitting (a 100-tree random forest: about 9 ms, LogisticRegression: 0.1 ms).
        """
        return copy.deepcopy(value)
