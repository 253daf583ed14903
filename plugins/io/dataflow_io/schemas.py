"""The columns of a file without reading it: a CSV's header and first rows, a Parquet or Feather footer.

Each function is a reader node's schema (the SDK's `@node(schema=...)`): it gets the node's
parameters, the path already resolved and checked against the granted folders, and reads no more
than `SAMPLE_ROWS` rows and `SAMPLE_BYTES` of a delimited file (the stdlib `csv` module, so no pandas import) or the
metadata of an Arrow file. A CSV's kinds are a reading of its first rows, so its schema is not
`exact`; anything unreadable is None (unknown): the node itself reports the problem when it runs.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dataflow.sdk import ColumnSchema, TableSchema

SAMPLE_ROWS = 100
SAMPLE_BYTES = 1 << 20
_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
       "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
_BOOL = {"True", "False", "TRUE", "FALSE", "true", "false"}
_INT = re.compile(r"[+-]?\d+")
_TYPE_KINDS = {"int": "integer", "uint": "integer", "float": "number", "str": "text", "string": "text",
               "object": "text", "bool": "boolean", "boolean": "boolean", "category": "category",
               "datetime": "datetime"}


def _sep(value: str) -> str:
    return {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(value, value)


def delimited(path: str, *, separator: str = ",", decimal: str = ".", encoding: str = "utf-8",
              header_row: int = 0, column_types: dict[str, str] | None = None,
              date_columns: list[str] | None = None, missing_values: list[str] | None = None,
              skip_rows: int = 0, max_rows: int = 0) -> TableSchema | None:
    """A delimited file's columns from its header; their kinds from its first rows."""
    if not path or header_row < -1 or skip_rows < 0 or len(_sep(separator)) != 1:
        return None
    wanted = max(header_row, 0) + 1 + SAMPLE_ROWS
    try:
        codecs.lookup(encoding or "utf-8")
        with open(path, encoding=encoding or "utf-8", newline="") as file:
            lines = _lines(file, SAMPLE_BYTES)
            for _ in range(skip_rows):
                next(lines, None)
            rows = [r for r in itertools.islice(csv.reader(lines, delimiter=_sep(separator)), wanted) if r]
    except (OSError, LookupError, UnicodeDecodeError, ValueError, csv.Error):
        return None
    if header_row >= 0:
        if len(rows) <= header_row:
            return None
        names = _pandas_names(rows[header_row])
        data = rows[header_row + 1:header_row + 1 + SAMPLE_ROWS]
    else:
        width = max((len(r) for r in rows[:SAMPLE_ROWS]), default=0)
        names = [f"column_{i + 1}" for i in range(width)]
        data = rows[:SAMPLE_ROWS]
    missing = _NA | set(missing_values or ())
    types = column_types or {}
    dates = set(date_columns or ())
    columns = []
    for index, name in enumerate(names):
        if name in types:
            kind = next((k for prefix, k in _TYPE_KINDS.items() if types[name].lower().startswith(prefix)), "other")
        elif name in dates:
            kind = "datetime"
        else:
            kind = _kind([r[index] if index < len(r) else "" for r in data], missing, decimal)
        columns.append(ColumnSchema(name, kind))
    return TableSchema(tuple(columns), exact=False)


def _lines(file: Any, budget: int) -> Iterator[str]:
    """The file's lines, up to `budget` characters in all (a last line cut by it is left out)."""
    while budget > 0:
        line = file.readline(budget)
        budget -= len(line)
        if not line or (budget <= 0 and not line.endswith("\n")):
            return
        yield line


def _pandas_names(header: list[str]) -> list[str]:
    """The names pandas gives a header row: `Unnamed: 3` for an empty one, `a.1` for a repeated one."""
    names, seen = [], {}
    for index, raw in enumerate(header):
        name = raw if raw != "" else f"Unnamed: {index}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name}.{count}")
    return names


