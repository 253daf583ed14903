"""How each time node's output columns follow from its input's columns and parameters, without data.

Each function is called like its node with `TableSchema`s in place of tables (the SDK's
`@node(schema=...)`). It raises NodeError for the mistakes the node would raise before touching a
row (a missing or non-date column, a malformed format, an unknown time zone or period), so they
are named before anything runs. Only a period is read by pandas (`to_offset`, the parser the node
uses); everything else is checked without it. A kind that may change with the data is declared broader (an integer column that gains
missing values is a `number`).
"""

from __future__ import annotations

from dataflow.sdk import ColumnSchema, NodeError, TableSchema

from ._common import NEEDS_NUMBERS, WORDS, check_time_zone, missing_message, new_names, parse_aggregation


def check_format(format: str) -> str:
    """The format, stripped, when it can read dates ("" for ISO 8601); NodeError naming `format` when
    it has no strftime code or a code Python does not know. Checked with the standard library's
    strptime, whose codes pandas follows."""
    import datetime

    fmt = format.strip()
    if not fmt:
        return ""
    if "%" not in fmt:
        raise NodeError(f"format {format!r} has no % code, so it cannot read a date; write it with strftime "
                        "codes, e.g. %Y-%m-%d for 2024-03-31 or %d/%m/%Y %H:%M for 31/03/2024 14:05", param="format")
    try:
        datetime.datetime.strptime("", fmt)
    except ValueError as exc:
        if "does not match format" not in str(exc):
            raise NodeError(f"format {format!r} is malformed ({exc}); use strftime codes such as %Y, %m, %d, "
                            "%H, %M, %S", param="format") from None
    return fmt


def _column(table: TableSchema, name: str, param: str) -> ColumnSchema | None:
    """The column `name`, or None when the schema cannot say; NodeError when it is known missing."""
    if not name:
        raise NodeError("pick a column of the input table", param=param)
    if table.lacks(name):
        raise NodeError(missing_message(name, table.names), param=param)
    return table.get(name)


def _dates(table: TableSchema, name: str, param: str) -> None:
    column = _column(table, name, param)
    if column is not None and table.exact and column.kind not in ("datetime", "other"):
        word = WORDS.get(column.kind, column.kind)
        hint = "; read it as dates with 'Parse dates' (time.parse_dates) first" if word == "text" else \
            "; pick a date column"
        raise NodeError(f"column {name!r} holds {word} values, not dates{hint}", param=param)


def _columns(table: TableSchema, names: list[str], param: str) -> None:
    for name in names:
        _column(table, name, param)


def _added(table: TableSchema, names: list[str], kind: str, param: str) -> TableSchema:
    new_names(table.names, names, param)
    for name in names:
        table = table.with_column(name, kind)
    return table


# --- dates ---------------------------------------------------------------------------------------

def parse_dates(table: TableSchema, *, column: str, format: str, errors: str, utc: bool, output: str) -> TableSchema:
    found = _column(table, column, "column")
    if found is not None and table.exact and found.kind not in ("text", "category", "other"):
        raise NodeError(f"column {column!r} holds {WORDS.get(found.kind, found.kind)} values, not text; parse "
                        "dates from a text column", param="column")
    check_format(format)
    return table.with_column(output or column, "datetime")


def date_difference(table: TableSchema, *, start: str, end: str, unit: str, output: str) -> TableSchema:
    _dates(table, start, "start")
    _dates(table, end, "end")
    return table.with_column(output or f"{start}_to_{end}_{unit}", "number")


def shift_dates(table: TableSchema, *, column: str, amount: int, unit: str, output: str) -> TableSchema:
    _dates(table, column, "column")
    return table.with_column(output or column, "datetime")


def time_zone(table: TableSchema, *, column: str, operation: str, timezone: str, ambiguous: str, nonexistent: str,
              output: str) -> TableSchema:
    _dates(table, column, "column")
    check_time_zone(timezone)
    return table.with_column(output or column, "datetime")


# --- time series ---------------------------------------------------------------------------------

def _aggregated_kind(kind: str, function: str) -> str:
    if function in ("count", "nunique"):
        return "integer"
    if function in NEEDS_NUMBERS:
        return "number"
    if kind == "integer":  # an empty period has no minimum: missing, so decimals
        return "number"
    if kind in ("boolean", "category"):
        return "other"
    return kind


def resample(table: TableSchema, *, on: str, period: str, aggregations: list[str], by: list[str]) -> TableSchema:
    from ._common import check_period

    _dates(table, on, "on")
    _columns(table, by, "by")
    check_period(period, "period")
    results: list[ColumnSchema] = []
    for item in aggregations:
        column, function = parse_aggregation(item)
        found = _column(table, column, "aggregations")
        if column in by:
            raise NodeError(f"{item!r}: {column!r} is a group column; aggregate another column", param="aggregations")
        kind = found.kind if found is not None else "other"
        if function in NEEDS_NUMBERS and table.exact and kind not in ("number", "integer", "boolean", "other"):
            raise NodeError(f"{item!r}: {function} needs numbers, but {column!r} holds {WORDS.get(kind, kind)} "
                            "values; use count, nunique, min, max, first or last", param="aggregations")
        name = f"{column}_{function}"
        if any(r.name == name for r in results):
            raise NodeError(f"{item!r} is listed twice", param="aggregations")
        if name in (*by, on):
            raise NodeError(f"the result column {name!r} would have the name of a group or time column",
                            param="aggregations")
        results.append(ColumnSchema(name, _aggregated_kind(kind, function)))
    if not aggregations:
        results.append(ColumnSchema("count", "integer"))
    keys = [table.get(n) or ColumnSchema(n) for n in by]
    return TableSchema((*keys, ColumnSchema(on, "datetime"), *results), table.exact)


def _shifted_kind(kind: str) -> str:
    """A column's kind once its first (last) rows become missing."""
    return {"integer": "number", "boolean": "other"}.get(kind, kind)


def lag_lead(table: TableSchema, *, columns: list[str], direction: str, periods: int, order_by: str,
             by: list[str]) -> TableSchema:
    if not columns:
        raise NodeError("pick the column(s) to lag or lead", param="columns")
    _columns(table, columns, "columns")
    _columns(table, by, "by")
    if order_by:
        _column(table, order_by, "order_by")
    names = [f"{c}_{direction}{periods}" for c in columns]
    new_names(table.names, names, "columns")
    for column, name in zip(columns, names, strict=True):
        table = table.with_column(name, _shifted_kind(table.kind(column)))
    return table


def rolling(table: TableSchema, *, columns: list[str], function: str, window: str, rows: int, span: str, on: str,
            by: list[str], min_periods: int, center: bool) -> TableSchema:
    from ._common import check_period

    if not columns:
        raise NodeError("pick the number column(s) to compute a rolling window over", param="columns")
    _columns(table, columns, "columns")
    for name in columns:
        kind = table.kind(name)
        if table.exact and kind not in ("number", "integer", "boolean", "other"):
            raise NodeError(f"column {name!r} holds {WORDS.get(kind, kind)} values; a rolling {function} needs "
                            "numbers", param="columns")
    _columns(table, by, "by")
    if window == "time":
        if not on:
            raise NodeError("a window in time needs the date column that places each row in time", param="on")
        check_period(span, "span", fixed=True)
    if on:
        _dates(table, on, "on")
    size = span.strip() if window == "time" else str(rows)
    return _added(table, [f"{c}_{function}_{size}" for c in columns], "number", "columns")
