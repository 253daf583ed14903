"""A loop's tables collected again after some items changed, reusing the other items' rows.

`collect_tables` of every item reads every iteration's table; after one file of a thousand
changed, that is a thousand cache reads for one new table. Instead, each item gets a note, its
rows and a signature (its columns, their dtypes, the Python types of its naming values), kept
beside the collected table. The next collect takes the reused items' rows from the previous
table (one slice per run of consecutive items) and only the new items' tables, then concatenates
them in item order.

That equals `collect_tables` of every item only when nothing depends on the other items: when
every item, reused, new or removed, has one signature (a concat of frames of one dtype keeps it,
and naming values of one Python type infer one dtype), and each new part's columns and dtypes
are the previous table's. Otherwise (a file that now holds text in a number column, a
categorical column, a value of another type) the answer is None and the loop collects every item.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from .collect import collect_tables


def table_note(label: dict[str, Any], frame: Any) -> dict[str, Any]:
    """An item's rows and signature (None when its table is not safe to reuse: a categorical
    column, whose concatenation depends on every item's categories)."""
    parts = []
    for name, dtype in zip(frame.columns, frame.dtypes, strict=True):  # dtypes once: a Series per column costs more
        try:
            text = _dtype_text(dtype)
        except TypeError:  # an unhashable dtype: not remembered
            text = _dtype_text.__wrapped__(dtype)
        if text is None:
            return {"rows": len(frame), "sig": None}
        parts.append(f"{name!r}:{text}")
    naming = ",".join(f"{name!r}:{type(value).__name__}" for name, value in label.items())
    text = f"{naming}|{';'.join(parts)}"
    return {"rows": len(frame), "sig": hashlib.blake2b(text.encode(), digest_size=8).hexdigest()}  # kept per item


@lru_cache(maxsize=256)
def _dtype_text(dtype: Any) -> str | None:
    """A dtype as the signature writes it (None for a categorical); remembered, as the same few
    dtypes come back for every item."""
    return None if getattr(dtype, "name", "") == "category" else repr(dtype)


def collect_tables_again(items: list[tuple[dict[str, Any], Any]], previous: tuple[Any, list[Any]] | None,
                         reused: dict[int, int]) -> tuple[Any, list[Any]] | None:
    """`collect_tables` of `items` and each item's note, taking the `reused` items' rows (their values
    are None) from `previous` (the collected table and its notes); None when that cannot be
    guaranteed equal to collecting every item (see the module docstring)."""
    import pandas as pd

    notes: list[Any] = [None] * len(items)
    for index, (label, frame) in enumerate(items):
        if index not in reused:
            notes[index] = table_note(label, frame)
    if not reused:
        return collect_tables(items), _reusable(notes)
    if previous is None:
        return None
    table, old_notes = previous
    try:
        starts, total = [], 0
        for note in old_notes:
            starts.append(total)
            total += int(note["rows"])
        signatures = {note["sig"] for note in old_notes} | {note["sig"] for note in notes if note is not None}
        for index, old in reused.items():
            notes[index] = old_notes[old]
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if total != len(table) or len(signatures) != 1 or None in signatures:
        return None
    pieces, index = [], 0
    while index < len(items):
        end = index + 1
        if index in reused:  # a run of items that were consecutive before: one slice
            while end < len(items) and reused.get(end) == reused[index] + end - index:
                end += 1
            first, last = reused[index], reused[end - 1]
            pieces.append(table.iloc[starts[first]:starts[last] + int(old_notes[last]["rows"])])
        else:
            while end < len(items) and end not in reused:
                end += 1
            part = collect_tables(items[index:end])
            if list(part.columns) != list(table.columns) or not part.dtypes.equals(table.dtypes):
                return None
            pieces.append(part)
        index = end
    return pd.concat(pieces, ignore_index=True), _reusable(notes)


def _reusable(notes: list[Any]) -> list[Any] | None:
    """The notes, or None when no later collect could reuse rows of this result (its items' signatures
    differ, or one has none): the loop then keeps no index, and collects every item next time at once."""
    signatures = {note["sig"] for note in notes}
    return notes if len(signatures) == 1 and None not in signatures else None


def collect_series_again(items: list[tuple[dict[str, Any], Any]], previous: tuple[Any, list[Any]] | None,
                         reused: dict[int, int]) -> tuple[Any, list[Any]] | None:
    """`collect_tables_again` of each series as a one-column table (as `collect_series` makes them)."""
    frames = [(label, None if series is None else series.to_frame(name=series.name if series.name is not None
                                                                   else "value")) for label, series in items]
    return collect_tables_again(frames, previous, reused)
