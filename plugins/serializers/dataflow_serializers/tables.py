"""The `table` and `series` serializers: Arrow IPC in the cache, Parquet on export.

A series is stored as a one-column table whose single label is the series' name, so both share
`frames.py` (exact dtypes) and `ipc.py` (one record batch, zero-copy reads).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.sdk import Serializer

from ._common import is_instance, object_array_nbytes, type_name
from .collect import collect_series, collect_tables, collected_schema, split_groups
from .dtypes import is_object
from .frames import decode_frame, encode_frame
from .handoff import share_frame, share_series
from .ipc import read_table, write_table, write_table_file
from .recollect import collect_series_again, collect_tables_again


def frame_nbytes(df: Any) -> int:
    """Estimate the memory of a DataFrame: buffer sizes, plus sampled sizes of Python objects."""
    import numpy as np

    # what memory_usage(index=True, deep=False).sum() adds up, without building its Series (3x faster:
    # the memory tier sizes every table a node returns and every one the disk tier hands back)
    total = int(df.index.memory_usage(deep=False))
    get = getattr(df, "_get_column_array", None)  # pandas' own accessor: no Series per column
    for i in range(df.shape[1]):
        values = get(i) if get is not None else df.iloc[:, i].array
        total += int(values.nbytes)
        if is_object(values.dtype):
            total += object_array_nbytes(np.asarray(values))
    if is_object(df.index.dtype):
        total += object_array_nbytes(df.index.to_numpy())
    return total


def write_parquet(df: Any, path: Path) -> None:
    """Write `df` as Parquet; column labels that are not strings are written as their `str`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not df.columns.is_unique:
        duplicates = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValueError(f"cannot export a table with duplicate column names {duplicates}; rename them first")
    if df.columns.nlevels == 1 and not all(isinstance(c, str) for c in df.columns):
        df = df.set_axis([str(c) for c in df.columns], axis=1)
    try:
        table = pa.Table.from_pandas(df, preserve_index=None)
    except (pa.ArrowException, OverflowError) as exc:
        raise TypeError(f"this table cannot be written as Parquet: {exc}") from exc
    pq.write_table(table, str(path))


class TableSerializer(Serializer):
    """pandas DataFrames as single-batch Arrow IPC files, with every dtype restored exactly."""

    id = "arrow-table"
    port_type = "table"
    python_type = "pandas.DataFrame"
    export_suffix = ".parquet"
    collects_to = "table"

    def check(self, value: Any) -> None:
        """Raise TypeError unless `value` is a DataFrame."""
        if not is_instance(value, "pandas", "DataFrame"):
            hint = "; use .to_frame() to make a one-column table" if is_instance(value, "pandas", "Series") else ""
            raise TypeError(f"expected a pandas DataFrame, got {type_name(value)}{hint}")

    def dumps(self, value: Any) -> memoryview:
        """Arrow IPC file bytes; TypeError/ValueError naming the column when a value cannot round-trip."""
        return write_table(self._arrow(value))

    def dump_file(self, value: Any, path: Path) -> bool:
        """The bytes of `dumps`, streamed into the new file `path` (a large table whose columns come
        in several chunks as a few batches, see `ipc.py`)."""
        write_table_file(self._arrow(value), path)
        return True

    def dump_compact(self, value: Any, path: Path) -> bool:
        """As `dump_file`, text columns with few distinct values stored as Arrow dictionaries (a
        10M-row orders table: 0.9 GB -> 0.5 GB); `loads` gives back the same `str` columns."""
        self.check(value)
        write_table_file(encode_frame(value, compact=True), path)
        return True

    def _arrow(self, value: Any) -> Any:
        """The checked frame as the Arrow table both `dumps` and `dump_file` write."""
        self.check(value)
        return encode_frame(value)

    def loads(self, data: memoryview) -> Any:
        """The DataFrame, its Arrow buffers read in place from `data` (which must outlive it)."""
        return decode_frame(read_table(data))

    def sizeof(self, value: Any) -> int:
        """Estimated bytes in memory (object columns sampled, not measured one by one)."""
        return frame_nbytes(value)

    def share(self, value: Any) -> Any:
        """A shallow copy (copy-on-write) over read-only arrays, with its own copies of mutable cells
        in object columns: nothing a node does to it reaches `value` (see `handoff.py`)."""
        return share_frame(value)

    def export(self, value: Any, path: Path) -> None:
        """Write a Parquet file."""
        write_parquet(value, path)

    def collect(self, items: list[tuple[dict[str, Any], Any]]) -> Any:
        """A loop's tables one under the other, led by the columns naming each item."""
        return collect_tables(items)

    def collect_again(self, items: list[tuple[dict[str, Any], Any]], previous: tuple[Any, list[Any]] | None,
                      reused: dict[int, int]) -> tuple[Any, list[Any]] | None:
        """`collect`, reusing the rows of unchanged items from the previous result (`recollect.py`)."""
        return collect_tables_again(items, previous, reused)

    def collect_schema(self, label: dict[str, Any], schema: Any) -> Any:
        """The columns naming the item, then the iterations' columns."""
        return collected_schema(label, schema)

    def split(self, value: Any, keys: list[str]) -> list[tuple[dict[str, Any], Any]]:
        """The table's groups by the `keys` columns, for a loop over groups."""
        return split_groups(value, keys)


