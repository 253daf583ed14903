"""pandas dtypes as JSON tokens, and back.

`str(dtype)` names almost every dtype exactly ("float64", "Int64", "datetime64[us, UTC]",
"period[M]"). The exception is `StringDtype`: "string" hides whether values live in Python or
Arrow and whether the missing value is `pd.NA` or NaN, so it becomes `["string", storage, na]`.
Categorical dtypes are described by their column record (categories come from the Arrow data).
"""

from __future__ import annotations

from typing import Any

Token = str | list


#: `str` of numpy dtypes seen so far: numpy builds the name in Python code each time (about 5 us),
#: and a small table's encoding asks for a few per column
_NUMPY_NAMES: dict[Any, str] = {}


def dtype_name(dtype: Any) -> str:
    """`str(dtype)`, remembered for numpy dtypes (few, hashable, and slow to name)."""
    name = _NUMPY_NAMES.get(dtype) if type(dtype).__module__ == "numpy.dtypes" else None
    if name is None:
        name = str(dtype)
        if type(dtype).__module__ == "numpy.dtypes" and len(_NUMPY_NAMES) < 256:
            _NUMPY_NAMES[dtype] = name
    return name


def dtype_token(dtype: Any) -> Token:
    """A JSON-able name of `dtype` that `dtype_from_token` turns back into an equal dtype."""
    import pandas as pd

    if isinstance(dtype, pd.StringDtype):
        return ["string", dtype.storage, "na" if dtype.na_value is pd.NA else "nan"]
    return dtype_name(dtype)


def dtype_from_token(token: Token) -> Any:
    """The dtype named by a token from `dtype_token`; ValueError when pandas does not know it."""
    import numpy as np
    import pandas as pd

    if isinstance(token, list):
        if len(token) == 3 and token[0] == "string":
            return pd.StringDtype(token[1], na_value=pd.NA if token[2] == "na" else np.nan)
        raise ValueError(f"unknown dtype token {token!r}")
    try:
        return pd.api.types.pandas_dtype(token)
    except TypeError as exc:
        raise ValueError(f"pandas cannot rebuild the dtype {token!r}: {exc}") from exc


def same_dtype(dtype: Any, token: Token) -> bool:
    """True when `dtype` is the one named by `token` (cheap: compares names)."""
    return dtype_token(dtype) == token


def is_object(dtype: Any) -> bool:
    """True for numpy's object dtype (not for categorical or string dtypes, whose `kind` is also "O")."""
    return dtype_name(dtype) == "object"
