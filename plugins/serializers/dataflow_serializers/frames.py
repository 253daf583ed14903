"""pandas DataFrame <-> Arrow table, giving back exactly the frame that went in.

pyarrow's pandas conversion (`Table.from_pandas` / `to_pandas`) does the heavy lifting and is
the fast path: numeric, date-time, nullable, categorical and `str` columns pass through it
untouched. What it loses is repaired from a small JSON record kept in the schema metadata
under `dataflow.pandas`:

- `dtypes`: one token per column (see `dtypes.py`); a column that comes back with another
  dtype (`string[python]` comes back as `string[pyarrow]`) is cast back;
- `arrow`: Arrow-backed columns of nested or parametrized types (`list<item: int64>[pyarrow]`),
  whose dtype names pandas cannot parse: they are rebuilt from the field's Arrow type;
- `objects`: object columns (they come back as `str`, or float for integers with gaps) are
  rebuilt from the Arrow data with their missing markers (see `objects.py`);
- `categories`: categories of object dtype come back as `str` and are cast back; categorical
  codes are copied so that the loaded frame accepts in-place edits like a computed one;
- `labels`: the column labels, when they are not unique strings (ints, a RangeIndex, a
  MultiIndex, duplicates), with the fields then named by position (see `labels.py`);
- `index`: the row index (pyarrow keeps its values; object levels, level names and a
  DatetimeIndex `freq` are restored here);
- `dictionary`: `str` columns stored as Arrow dictionaries (`encode_frame(compact=True)`, for
  large tables read from outside data: a column of a few distinct texts shrinks to its codes);
  they are decoded back to plain strings before `to_pandas`.

A frame that cannot round-trip raises TypeError or ValueError naming the column; the caller
never falls back to pickle.
"""

from __future__ import annotations

import json
from typing import Any

from .dtypes import dtype_from_token, dtype_name, dtype_token, is_object
from .labels import decode_labels, decode_names, encode_labels, encode_names
from .objects import decode_object, encode_object

META_KEY = b"dataflow.pandas"
FORMAT = 1


#: `compact` stores a `str` column as a dictionary when it has at most one distinct value per this many rows
DICTIONARY_ROWS_PER_VALUE = 16


def encode_frame(df: Any, compact: bool = False) -> Any:
    """The Arrow table (with restore metadata) that `decode_frame` turns back into `df`; with
    `compact`, `str` columns with few distinct values as Arrow dictionaries."""
    import pandas as pd
    import pyarrow as pa

    labels = encode_labels(df.columns)
    flat = df
    if not _plain_labels(df.columns):
        flat = flat.set_axis([f"__column_{i}__" for i in range(df.shape[1])], axis=1)
    if not all(name is None or isinstance(name, str) for name in df.index.names):
        # pyarrow would stringify (and warn about) other names; they are restored from the record
        flat = flat.set_axis(df.index.set_names([None] * df.index.nlevels), axis=0)
    dtypes = _dtypes(df)
    record: dict[str, Any] = {"format": FORMAT, "dtypes": [dtype_token(d) for d in dtypes], "labels": labels,
                              "objects": {}, "categories": {}, "arrow": [], "index": {}}
    extra: list[Any] = []
    for i, dtype in enumerate(dtypes):
        if is_object(dtype):
            where = f"column {df.columns[i]!r}"
            record["objects"][i] = _object_spec(df.iloc[:, i].to_numpy(), where, extra)
        elif isinstance(dtype, pd.CategoricalDtype):
            record["categories"][i] = _categories_spec(dtype, f"column {df.columns[i]!r}")
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and not _rebuildable(dtype, record["dtypes"][i]):
            if not isinstance(dtype, pd.ArrowDtype):
                raise TypeError(f"column {df.columns[i]!r} has the dtype {dtype}, which cannot be restored")
            record["arrow"].append(i)  # nested or parametrized Arrow type: decoded from the field type
    record["index"] = _index_spec(df.index, extra)
    if df.attrs:
        record["attrs"] = _json_attrs(df.attrs)  # before converting: attrs that are not JSON fail first
    if flat.attrs:  # kept in the record; pyarrow would store them again, and warn when they are not JSON
        flat = flat.copy(deep=False)
        flat.attrs = {}
    try:
        table = _to_arrow(flat)
    except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
        raise TypeError(f"{_culprit(flat, df.columns)}cannot be stored as Arrow: {exc}") from exc
    for codes in extra:
        table = table.append_column(f"__dataflow_missing_{len(table.schema)}__", pa.array(codes))
    record["extra"] = len(extra)
    if compact:
        table = _dictionaries(table, dtypes, record)
    metadata = dict(table.schema.metadata or {})
    metadata[META_KEY] = json.dumps(record, separators=(",", ":")).encode()
    return table.replace_schema_metadata(metadata)


