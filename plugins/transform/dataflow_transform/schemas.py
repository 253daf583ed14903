"""How each transform's output columns follow from its input's columns and parameters, without data.

Each function is called like its node, with `TableSchema`s in place of tables (see the SDK's
`@node(schema=...)`). It raises NodeError for the mistakes the node itself would raise before
touching a row, and returns None where the columns depend on the data (pivot, one-hot of text).
A kind that may change with the data is declared broader: an integer column that can gain missing
values is a `number`, a boolean one `other`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dataflow.sdk import ColumnSchema, NodeError, TableSchema, formula_kind

_CAST_KINDS = {"int": "integer", "float": "number", "str": "text", "bool": "boolean", "date": "datetime",
               "category": "category"}
#: the node's own words for kinds (`_common.kind`): number, true/false, date, text, category
_NODE_KIND = {"integer": "number", "number": "number", "boolean": "true/false", "datetime": "date",
              "text": "text", "category": "category"}
_NEEDS_NUMBERS = {"sum", "mean", "median", "std"}


def _missing(name: str, table: TableSchema, param: str, where: str = "input table") -> NodeError:
    return NodeError(f"column {name!r} is not in the {where}; its columns are: "
                     f"{', '.join(map(repr, table.names[:15]))}", param=param)


def _may_be_missing(column: ColumnSchema) -> ColumnSchema:
    """The column once rows without a match are filled with missing values."""
    if column.kind == "integer":
        return ColumnSchema(column.name, "number")
    if column.kind == "boolean":
        return ColumnSchema(column.name, "other")
    return column


def _numeric(table: TableSchema, name: str) -> bool:
    return not table.exact or table.kind(name) in ("number", "integer", "other")


# --- columns -----------------------------------------------------------------------------------

def select(table: TableSchema, *, columns: list[str], mode: str) -> TableSchema:
    if mode == "drop":
        return table.drop(columns)
    if not columns:
        raise NodeError("pick at least one column to keep (or switch mode to 'drop')", param="columns")
    return table.select(columns)


def rename(table: TableSchema, *, mapping: dict[str, str]) -> TableSchema:
    for old, new in mapping.items():
        if table.lacks(old):
            raise _missing(old, table, "mapping")
        if not new.strip():
            raise NodeError(f"the new name for {old!r} is empty", param="mapping")
    renamed = table.rename(mapping)
    if len(set(renamed.names)) != len(renamed.names):
        twice = next(n for n in renamed.names if renamed.names.count(n) > 1)
        raise NodeError(f"after renaming, two columns would be called {twice!r}; choose another name",
                        param="mapping")
    return renamed


def derive(table: TableSchema, *, name: str, formula: str) -> TableSchema:
    if not name.strip():
        raise NodeError("give the new column a name", param="name")
    if not formula.strip():
        raise NodeError("type a formula, e.g. price * quantity", param="formula")
    return table.with_column(name, formula_kind(formula, table))


def cast(table: TableSchema, *, types: dict[str, str], errors: str) -> TableSchema:
    from .cast import _type_name

    for column in types:
        if table.lacks(column):
            raise _missing(column, table, "types")
    return table.with_kinds({column: _CAST_KINDS[_type_name(column, name)] for column, name in types.items()})


# --- rows and missing values ---------------------------------------------------------------------

def same(table: TableSchema, **params: Any) -> TableSchema:
    """Nodes that keep, drop or reorder rows only: the columns are the input's."""
    return table


def filter(table: TableSchema, *, formula: str) -> TableSchema:
    if not formula.strip():
        raise NodeError("type a condition, e.g. price > 10", param="formula")
    kind = formula_kind(formula, table)
    if kind not in ("boolean", "other"):
        raise NodeError(f"the formula must say true or false for each row, but it gives {_NODE_KIND[kind]} values; "
                        "compare it with something, e.g. price > 10", param="formula")
    return table


def fill_missing(table: TableSchema, *, columns: list[str], method: str, value: str) -> TableSchema:
    if method in ("mean", "median"):
        for column in columns:
            if not _numeric(table, column):
                raise NodeError(f"{method} needs number columns, but {column!r} holds "
                                f"{_NODE_KIND.get(table.kind(column), table.kind(column))}", param="columns")
    if method == "value" and value == "":
        raise NodeError("type the value to fill in, or pick another method", param="value")
    targets = set(columns or table.names)
    return replace(table, columns=tuple(_filled(c) if c.name in targets else c for c in table.columns))