def _kind(values: list[str], missing: set[str], decimal: str) -> str:
    present = [v for v in values if v not in missing]
    if not present:
        return "number"  # pandas reads an empty column as float NaN
    if all(_INT.fullmatch(v.strip()) for v in present):
        return "integer" if len(present) == len(values) else "number"
    if all(_is_float(v, decimal) for v in present):
        return "number"
    if all(v in _BOOL for v in present) and len(present) == len(values):
        return "boolean"
    return "text"


def _is_float(value: str, decimal: str) -> bool:
    try:
        float(value.strip().replace(decimal, ".") if decimal != "." else value)
    except ValueError:
        return False
    return True


def arrow(path: str, columns: list[str] | None = None) -> TableSchema | None:
    """A Parquet or Feather file's columns from its metadata (the pandas index columns left out)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path:
        return None
    try:
        if Path(path).suffix.lower() in (".parquet", ".pq"):
            schema = pq.read_schema(path)
        else:
            with pa.memory_map(path) as source:
                schema = pa.ipc.open_file(source).schema
    except (pa.ArrowException, OSError, ValueError):
        return None
    stored = (schema.pandas_metadata or {}).get("index_columns", []) if schema.metadata else []
    index = {c for c in stored or [] if isinstance(c, str)}  # a RangeIndex is described, not stored
    fields = [f for f in schema if f.name not in index]
    if columns:
        fields = [f for name in columns for f in fields if f.name == name]
    return TableSchema(tuple(ColumnSchema(f.name, _arrow_kind(f.type)) for f in fields))


def _arrow_kind(kind: Any) -> str:
    import pyarrow as pa

    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"  # an integer column with missing values becomes decimals in pandas
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_timestamp(kind):
        return "datetime"
    if pa.types.is_dictionary(kind):
        return "category"
    return "other"  # booleans with missing values become objects; dates, lists, structs ...


def json_lines(path: str, date_columns: list[str] | None = None) -> TableSchema | None:
    """A JSON lines file's columns from its first objects: incomplete, as a later object may bring
    a key the first ones lack."""
    import json

    columns: dict[str, str] = {}
    dates = set(date_columns or ())
    try:
        with open(path, encoding="utf-8") as file:
            for line in itertools.islice(_lines(file, SAMPLE_BYTES), SAMPLE_ROWS):
                if not line.strip():
                    continue
                record = json.loads(line)
                if not isinstance(record, dict):
                    return None
                for key, value in record.items():
                    kind = "datetime" if key in dates else _json_kind(value)
                    seen = columns.setdefault(str(key), kind)
                    if seen != kind:
                        columns[str(key)] = "number" if {seen, kind} == {"integer", "number"} else "other"
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not columns:
        return None
    return TableSchema(tuple(ColumnSchema(n, k) for n, k in columns.items()), exact=False, complete=False)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "text" if isinstance(value, str) else "other"


def read_json(*, path: str, orient: str, date_columns: list[str]) -> TableSchema | None:
    if orient != "lines" or Path(path).suffix.lower() not in (".jsonl", ".ndjson", ".json"):
        return None  # one array of records: its keys are known once the whole file is parsed
    return json_lines(path, date_columns)


def read_csv(**params: Any) -> TableSchema | None:
    return delimited(**params)


def read_parquet(*, path: str, columns: list[str]) -> TableSchema | None:
    return arrow(path, columns)


def read_file(*, path: str, format: str) -> TableSchema | None:
    suffix = Path(path).suffix.lower() if path else ""
    chosen = format if format != "auto" else {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet",
                                               ".pq": "parquet", ".feather": "feather", ".arrow": "feather",
                                               ".ipc": "feather"}.get(suffix)
    if chosen == "csv":
        return delimited(path)
    if chosen == "tsv":
        return delimited(path, separator="\t")
    if chosen in ("parquet", "feather"):
        return arrow(path)
    if chosen == "jsonl" or (format == "auto" and suffix in (".jsonl", ".ndjson")):
        return json_lines(path)
    return None  # a JSON array or an Excel sheet: their columns are known once the file is read


def write_file(table: TableSchema, *, path: str, format: str) -> TableSchema:
    return table
