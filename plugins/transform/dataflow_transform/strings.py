"""Text nodes: split a text column into several, change case, trim, replace, search."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from dataflow.sdk import Bounds, Column, Help, NodeError, Table, node

from . import regex as patterns
from . import schemas
from ._common import TEXT, kind, new_columns, require_column


def _text_column(table: Any, column: str) -> Any:
    require_column(table, column, "column")
    series = table[column]
    if kind(series) not in ("text", "category"):
        raise NodeError(f"column {column!r} holds {kind(series)} values, not text; convert it with "
                        "'Change column types' (transform.cast) to str first", param="column")
    return series if kind(series) == "text" else series.astype("str")


@node(category=TEXT, label="Split column", schema=schemas.split_column)
def split_column(
    table: Table,
    *,
    column: Annotated[str, Column("table", kinds=("text", "category"), required=True), Help("The text column to split, e.g. full_name.")] = "",
    separator: Annotated[str, Help("The text between the parts, e.g. a comma, a space or ' - '.")] = ",",
    names: Annotated[list[str], Help(
        "Names of the new columns, one per part, e.g. first_name, last_name. Leave empty for "
        "column_1, column_2, ...")] = [],
    max_splits: Annotated[int, Bounds(0, None), Help(
        "Split at most this many times, so the last part keeps the rest of the text (0: no limit).")] = 0,
    keep_original: Annotated[bool, Help("Keep the original column next to the new ones.")] = True,
) -> Table:
    """Split a text column into several columns at a separator (e.g. 'Ada Lovelace' into first and last name)."""
    import pandas as pd

    series = _text_column(table, column)
    if separator == "":
        raise NodeError("type the separator to split at, e.g. ','", param="separator")
    parts = series.str.split(separator, n=max_splits or -1, expand=True, regex=False)
    if isinstance(parts, pd.Series):  # every value missing: pandas gives one column
        parts = parts.to_frame()
    count = parts.shape[1]
    if names and len(names) < count:
        raise NodeError(f"{column!r} splits into up to {count} parts but {len(names)} name(s) are given; "
                        f"add names, or set max splits to {len(names) - 1} to keep the rest in the last part",
                        param="names")
    names = names or [f"{column}_{i + 1}" for i in range(count)]
    parts = parts.reindex(columns=range(len(names)))
    parts.columns = names
    kept = table if keep_original else table.drop(columns=[column])
    new_columns(kept, names, "names")
    position = list(table.columns).index(column) + (1 if keep_original else 0)
    parts.index = table.index
    return pd.concat([kept.iloc[:, :position], parts, kept.iloc[:, position:]], axis=1)


@node(category=TEXT, label="Text operations", schema=schemas.text)
def text(
    table: Table,
    *,
    column: Annotated[str, Column("table", kinds=("text", "category"), required=True), Help("The text column to work on.")] = "",
    operation: Annotated[Literal["lower", "upper", "strip", "replace", "contains"], Help(
        "lower / upper: change to lower or upper case. strip: remove spaces (or the characters in "
        "pattern) from both ends. replace: replace pattern by replacement. contains: true/false, "
        "whether the text contains pattern.")] = "lower",
    pattern: Annotated[str, Help(
        "The text to look for (replace, contains) or the characters to remove (strip).")] = "",
    replacement: Annotated[str, Help("What replaces pattern (replace only); may be empty to delete it.")] = "",
    regex: Annotated[bool, Help(
        "Read pattern as a regular expression (e.g. \\d+ for a run of digits) instead of plain text.")] = False,
    case_sensitive: Annotated[bool, Help(
        "Whether upper and lower case must match (replace, contains).")] = True,
    output: Annotated[str, Help(
        "The column to write to. Empty: replace the column itself (for contains: a new column "
        "named column_contains).")] = "",
) -> Table:
    """Change the case of text, trim it, replace parts of it, or test whether it contains something."""
    series = _text_column(table, column)
    if operation in ("replace", "contains") and pattern == "":
        raise NodeError(f"type the text to look for ({operation} needs a pattern)", param="pattern")
    if regex and operation in ("replace", "contains"):
        patterns.check_pattern(pattern)  # RE2: linear time, or a NodeError naming the parameter
    try:
        if operation == "lower":
            result = series.str.lower()
        elif operation == "upper":
            result = series.str.upper()
        elif operation == "strip":
            result = series.str.strip(pattern or None)
        elif operation == "contains" and regex:
            result = patterns.contains(series, pattern, case_sensitive)
        elif operation == "contains":
            result = series.str.contains(pattern, case=case_sensitive, regex=False, na=False)
        elif regex:
            result = patterns.replace(series, pattern, replacement, case_sensitive)
        else:
            result = _replace(series, pattern, replacement, case_sensitive)
    except ValueError as exc:
        raise NodeError(f"cannot apply {operation} with {pattern!r}: {exc}", param="pattern") from None
    target = output or (f"{column}_contains" if operation == "contains" else column)
    out = table.copy(deep=False)
    out[target] = result
    return out


def _replace(series: Any, pattern: str, replacement: str, case_sensitive: bool) -> Any:
    """Plain-text replace; without case, an escaped pattern (a literal: no backtracking) and a literal
    replacement."""
    if case_sensitive:
        return series.str.replace(pattern, replacement, regex=False)
    return series.str.replace(re.escape(pattern), replacement.replace("\\", "\\\\"), regex=True,
                              flags=re.IGNORECASE)