def _filled(column: ColumnSchema) -> ColumnSchema:
    if column.kind == "integer":  # 2.5 cannot be held by a whole-number column
        return ColumnSchema(column.name, "number")
    if column.kind == "category":  # a fill value may become a new category
        return ColumnSchema(column.name, "category")
    return column


# --- combining -----------------------------------------------------------------------------------

def join(left: TableSchema, right: TableSchema, *, how: str, on: list[str], left_on: list[str],
         right_on: list[str], suffixes: list[str]) -> TableSchema:
    if on and (left_on or right_on):
        raise NodeError("use either on (same names in both tables) or left on / right on, not both", param="on")
    if not on and (left_on or right_on) and len(left_on) != len(right_on):
        raise NodeError(f"left on names {len(left_on)} column(s) but right on names {len(right_on)}; "
                        "pair each left key with a right key", param="right_on")
    if on or not (left_on or right_on):
        keys = on or [c for c in left.names if c in right]
        if not keys:
            raise NodeError("the tables share no column name; pick the key columns in left on and right on",
                            param="on")
        left_keys = right_keys = keys
    else:
        left_keys, right_keys = left_on, right_on
    for name in right_keys:
        if right.lacks(name):
            raise _missing(name, right, "on" if on else "right_on", "right table")
    if len(suffixes) != 2 or suffixes[0] == suffixes[1]:
        raise NodeError(f"give two different endings, e.g. ['_left', '_right'], got {suffixes!r}", param="suffixes")
    for lk, rk in zip(left_keys, right_keys, strict=True):
        lkind, rkind = left.kind(lk), right.kind(rk)
        if left.exact and right.exact and lkind in _NODE_KIND and rkind in _NODE_KIND and "category" not in (
                lkind, rkind) and _NODE_KIND[lkind] != _NODE_KIND[rkind]:
            raise NodeError(f"key {lk!r} holds {_NODE_KIND[lkind]} values in the left table but {rk!r} holds "
                            f"{_NODE_KIND[rkind]} values in the right table, so no row could match; convert one of "
                            "them with 'Change column types' (transform.cast) first", param="on" if on else "left_on")
    shared_keys = {lk for lk, rk in zip(left_keys, right_keys, strict=True) if lk == rk}
    right_kept = [c for c in right.columns if c.name not in shared_keys]
    overlap = {c.name for c in right_kept} & set(left.names)
    columns = []
    for column in left.columns:
        if column.name in overlap:
            column = ColumnSchema(f"{column.name}{suffixes[0]}", column.kind, column.categories)
        if column.name not in shared_keys and how in ("right", "outer"):
            column = _may_be_missing(column)
        elif column.name in shared_keys:
            partner = right.get(column.name)
            if partner is not None and partner.kind != column.kind:
                column = ColumnSchema(column.name, "other")
        columns.append(column)
    for column in right_kept:
        name = f"{column.name}{suffixes[1]}" if column.name in overlap else column.name
        column = ColumnSchema(name, column.kind, column.categories)
        columns.append(_may_be_missing(column) if how in ("left", "outer") else column)
    joined = TableSchema(tuple(columns), left.exact and right.exact)
    return joined if left.complete and right.complete else joined.incomplete()


def concat(top: TableSchema, bottom: TableSchema, *, columns: str, source_column: str) -> TableSchema:
    if source_column and (source_column in top or source_column in bottom):
        raise NodeError(f"the tables already have a column {source_column!r}; choose another name",
                        param="source_column")
    result = []
    names = [*top.names, *([source_column] if source_column else []),
             *[n for n in bottom.names if n not in top]]
    for name in names:
        if name == source_column:
            result.append(ColumnSchema(name, "text"))
            continue
        upper, lower = top.get(name), bottom.get(name)
        if upper is None or lower is None:
            if columns == "intersection":
                continue
            result.append(_may_be_missing(upper or lower))
        elif upper.kind == lower.kind and upper.categories == lower.categories:
            result.append(upper)
        elif _NODE_KIND.get(upper.kind) == _NODE_KIND.get(lower.kind) and upper.kind in ("integer", "number"):
            result.append(ColumnSchema(name, "number"))
        elif _NODE_KIND.get(upper.kind, upper.kind) != _NODE_KIND.get(lower.kind, lower.kind):
            result.append(ColumnSchema(name, "text"))  # the node writes a mixed column as text
        else:
            result.append(ColumnSchema(name, "other"))
    stacked = TableSchema(tuple(result), top.exact and bottom.exact)
    return stacked if top.complete and bottom.complete else stacked.incomplete()


