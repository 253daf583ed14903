"""Reading Parquet and Feather/Arrow IPC files, with damaged files and unknown columns explained."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError

from .files import check_readable
from .names import did_you_mean


def read_parquet_table(path: str | Path, columns: Sequence[str] = ()) -> Any:
    """A Parquet file as a DataFrame, only `columns` when given (read from the file's footer first)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = check_readable(path)
    try:
        if columns:
            available = pq.read_schema(path).names
            missing = [c for c in columns if c not in available]
            if missing:
                raise NodeError(f"no column '{missing[0]}' in '{path.name}'{did_you_mean(missing[0], available)}; "
                                f"columns: {', '.join(available[:30])}", param="columns")
        return pd.read_parquet(path, columns=list(columns) or None)
    except (pa.ArrowException, OSError) as exc:
        raise NodeError(f"'{path.name}' is not a readable Parquet file (truncated, damaged or another "
                        f"format?): {_first_line(exc)}", param="path") from None


def read_feather_table(path: str | Path) -> Any:
    """A Feather (Arrow IPC file) or Arrow IPC stream as a DataFrame."""
    import pandas as pd
    import pyarrow as pa

    path = check_readable(path)
    try:
        return pd.read_feather(path)
    except (pa.ArrowException, OSError) as exc:
        first = exc
    try:  # `.arrow` files are often written as an IPC *stream*, which read_feather does not accept
        with pa.ipc.open_stream(path) as reader:
            return reader.read_all().to_pandas()
    except (pa.ArrowException, OSError):
        raise NodeError(f"'{path.name}' is not a readable Feather/Arrow IPC file (truncated, damaged or "
                        f"another format?): {_first_line(first)}", param="path") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
