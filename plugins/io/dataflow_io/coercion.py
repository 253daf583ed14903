"""Find columns a reader turned into text silently: numbers mixed with words, dates that did not parse.

pandas reads a column of 200,000 integers and one "n/a" as text, without a word. The check
here stays cheap on a million rows: only text columns are looked at, each through an evenly
spaced sample of 2,000 values (20 blocks of 100 rows); a column whose sample is all numbers (so one rare word made it
text) gets one vectorised regex pass (Arrow compute) to find that word.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

_BLOCKS, _BLOCK_ROWS = 20, 100


def _number_pattern(decimal: str) -> str:
    d = re.escape(decimal)
    return rf"\s*[-+]?(?:\d+(?:{d}\d*)?|{d}\d+)(?:[eE][-+]?\d+)?\s*"


def _is_text(dtype: Any) -> bool:
    if getattr(dtype, "kind", "O") in "iufcbmM":
        return False  # numbers, dates, booleans (numpy's or pandas'): answered without importing or checking more
    import pandas as pd

    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)


def mixed_type_warnings(frame: Any, *, decimal: str = ".", skip: Collection[str] = ()) -> list[str]:
    """One message per text column holding both numbers and other text, with an example of each."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    pattern = _number_pattern(decimal)
    messages = []
    for name, dtype in zip(frame.columns, frame.dtypes, strict=True):  # one dtypes, not a Series per column
        if name in skip or not _is_text(dtype) or len(frame) == 0:
            continue
        column = frame[name]
        try:  # zero-copy for pandas' Arrow-backed strings
            values = pa.array(column, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            continue  # Python objects of mixed kinds: not something a reader produced
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            continue
        anchored = f"^(?:{pattern})$"
        positions, sample = _sample(values)
        matches = pc.match_substring_regex(sample, anchored)
        if not pc.any(matches).as_py():  # None when every sampled value is missing
            continue  # a text column (or one whose rare numbers do not matter)
        is_number = pc.fill_null(matches, False).to_numpy(zero_copy_only=False)
        numeric = sample[int(np.argmax(is_number))].as_py()
        is_text = ~is_number & sample.is_valid().to_numpy(zero_copy_only=False)
        if is_text.any():
            first = int(np.argmax(is_text))
            text = (sample[first].as_py(), int(positions[first]))
        else:  # every sampled value is a number: one rare word made the column text; find it
            not_number = pc.fill_null(pc.invert(pc.match_substring_regex(values, anchored)), False)
            hits = np.flatnonzero(not_number.to_numpy(zero_copy_only=False))
            if not len(hits):
                continue
            text = (values[int(hits[0])].as_py(), int(hits[0]))
        word, row = text
        messages.append(
            f"column '{name}' was read as text because it mixes numbers (e.g. '{numeric.strip()}') with "
            f"text (e.g. '{word}' in row {row + 1}); if '{word}' means a missing value, add it to "
            f"missing values, else clean the column or set its type in column types")
    return messages


def _sample(values: Any) -> tuple[Any, Any]:
    """(row positions, values) of 20 evenly spaced blocks of 100 rows: zero-copy slices, which cost
    far less than gathering 2,000 scattered rows from a many-chunked Arrow column."""
    import numpy as np
    import pyarrow as pa

    count = len(values)
    if count <= _BLOCK_ROWS:  # one block: the whole column (what the slicing below gives, for less)
        return np.arange(count), values
    starts = np.unique(np.linspace(0, max(count - _BLOCK_ROWS, 0), _BLOCKS).astype(np.int64)).tolist()
    slices = [values.slice(start, _BLOCK_ROWS) for start in starts]
    positions = np.concatenate([np.arange(start, start + len(part)) for start, part in zip(starts, slices, strict=True)])
    chunks = [chunk for part in slices for chunk in (part.chunks if isinstance(part, pa.ChunkedArray) else [part])]
    return positions, pa.chunked_array(chunks, type=values.type)


def unparsed_date_warnings(frame: Any, names: Iterable[str]) -> list[str]:
    """One message per requested date column that pandas left as text, with a value that failed."""
    import pandas as pd

    messages = []
    for name in names:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            continue
        parsed = pd.to_datetime(column, errors="coerce", format="mixed")
        failed = column[parsed.isna() & column.notna()]
        example = f" (e.g. '{failed.iloc[0]}')" if len(failed) else ""
        messages.append(f"column '{name}' could not be read as dates{example}, so it stays text; "
                        "check that every value is a date in one format")
    return messages