class SeriesSerializer(Serializer):
    """pandas Series as one-column Arrow IPC files, name and dtype restored exactly."""

    id = "arrow-series"
    port_type = "series"
    python_type = "pandas.Series"
    export_suffix = ".parquet"
    collects_to = "table"

    def check(self, value: Any) -> None:
        """Raise TypeError unless `value` is a Series."""
        if not is_instance(value, "pandas", "Series"):
            hint = "; select one column, e.g. df['price']" if is_instance(value, "pandas", "DataFrame") else ""
            raise TypeError(f"expected a pandas Series, got {type_name(value)}{hint}")

    def dumps(self, value: Any) -> memoryview:
        """Arrow IPC file bytes of the series as a one-column table."""
        return write_table(self._arrow(value))

    def dump_file(self, value: Any, path: Path) -> bool:
        """The bytes of `dumps`, streamed into the new file `path`."""
        write_table_file(self._arrow(value), path)
        return True

    def _arrow(self, value: Any) -> Any:
        """The checked series as the one-column Arrow table both `dumps` and `dump_file` write."""
        self.check(value)
        return encode_frame(value.to_frame(name=value.name))

    def loads(self, data: memoryview) -> Any:
        """The Series, read in place from `data` (which must outlive it)."""
        frame = decode_frame(read_table(data))
        series = frame.iloc[:, 0]
        series.name = frame.columns.tolist()[0]  # a Python label, as given (iloc gives np.int64(0) for 0)
        return series

    def sizeof(self, value: Any) -> int:
        """Estimated bytes in memory."""
        return frame_nbytes(value.to_frame(name=value.name))

    def share(self, value: Any) -> Any:
        """A shallow copy over read-only arrays, mutable object cells copied (see `handoff.py`)."""
        return share_series(value)

    def export(self, value: Any, path: Path) -> None:
        """Write a one-column Parquet file named after the series ("value" when it has no name)."""
        write_parquet(value.to_frame(name="value" if value.name is None else str(value.name)), path)

    def collect(self, items: list[tuple[dict[str, Any], Any]]) -> Any:
        """A loop's columns as one table, led by the columns naming each item."""
        return collect_series(items)

    def collect_again(self, items: list[tuple[dict[str, Any], Any]], previous: tuple[Any, list[Any]] | None,
                      reused: dict[int, int]) -> tuple[Any, list[Any]] | None:
        """`collect`, reusing the rows of unchanged items from the previous result (`recollect.py`)."""
        return collect_series_again(items, previous, reused)
