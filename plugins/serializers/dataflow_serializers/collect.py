"""A loop's results collected into one table, and a table split into groups for a loop over groups.

Every collected table starts with the columns naming the item (`file`, the looped parameters,
the group's keys), added to each iteration's result unless it already has a column of that name
(a group's result usually keeps its key columns).
"""

from __future__ import annotations

import json
from typing import Any


def collect_tables(items: list[tuple[dict[str, Any], Any]]) -> Any:
    """The iterations' tables one under the other, each led by the columns naming its item."""
    import pandas as pd

    frames = [frame for _, frame in items]
    if not frames:
        return pd.DataFrame()
    names = dict.fromkeys(name for label, _ in items for name in label)
    partly = [n for n in names if any(n in f.columns for f in frames) and not all(n in f.columns for f in frames)]
    if partly:  # a result keeps a naming column and another does not: name each one alone
        return pd.concat([_named(label, frame) for label, frame in items], ignore_index=True)
    table = pd.concat(frames, ignore_index=True)
    added = [n for n in names if n not in table.columns]
    if not added:
        return table
    lengths = [len(frame) for frame in frames]
    head = pd.DataFrame({name: pd.Series([label.get(name) for label, _ in items]).repeat(lengths).to_numpy()
                         for name in added})
    head = head.infer_objects()
    return pd.concat([head, table], axis=1)


def _named(label: dict[str, Any], frame: Any) -> Any:
    import pandas as pd

    missing = {name: value for name, value in label.items() if name not in frame.columns}
    if not missing:
        return frame
    head = pd.DataFrame({name: [value] * len(frame) for name, value in missing.items()}, index=frame.index)
    return pd.concat([head, frame], axis=1)


def collect_series(items: list[tuple[dict[str, Any], Any]]) -> Any:
    """Each iteration's column as a table (named as the series, else `value`), collected."""
    return collect_tables([(label, series.to_frame(name=series.name if series.name is not None else "value"))
                           for label, series in items])


def collect_metrics(items: list[tuple[dict[str, Any], Any]]) -> Any:
    """One row per iteration: the columns naming the item, then its scores (a score that is a
    list or a mapping, such as each fold's score, as its JSON text, so the table can be stored)."""
    import pandas as pd

    rows = [{**label, **{k: _cell(v) for k, v in scores.items() if k not in label}} for label, scores in items]
    return pd.DataFrame(rows)


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str)
    return value


def split_groups(frame: Any, keys: list[str]) -> list[tuple[dict[str, Any], Any]]:
    """`frame`'s rows grouped by the `keys` columns (sorted by key, missing keys a group of their
    own), each with its key values as plain Python values; KeyError names a missing column."""
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise KeyError(missing[0])
    groups = []
    for key, part in frame.groupby(keys, sort=True, dropna=False, observed=True):
        values = key if isinstance(key, tuple) else (key,)
        label = {name: value.item() if hasattr(value, "item") else value for name, value in zip(keys, values, strict=True)}
        groups.append((label, part.reset_index(drop=True)))
    return groups


def _kind(value: Any) -> str:
    """The schema kind of a value naming an item (None: not known)."""
    from dataflow.sdk import tableschema as ts

    if isinstance(value, bool):
        return ts.BOOLEAN
    if isinstance(value, int):
        return ts.INTEGER
    if isinstance(value, float):
        return ts.NUMBER
    return ts.TEXT if isinstance(value, str) else ts.OTHER


def collected_schema(label: dict[str, Any], schema: Any, *, complete: bool = True) -> Any:
    """The schema of collected tables: the naming columns the results lack, then `schema`'s columns
    (None when `schema` is unknown and `complete` is asked)."""
    from dataflow.sdk.tableschema import ColumnSchema, TableSchema

    if schema is None and complete:
        return None
    known = schema.columns if schema is not None else ()
    names = {c.name for c in known}
    head = tuple(ColumnSchema(name, _kind(value)) for name, value in label.items() if name not in names)
    if schema is None:
        return TableSchema(head, exact=True, complete=False)
    return TableSchema(head + tuple(known), exact=schema.exact, complete=schema.complete,
                       more_prefix=schema.more_prefix)
