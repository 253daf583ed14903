"""Object-dtype columns: what Arrow can hold exactly, and how to give the objects back.

An object column goes through Arrow as whatever type pyarrow infers from its values, and comes
back as that type (`str` for strings, float64 for integers with gaps). To give back what went
in, the encoder records the kind of values (`pandas.api.types.infer_dtype`) and which missing
marker stood in each gap (None, NaN, pd.NA or NaT; several markers in one column are kept as a
small int8 code column). The decoder rebuilds an object array from the Arrow data and puts
the markers back.

Only kinds that survive exactly are accepted: strings, bytes, integers, floats, booleans,
decimals, dates and all-missing columns. Anything else, e.g. ints mixed with strings (which
Arrow cannot type) or ints mixed with floats (which Arrow would silently turn into floats),
raises TypeError with a suggestion, and the disk tier then skips the entry.
"""

from __future__ import annotations

from typing import Any

KINDS = ("string", "bytes", "integer", "floating", "boolean", "decimal", "date", "empty")
#: Missing markers by code: the code column stores these indices.
MARKER_NAMES = ("none", "nan", "na", "nat")


def _markers() -> tuple[Any, ...]:
    import pandas as pd

    return (None, float("nan"), pd.NA, pd.NaT)


def encode_object(values: Any, where: str) -> tuple[dict[str, Any], Any]:
    """Describe a 1-D object array: `({"kind", "missing"}, codes or None)`.

    `missing` is the name of the single marker used in the gaps, `"codes"` when several are
    mixed (then `codes` is an int8 array with one marker code per row), or None without gaps.
    Raises TypeError naming `where` when the values cannot round-trip through Arrow.
    """
    import numpy as np
    import pandas as pd

    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in KINDS:
        raise TypeError(f"{where} (object dtype) holds {_explain(kind)}, which cannot be stored exactly; "
                        f"convert it first (e.g. .astype(str), pd.to_numeric or pd.to_datetime)")
    mask = pd.isna(values)
    if not mask.any():
        return {"kind": kind, "missing": None}, None
    gaps = values[mask]
    codes = np.fromiter(map(_marker_code, gaps), dtype=np.int8, count=len(gaps))
    if (codes < 0).any():
        odd = gaps[int(np.argmax(codes < 0))]
        raise TypeError(f"{where} uses {odd!r} ({type(odd).__name__}) as a missing value, which cannot be "
                        f"stored; use None or NaN")
    first = int(codes[0])
    if (codes == first).all():
        return {"kind": kind, "missing": MARKER_NAMES[first]}, None
    full = np.zeros(len(values), dtype=np.int8)
    full[mask] = codes
    return {"kind": kind, "missing": "codes"}, full


def decode_object(column: Any, spec: dict[str, Any], codes: Any = None) -> Any:
    """Rebuild the object array described by `spec` from its Arrow column (a ChunkedArray)."""
    import numpy as np

    kind = spec["kind"]
    if kind in ("string", "bytes"):
        values = column.to_numpy(zero_copy_only=False)
    elif column.null_count == 0 and kind in ("integer", "floating", "boolean"):
        values = column.to_numpy().astype(object)
    else:
        values = np.empty(len(column), dtype=object)
        values[:] = column.to_pylist()
    if values.dtype != object:
        values = values.astype(object)
    missing = spec.get("missing")
    markers = _markers()
    if missing == "codes" and codes is not None:
        code_values = codes.to_numpy()
        for code in np.unique(code_values):
            if code:
                values[code_values == code] = markers[code]
    elif missing not in (None, "none"):
        gaps = column.is_null().to_numpy(zero_copy_only=False)
        values[gaps] = markers[MARKER_NAMES.index(missing)]
    return values


def _marker_code(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        return 1
    name = type(value).__name__
    if name == "NAType":
        return 2
    if name == "NaTType":
        return 3
    return -1


def _explain(kind: str) -> str:
    if kind.startswith("mixed"):
        mixed = {"mixed-integer": "integers mixed with other types (e.g. int and str)",
                 "mixed-integer-float": "integers mixed with floats"}
        return mixed.get(kind, "values of mixed Python types")
    return f"values of kind '{kind}'"