def decode_frame(table: Any) -> Any:
    """The DataFrame stored by `encode_frame` (ValueError when the table was not made by it)."""
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise ValueError("this Arrow table has no DataFlow metadata; it was not written by encode_frame")
    record = json.loads(raw)
    if record.get("format") != FORMAT:
        raise ValueError(f"unknown table format {record.get('format')!r}")
    for i in record.get("dictionary", ()):
        column = table.column(i)
        table = table.set_column(i, table.schema.field(i).with_type(column.type.value_type),
                                 column.cast(column.type.value_type))
    codes_start = table.num_columns - record["extra"]
    base = table.select(range(codes_start)) if record["extra"] else table
    df = base.to_pandas(types_mapper=_arrow_mapper(table, record["arrow"]))
    objects = {int(k): v for k, v in record["objects"].items()}
    categories = {int(k): v for k, v in record["categories"].items()}
    for i, (dtype, token) in enumerate(zip(list(df.dtypes), record["dtypes"], strict=True)):
        if i in objects:
            values = _restore_object(table, i, objects[i], codes_start)
            df.isetitem(i, _object_series(values, df.index))
        elif i in categories:
            df.isetitem(i, _restore_categorical(df.iloc[:, i].array, categories[i]))
        elif dtype_token(dtype) != token:
            df.isetitem(i, df.iloc[:, i].astype(dtype_from_token(token)))
    df.columns = decode_labels(record["labels"])
    _restore_index(df, table, record["index"], len(record["dtypes"]), codes_start)
    if record.get("attrs"):
        df.attrs = record["attrs"]
    return df