# --- reshaping -------------------------------------------------------------------------------------

def groupby(table: TableSchema, *, by: list[str], aggregations: list[str]) -> TableSchema:
    from .reshape import parse_aggregation

    results: list[ColumnSchema] = []
    for item in aggregations:
        column, function = parse_aggregation(item)
        if table.lacks(column):
            raise _missing(column, table, "aggregations")
        kind = table.kind(column)
        if function in _NEEDS_NUMBERS and table.exact and kind not in ("number", "integer", "boolean", "other"):
            raise NodeError(f"{item!r}: {function} needs numbers, but {column!r} holds {_NODE_KIND.get(kind, kind)} "
                            "values; use count, nunique, min, max, first or last", param="aggregations")
        name = f"{column}_{function}"
        if any(r.name == name for r in results):
            raise NodeError(f"{item!r} is listed twice", param="aggregations")
        if name in by:
            raise NodeError(f"the result column {name!r} would have the name of a group column", param="aggregations")
        if function in ("count", "nunique"):
            kind = "integer"
        elif function in _NEEDS_NUMBERS:
            kind = "number"
        elif kind == "category":
            kind = "other"
        results.append(ColumnSchema(name, kind))
    if not aggregations:
        results.append(ColumnSchema("count", "integer"))
    return TableSchema((*table.select(by).columns, *results), table.exact)


def pivot(table: TableSchema, *, index: list[str], columns: str, values: str, aggregation: str,
          fill: float | None, max_columns: int) -> None:
    if aggregation in _NEEDS_NUMBERS and not _numeric(table, values) and table.kind(values) != "boolean":
        raise NodeError(f"{aggregation} needs numbers, but {values!r} holds "
                        f"{_NODE_KIND.get(table.kind(values), table.kind(values))} values", param="aggregation")
    return None  # one column per distinct value of `columns`: known only from the data


def melt(table: TableSchema, *, id_columns: list[str], value_columns: list[str], variable_name: str,
         value_name: str) -> TableSchema:
    both = next((c for c in value_columns if c in id_columns), None)
    if both:
        raise NodeError(f"{both!r} is both an id column and a value column", param="value_columns")
    if variable_name == value_name:
        raise NodeError("the variable and value columns need different names", param="value_name")
    if variable_name in id_columns or not variable_name:
        raise NodeError(f"the table already has a column {variable_name!r}; choose another name",
                        param="variable_name")
    if value_name in table or not value_name:
        raise NodeError(f"the table already has a column {value_name!r}; choose another name", param="value_name")
    gathered = [table.get(c) or ColumnSchema(c) for c in (value_columns or [c for c in table.names if c not in id_columns])]
    kinds = {c.kind for c in gathered} if table.complete or value_columns else {"other"}
    if len({_NODE_KIND.get(k, k) for k in kinds}) > 1:
        value_kind = "text"
    elif kinds == {"integer"} or kinds == {"number"} or kinds in ({"boolean"}, {"datetime"}, {"text"}):
        value_kind = next(iter(kinds))
    elif kinds == {"integer", "number"}:
        value_kind = "number"
    else:
        value_kind = "other"
    return TableSchema((*table.select(id_columns).columns, ColumnSchema(variable_name, "text"),
                        ColumnSchema(value_name, value_kind)), table.exact)


# --- text, dates, encoding ---------------------------------------------------------------------------

def _text_column(table: TableSchema, column: str) -> None:
    kind = table.kind(column)
    if table.exact and kind not in ("text", "category", "other"):
        raise NodeError(f"column {column!r} holds {_NODE_KIND.get(kind, kind)} values, not text; convert it with "
                        "'Change column types' (transform.cast) first", param="column")


def split_column(table: TableSchema, *, column: str, separator: str, names: list[str], max_splits: int,
                 keep_original: bool) -> TableSchema | None:
    _text_column(table, column)
    if separator == "":
        raise NodeError("type the separator to split at, e.g. ','", param="separator")
    if not names:
        return None  # as many parts as the longest value has: known only from the data
    kept = table if keep_original else table.drop([column])
    clash = next((n for n in names if n in kept), None)
    if clash:
        raise NodeError(f"the table already has a column {clash!r}; choose another name", param="names")
    position = table.names.index(column) + (1 if keep_original else 0)
    parts = tuple(ColumnSchema(n, "text") for n in names)
    return replace(table, columns=(*kept.columns[:position], *parts, *kept.columns[position:]))


