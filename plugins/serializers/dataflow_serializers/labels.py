"""A frame's column labels (its `columns` index) as JSON, restored exactly.

Arrow fields are named by strings, so pyarrow turns integer labels into strings and a
`RangeIndex` into an integer `Index`, and refuses duplicates. The table codec therefore names
fields by position when the labels are not plain unique strings, and keeps the labels here:

- `RangeIndex` as start, stop, step;
- a flat index as its values (str, int, float, bool, None) and its dtype token;
- datetime and timedelta labels as int64 ticks, their dtype and freq;
- `CategoricalIndex` as its categories and codes, `IntervalIndex` as left, right and closed;
- `MultiIndex` as its levels (each encoded as above) and codes.

Names are JSON scalars or tuples of them. Any other label raises TypeError naming it.
"""

from __future__ import annotations

from typing import Any

from .dtypes import dtype_from_token, dtype_token, is_object

_SCALARS = (str, int, float, bool, type(None))


def encode_labels(index: Any) -> dict[str, Any]:
    """A JSON-able description of a pandas Index that `decode_labels` turns back into an equal one."""
    import pandas as pd

    names = encode_names(index.names)
    if isinstance(index, pd.MultiIndex):
        return {"multi": [encode_labels(level) for level in index.levels],
                "codes": [codes.tolist() for codes in index.codes], "names": names}
    if isinstance(index, pd.RangeIndex):
        return {"range": [index.start, index.stop, index.step], "names": names}
    if isinstance(index, pd.CategoricalIndex):
        return {"categorical": encode_labels(index.categories), "codes": index.codes.tolist(),
                "ordered": bool(index.ordered), "names": names}
    if isinstance(index, pd.IntervalIndex):
        return {"interval": [encode_labels(index.left), encode_labels(index.right)], "closed": index.closed,
                "names": names}
    token = dtype_token(index.dtype)
    if isinstance(index, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        _check_rebuildable(index.dtype, token)
        freq = index.freqstr if index.freq is not None else None
        return {"ticks": index.asi8.tolist(), "dtype": token, "freq": freq, "names": names}
    values = index.tolist()
    if is_object(index.dtype):  # numpy scalars kept as objects become Python ones (np.int64(3) -> 3)
        values = [v.item() if hasattr(v, "item") and not isinstance(v, _SCALARS) else v for v in values]
    odd = next((v for v in values if not isinstance(v, _SCALARS)), None)
    if odd is not None:
        raise TypeError(f"column label {odd!r} of type {type(odd).__name__} cannot be stored; "
                        f"use str, int, float, bool or date-time labels")
    _check_rebuildable(index.dtype, token)
    return {"values": values, "dtype": token, "names": names}


def decode_labels(data: dict[str, Any]) -> Any:
    """The pandas Index described by `encode_labels`."""
    import numpy as np
    import pandas as pd

    names = decode_names(data["names"])
    if "multi" in data:
        levels = [decode_labels(level) for level in data["multi"]]
        return pd.MultiIndex(levels=levels, codes=data["codes"], names=names, verify_integrity=False)
    name = names[0]
    if "range" in data:
        return pd.RangeIndex(*data["range"], name=name)
    if "categorical" in data:
        dtype = pd.CategoricalDtype(decode_labels(data["categorical"]), ordered=data["ordered"])
        codes = np.asarray(data["codes"], dtype=np.int64)
        return pd.CategoricalIndex(pd.Categorical.from_codes(codes, dtype=dtype), name=name)
    if "interval" in data:
        left, right = (decode_labels(side) for side in data["interval"])
        return pd.IntervalIndex.from_arrays(left, right, closed=data["closed"], name=name)
    dtype = dtype_from_token(data["dtype"])
    if "ticks" in data:
        ticks = np.asarray(data["ticks"], dtype=np.int64)
        unit = dtype.unit if hasattr(dtype, "unit") else np.datetime_data(dtype)[0]
        kind = "m8" if dtype.kind == "m" else "M8"
        values = pd.Index(ticks.view(f"{kind}[{unit}]"))
        if getattr(dtype, "tz", None) is not None:
            values = values.tz_localize("UTC").tz_convert(dtype.tz)
        return type(values)(values, freq=data["freq"], name=name)
    return pd.Index(data["values"], dtype=dtype, name=name)


def _check_rebuildable(dtype: Any, token: Any) -> None:
    try:
        ok = dtype_from_token(token) == dtype
    except ValueError:
        ok = False
    if not ok:
        raise TypeError(f"column labels of dtype {dtype} cannot be stored")


def encode_names(names: Any) -> list[Any]:
    """The names of an index's levels as JSON (tuples become lists)."""
    return [_encode_name(name) for name in names]


def decode_names(names: list[Any]) -> list[Any]:
    """Names from `encode_names`, lists back to tuples."""
    return [_decode_name(name) for name in names]


def _encode_name(name: Any) -> Any:
    if isinstance(name, _SCALARS):
        return name
    if isinstance(name, tuple) and all(isinstance(part, _SCALARS) for part in name):
        return list(name)
    raise TypeError(f"index name {name!r} cannot be stored; use a str, a number or a tuple of them")


def _decode_name(name: Any) -> Any:
    return tuple(name) if isinstance(name, list) else name