def _json_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """`DataFrame.attrs` kept with the table (nodes record facts there, e.g. which column holds a
    prediction); only JSON data is kept, and a value that is not JSON is a clear error."""
    try:
        return json.loads(json.dumps(attrs, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"DataFrame.attrs must hold JSON data to be cached: {exc}") from exc


# --- encoding helpers ---------------------------------------------------------------------

def _plain_labels(columns: Any) -> bool:
    """True when the labels can name Arrow fields as they are: unique strings of a flat index."""
    if columns.nlevels != 1 or not columns.is_unique:
        return False
    return all(isinstance(c, str) and not c.startswith("__") for c in columns.tolist())


def _rebuildable(dtype: Any, token: Any) -> bool:
    try:
        return dtype_from_token(token) == dtype
    except (ValueError, TypeError, NotImplementedError):
        return False


def _culprit(flat: Any, labels: Any) -> str:
    """'column 'x' ' for the first column pyarrow refuses (only called after a failure)."""
    import pyarrow as pa

    for i in range(flat.shape[1]):
        try:
            pa.Array.from_pandas(flat.iloc[:, i])
        except Exception:
            return f"column {labels[i]!r} "
    return "this table "


def _object_spec(values: Any, where: str, extra: list[Any]) -> dict[str, Any]:
    """The record of an object column; a code column for mixed missing markers is queued in `extra`."""
    spec, codes = encode_object(values, where)
    if codes is not None:
        spec["codes"] = len(extra)
        extra.append(codes)
    return spec


def _categories_spec(dtype: Any, where: str) -> dict[str, Any]:
    """The record of a categorical column: the dtype of its categories (object ones are checked)."""
    categories = dtype.categories
    if is_object(categories.dtype):
        encode_object(categories.to_numpy(), f"the categories of {where}")
    return {"dtype": dtype_token(categories.dtype)}


def _index_spec(index: Any, extra: list[Any]) -> dict[str, Any]:
    """The record of the row index: level names, freq, and per level what `_restore_index` needs."""
    import pandas as pd

    spec: dict[str, Any] = {"names": encode_names(index.names), "levels": {},
                            "freq": getattr(index, "freqstr", None)}
    if isinstance(index, pd.RangeIndex):
        return spec
    for level in range(index.nlevels):
        values = index.get_level_values(level) if index.nlevels > 1 else index
        name = index.names[level]
        where = f"index level {name!r}" if name is not None or index.nlevels > 1 else "the index"
        dtype = values.dtype
        if is_object(dtype):
            spec["levels"][level] = {"object": _object_spec(values.to_numpy(), where, extra)}
        elif isinstance(dtype, pd.CategoricalDtype):
            spec["levels"][level] = {"categories": _categories_spec(dtype, where)}
        else:
            spec["levels"][level] = {"dtype": dtype_token(dtype)}
    return spec


#: schemas of `Table.from_pandas` by frame signature (see `_to_arrow`); None marks a signature
#: whose direct conversion did not match
_SCHEMAS: dict[tuple, Any] = {}
_SCHEMAS_MAX = 512

#: larger frames always go through `from_pandas`: its fixed cost no longer counts, and the first
#: frame of a signature would be compared in full
DIRECT_MAX_ROWS = 100_000


def _to_arrow(flat: Any) -> Any:
    """`pa.Table.from_pandas(flat, preserve_index=None)`, on one thread (the columns pass through
    without copies, so a pool only costs and takes a core from the nodes computed meanwhile).

    `from_pandas` costs about 1 ms of Python per call whatever the size, most of the disk tier's
    cost for a small table (a 10,000-node chain of 150-row tables writes 10,000 of them). A frame
    whose columns and index are plain numpy numbers, booleans or naive datetimes or Arrow-backed
    text is converted column by column instead (about 0.1 ms) with the schema, pandas metadata
    included, that `from_pandas` gave the first frame of the same signature (labels, dtypes,
    index); the first conversion of each signature is made both ways and compared, and a
    signature whose two results differ keeps `from_pandas`."""
    import pyarrow as pa

    columns = _plain_columns(flat) if flat.shape[0] <= DIRECT_MAX_ROWS else None
    signature = None
    if columns is not None:
        index = flat.index
        index_values = None
        if type(index).__name__ == "RangeIndex":
            index_part: tuple = ("range", index.start, index.stop, index.step, index.name)
        elif index.nlevels == 1 and getattr(index.dtype, "kind", "") in "biufM" and not _is_extension(index.dtype):
            index_values = index.to_numpy()
            index_part = ("values", str(index.dtype), index.name)
        else:
            index_part = ()
        if index_part:
            signature = (tuple(flat.columns.tolist()), tuple(dtype_name(c.dtype) for c in columns), index_part)
    schema = _SCHEMAS.get(signature) if signature is not None else None
    if schema is not None:
        arrays = [pa.array(c, from_pandas=True) for c in columns]
        if index_values is not None:
            arrays.append(pa.array(index_values, from_pandas=True))
        return pa.Table.from_arrays(arrays, schema=schema)
    table = pa.Table.from_pandas(flat, preserve_index=None, nthreads=1)
    if signature is not None and signature not in _SCHEMAS:
        try:
            arrays = [pa.array(c, from_pandas=True) for c in columns]
            if index_values is not None:
                arrays.append(pa.array(index_values, from_pandas=True))
            direct = pa.Table.from_arrays(arrays, schema=table.schema)
            same = direct.equals(table, check_metadata=True)
        except (pa.ArrowException, TypeError, ValueError):
            same = False
        if len(_SCHEMAS) >= _SCHEMAS_MAX:
            _SCHEMAS.pop(next(iter(_SCHEMAS)))
        _SCHEMAS[signature] = table.schema if same else None
    return table


def _dtypes(df: Any) -> list[Any]:
    """`list(df.dtypes)` without building its Series (a tenth of a small table's encoding)."""
    get = getattr(df, "_get_column_array", None)
    return [get(i).dtype for i in range(df.shape[1])] if get is not None else list(df.dtypes)


def _plain_columns(flat: Any) -> list[Any] | None:
    """The frame's column arrays when every one is a numpy array of numbers, booleans or naive
    datetimes, or Arrow-backed text; else None."""
    import pandas as pd

    get = getattr(flat, "_get_column_array", None)  # pandas' own accessor: no Series per column
    if get is None:
        return None
    columns = []
    for i in range(flat.shape[1]):
        values = get(i)
        dtype = values.dtype
        if isinstance(dtype, pd.StringDtype):
            if dtype.storage != "pyarrow":
                return None
        elif _is_extension(dtype) or dtype.kind not in "biufM":
            return None
        columns.append(values)
    return columns


def _is_extension(dtype: Any) -> bool:
    import pandas as pd

    return isinstance(dtype, pd.api.extensions.ExtensionDtype)


def _dictionaries(table: Any, dtypes: list[Any], record: dict[str, Any]) -> Any:
    """`table` with its `str` columns of few distinct values (see DICTIONARY_ROWS_PER_VALUE) as
    dictionaries, their positions listed in `record["dictionary"]`."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    record["dictionary"] = []
    limit = table.num_rows // DICTIONARY_ROWS_PER_VALUE
    for i, dtype in enumerate(dtypes):
        if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
            continue
        column = table.column(i)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        encoded = pc.dictionary_encode(column)
        if max((len(chunk.dictionary) for chunk in encoded.chunks), default=0) > limit:
            continue
        table = table.set_column(i, table.schema.field(i).with_type(encoded.type), encoded)
        record["dictionary"].append(i)
    # one dictionary per column for every chunk: the IPC file format cannot replace one midway
    return table.unify_dictionaries() if record["dictionary"] else table


# --- decoding helpers ---------------------------------------------------------------------

def _arrow_mapper(table: Any, positions: list[int]) -> Any:
    """A `types_mapper` giving `pd.ArrowDtype` to the fields of Arrow-backed columns whose dtype name
    pandas cannot parse (lists, structs, decimals); None when there are none."""
    if not positions:
        return None
    import pandas as pd

    types = {table.schema.field(i).type for i in positions}
    return lambda arrow_type: pd.ArrowDtype(arrow_type) if arrow_type in types else None


def _restore_object(table: Any, position: int, spec: dict[str, Any], codes_start: int) -> Any:
    """The object array of the field at `position`; code columns start at field `codes_start`."""
    codes = table.column(codes_start + spec["codes"]) if "codes" in spec else None
    return decode_object(table.column(position), spec, codes)


def _object_series(values: Any, index: Any) -> Any:
    import pandas as pd

    # an object ndarray set into a frame directly would be inferred as `str`; a Series keeps object
    return pd.Series(values, index=index, dtype=object, copy=False)


def _restore_categorical(categorical: Any, spec: dict[str, Any]) -> Any:
    """The categorical with categories of the recorded dtype and writable codes (Arrow's are read-only)."""
    import pandas as pd

    categories = categorical.categories
    if dtype_token(categories.dtype) != spec["dtype"]:
        categories = categories.astype(dtype_from_token(spec["dtype"]))
    dtype = pd.CategoricalDtype(categories, ordered=categorical.ordered)
    return pd.Categorical.from_codes(categorical.codes.copy(), dtype=dtype, validate=False)


def _restore_index(df: Any, table: Any, spec: dict[str, Any], n_columns: int, codes_start: int) -> None:
    """Give `df` its recorded row index: object and categorical levels, dtypes, names, freq."""
    import pandas as pd

    index = df.index
    levels = {int(k): v for k, v in spec["levels"].items()}
    if levels:
        arrays = []
        changed = False
        for level in range(index.nlevels):
            values = index.get_level_values(level) if index.nlevels > 1 else index
            level_spec = levels[level]
            if "object" in level_spec:
                rebuilt = _restore_object(table, n_columns + level, level_spec["object"], codes_start)
                values, changed = pd.Index(rebuilt, dtype=object), True
            elif "categories" in level_spec:
                if dtype_token(values.dtype.categories.dtype) != level_spec["categories"]["dtype"]:
                    values, changed = pd.CategoricalIndex(_restore_categorical(values.array,
                                                                               level_spec["categories"])), True
            elif dtype_token(values.dtype) != level_spec["dtype"]:
                values, changed = values.astype(dtype_from_token(level_spec["dtype"])), True
            arrays.append(values)
        if changed:
            index = pd.MultiIndex.from_arrays(arrays) if len(arrays) > 1 else arrays[0]
    if spec["freq"] is not None:
        index = type(index)(index, freq=spec["freq"])
    df.index = index.set_names(decode_names(spec["names"]))