def text(table: TableSchema, *, column: str, operation: str, pattern: str, replacement: str, regex: bool,
         case_sensitive: bool, output: str) -> TableSchema:
    _text_column(table, column)
    if operation in ("replace", "contains") and pattern == "":
        raise NodeError(f"type the text to look for ({operation} needs a pattern)", param="pattern")
    if regex and operation in ("replace", "contains"):
        from .regex import check_pattern, rewrite

        check_pattern(pattern)
        if operation == "replace":
            rewrite(replacement)
    target = output or (f"{column}_contains" if operation == "contains" else column)
    return table.with_column(target, "boolean" if operation == "contains" else "text")


def date_parts(table: TableSchema, *, column: str, parts: list[str]) -> TableSchema:
    from .dates import PARTS

    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise NodeError(f"unknown part {unknown[0]!r}; use any of {', '.join(PARTS)}", param="parts")
    if not parts:
        raise NodeError("pick at least one part, e.g. year", param="parts")
    names = [f"{column}_{part}" for part in parts]
    clash = next((n for n in names if n in table), None)
    if clash:
        raise NodeError(f"the table already has a column {clash!r}; choose another name", param="parts")
    schema = table
    for name in names:  # a missing date makes its parts missing, so whole numbers may become decimals
        schema = schema.with_column(name, "number")
    return schema


def bin(table: TableSchema, *, column: str, method: str, bins: int, edges: list[float], labels: list[str],
        output: str) -> TableSchema:
    if edges and any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise NodeError(f"edges must increase, e.g. [0, 18, 65], got {edges}", param="edges")
    if edges and len(edges) < 2:
        raise NodeError("give at least two edges (one bin lies between two edges)", param="edges")
    count = len(edges) - 1 if edges else bins
    if labels and len(labels) != count:
        raise NodeError(f"{count} bins need {count} labels, got {len(labels)}", param="labels")
    return table.with_column(ColumnSchema(output or f"{column}_bin", "category", tuple(labels) if labels else None))


def one_hot(table: TableSchema, *, columns: list[str], drop_first: bool, max_values: int) -> TableSchema | None:
    targets = columns or [c.name for c in table.columns if c.kind in ("text", "category")]
    if (not table.exact or not table.complete) and not columns:
        return None
    if not targets:
        return table
    chosen = [table.get(c) for c in targets]
    if any(c.kind != "category" or c.categories is None for c in chosen):
        return None  # one column per distinct value: known only from the data
    dummies = []
    for column in chosen:
        values = column.categories[1:] if drop_first else column.categories
        dummies += [ColumnSchema(f"{column.name}_{value}", "boolean") for value in values]
    return replace(table, columns=(*table.drop(targets).columns, *dummies))


# --- exploring ---------------------------------------------------------------------------------------

def describe(table: TableSchema) -> TableSchema:
    from .explore import _NUMERIC_STATS

    return TableSchema.of(("column", "text"), ("type", "text"), ("count", "integer"), ("missing", "integer"),
                          *[(stat, "number") for stat in _NUMERIC_STATS], ("unique", "integer"), ("top", "text"))


def value_counts(table: TableSchema, *, columns: list[str], normalize: bool, top: int) -> TableSchema:
    if not columns:
        raise NodeError("pick the column(s) whose values to count", param="columns")
    result = "proportion" if normalize else "count"
    if result in columns:
        raise NodeError(f"a counted column is named {result!r}, the name of the result; rename it first",
                        param="columns")
    return table.select(columns).with_column(result, "number" if normalize else "integer")


def correlation(table: TableSchema, *, method: str, columns: list[str]) -> TableSchema | None:
    if not columns and (not table.exact or not table.complete):
        return None  # which columns hold numbers is a reading of the first rows only
    chosen = columns or [c.name for c in table.columns if c.kind in ("number", "integer")]
    if len(chosen) < 2:
        raise NodeError(f"correlation needs at least two number columns, found {len(chosen)}", param="columns")
    if "column" in chosen:
        raise NodeError("a column is named 'column', the name of the result's first column; rename it first",
                        param="columns")
    return TableSchema.of(("column", "text"), *[(name, "number") for name in chosen], exact=table.exact)

