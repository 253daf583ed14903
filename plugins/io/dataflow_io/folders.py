"""`io.read_folder`'s work: read every matching file of a folder with its format's connector and
stack them into one table, with a column naming each row's file.

The files are the SDK's `matching_files` (inside the granted folder, links out of it refused),
read in path order. Each file's columns are compared with the first file's, as a set (a file
whose columns come in another order is reordered): one that differs is an error naming it and
its missing and extra columns, or, as the user chooses, left out with a warning naming it, or
combined (missing values where a file lacks a column). A column that is numbers in one file and
text in another becomes text, and a CSV's columns that mix numbers and text are reported once, for
the whole table, not once per file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError, TableSchema, connector_for, matching_files, progress, warn

from . import schemas
from .coercion import mixed_type_warnings
from .connectors import CsvConnector
from .files import check_readable

SHOWN = 5  # files named in a message about mismatched columns


def read_folder_table(folder: str, pattern: str, fmt: str, source_column: str, mismatched: str) -> Any:
    import numpy as np
    import pandas as pd

    files = matching_files(folder, pattern)
    root = Path(folder).resolve()
    frames, names, odd = [], [], []
    first_columns: list[str] | None = None
    delimited = set()
    for index, path in enumerate(files):
        progress(index / len(files), f"file {index + 1} of {len(files)}")
        name = path.relative_to(root).as_posix()
        check_readable(path, param="folder")
        connector = connector_for(path, fmt)
        if connector.port_type != "table":
            raise NodeError(f"format '{connector.id}' reads a {connector.port_type}, not a table", param="format")
        # this plugin's text formats check the column types once, over the whole table (below)
        options = {"check_types": False} if isinstance(connector, CsvConnector) else {}
        try:
            frame = connector.read(path, **options)
        except NodeError as exc:
            raise NodeError(f"{name}: {exc}", param="folder") from None
        if options:
            delimited.add(index)
        columns = [str(c) for c in frame.columns]
        if first_columns is None:
            first_columns = columns
        elif set(columns) != set(first_columns):
            odd.append((name, columns))
            if mismatched != "combine":
                continue
        elif columns != first_columns:
            frame = frame[first_columns]
        if source_column and source_column in frame.columns:
            raise NodeError(f"'{name}' already has a column '{source_column}'; name the source column otherwise",
                            param="source_column")
        frames.append(frame)
        names.append(name)
    progress(1.0, f"{len(files)} files")
    if odd and mismatched == "error":
        raise NodeError(f"{len(odd)} of {len(files)} files do not have the columns of the first file "
                        f"({Path(files[0]).relative_to(root).as_posix()}): {_differences(odd, first_columns)}; "
                        "choose 'skip' to leave them out or 'combine' to keep every column", param="mismatched")
    if odd and mismatched == "skip":
        warn(f"left out {len(odd)} of {len(files)} files whose columns differ from the first file's: "
             f"{_differences(odd, first_columns)}")
    table = _as_text_where_mixed(pd.concat(frames, ignore_index=True, sort=False)) if len(frames) > 1 else frames[0]
    if delimited:
        for message in mixed_type_warnings(table):
            warn(message)
    if source_column:
        codes = np.repeat(np.arange(len(frames)), [len(f) for f in frames])
        table.insert(0, source_column, pd.Categorical.from_codes(codes, categories=names))
    return table


def _as_text_where_mixed(table: Any) -> Any:
    """A column that is numbers in one file and text in another comes out of concat as Python
    objects of both kinds: make it text, as written in the files (what one file mixing them gives)."""
    import pandas as pd
    from pandas.api.types import infer_dtype

    for name in table.columns:
        column = table[name]
        if column.dtype == "object" and infer_dtype(column, skipna=True) in ("mixed", "mixed-integer"):
            table[name] = column.map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v)).astype("str")
    return table


def _differences(odd: list[tuple[str, list[str]]], first: list[str] | None) -> str:
    parts = []
    for name, columns in odd[:SHOWN]:
        missing = [c for c in first or () if c not in columns]
        extra = [c for c in columns if c not in (first or ())]
        detail = "; ".join(part for part in (f"lacks {', '.join(missing)}" if missing else "",
                                             f"adds {', '.join(extra)}" if extra else "") if part)
        parts.append(f"{name} ({detail})")
    more = f" and {len(odd) - SHOWN} more" if len(odd) > SHOWN else ""
    return ", ".join(parts) + more


def folder_schema(*, folder: str, pattern: str, format: str, source_column: str,
                  mismatched: str) -> TableSchema | None:
    """The first file's columns (as its reader's schema gives them), after the source column."""
    if mismatched == "combine":
        return None  # later files may add columns
    try:
        first = matching_files(folder, pattern)[0]
    except NodeError:
        return None
    table = schemas.read_file(path=str(first), format=format)
    if table is None:
        return None
    if source_column:
        table = TableSchema((*TableSchema.of((source_column, "category")).columns, *table.columns),
                            exact=table.exact, complete=table.complete)
    return table
