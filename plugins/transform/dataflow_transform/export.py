"""Plain pandas code for the transform nodes, for `dataflow export` (the `register_exporters` hook).

Each exporter writes what its node computes, with the node's own defaults and missing-value rules,
from `node.literals` (values reach the script as Python literals only). Formulas are translated
from their parsed tree by `formula_code`. Where the node's result depends on the data's types in
a way plain code would have to repeat at length (cast, fill_missing with a value or a statistic,
concat of columns of different kinds), or a parameter that shapes the
code is bound to a workflow parameter, the exporter returns None and the script calls the node.
"""

from __future__ import annotations

from collections.abc import Callable

from dataflow.sdk import Code, NodeCode, formula_code

from .reshape import AGGREGATIONS


def _fixed(node: NodeCode, *params: str) -> bool:
    """True when none of `params` is bound to a workflow parameter (the code depends on their values)."""
    return not any(node.bound(p) for p in params)


def _one(node: NodeCode, line: str, imports: list[str] | None = None) -> Code:
    return Code([f"{node.outputs['table']} = {line}"], imports or [])


def filter_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "formula"):
        return None
    table = node.inputs["table"]
    found = formula_code(node.params["formula"], table)
    if found is None or not found[1]:
        return None
    return _one(node, f"{table}[{found[0]}]")


def derive_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "formula") or not str(node.params["name"]).strip():
        return None
    table, out = node.inputs["table"], node.outputs["table"]
    found = formula_code(node.params["formula"], table)
    if found is None:
        return None
    return Code([f"{out} = {table}.copy(deep=False)", f"{out}[{node.literals['name']}] = {found[0]}"])


def select_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "mode"):
        return None
    table, columns = node.inputs["table"], node.literals["columns"]
    if node.params["mode"] == "drop":
        return _one(node, f"{table}.drop(columns={columns})")
    if not node.params["columns"]:
        return None  # the node says to pick a column
    return _one(node, f"{table}.loc[:, {columns}]")


def rename_code(node: NodeCode) -> Code:
    return _one(node, f"{node.inputs['table']}.rename(columns={node.literals['mapping']})")


def sort_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "order"):
        return None
    ascending = node.params["order"] == "ascending"
    return _one(node, f"{node.inputs['table']}.sort_values({node.literals['columns']}, ascending={ascending}, "
                      f"na_position={node.literals['nulls']}, kind='stable')")


def sample_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "mode", "fraction"):
        return None
    table, lit = node.inputs["table"], node.literals
    count = lit["rows"] if node.params["fraction"] is None else f"round(len({table}) * {lit['fraction']})"
    mode = node.params["mode"]
    if mode in ("head", "tail"):
        return _one(node, f"{table}.{mode}({count})")
    return _one(node, f"{table}.sample(n=min({count}, len({table})), random_state={lit['seed']})")


def dedupe_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "keep"):
        return None
    keep = False if node.params["keep"] == "none" else node.params["keep"]
    columns = node.literals["columns"]
    subset = "None" if node.params["columns"] == [] and not node.bound("columns") else f"{columns} or None"
    return _one(node, f"{node.inputs['table']}.drop_duplicates(subset={subset}, keep={keep!r})")


def drop_missing_code(node: NodeCode) -> Code:
    columns = node.literals["columns"]
    subset = "None" if node.params["columns"] == [] and not node.bound("columns") else f"{columns} or None"
    return _one(node, f"{node.inputs['table']}.dropna(subset={subset}, how={node.literals['how']})")


def fill_missing_code(node: NodeCode) -> Code | None:
    """Only forward / backward fills of named columns: the other methods convert the fill value to
    each column's type, which the node decides from the data."""
    if not _fixed(node, "method", "columns") or node.params["method"] not in ("forward", "backward") \
            or not node.params["columns"]:
        return None
    table, out = node.inputs["table"], node.outputs["table"]
    method = "ffill" if node.params["method"] == "forward" else "bfill"
    return Code([f"{out} = {table}.copy(deep=False)",
                 f"for _column in {node.literals['columns']}:",
                 f"    {out}[_column] = {table}[_column].{method}()"])


def join_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "on", "left_on", "right_on"):
        return None
    left, right, lit, params = node.inputs["left"], node.inputs["right"], node.literals, node.params
    suffixes = f"tuple({lit['suffixes']})"
    if params["on"] or not (params["left_on"] or params["right_on"]):
        on = lit["on"] if params["on"] else f"[c for c in {left}.columns if c in set({right}.columns)]"
        return _one(node, f"{left}.merge({right}, how={lit['how']}, on={on}, suffixes={suffixes})")
    return _one(node, f"{left}.merge({right}, how={lit['how']}, left_on={lit['left_on']}, "
                      f"right_on={lit['right_on']}, suffixes={suffixes})")


def groupby_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "by", "aggregations"):
        return None
    specs: dict[str, tuple[str, str]] = {}
    for item in node.params["aggregations"]:
        column, _, function = str(item).rpartition(":")
        column, function = column.strip(), function.strip().lower()
        if not column or function not in AGGREGATIONS or f"{column}_{function}" in specs:
            return None  # the node reports this mistake
        specs[f"{column}_{function}"] = (column, function)
    table, by = node.inputs["table"], node.params["by"]
    imports = [] if by else ["import numpy as np"]
    keys = repr(by) if by else f"np.zeros(len({table}), dtype=np.int8)"
    grouped = f"{table}.groupby({keys}, dropna=False, sort=True, observed=True)"
    result = f"{grouped}.agg(**{specs!r})" if specs else f"{grouped}.size().to_frame('count')"
    return _one(node, f"{result}.reset_index({'' if by else 'drop=True'})", imports)


def date_parts_code(node: NodeCode) -> Code | None:
    """The parts of a date column; a text column is read as dates as the node reads it (pandas' inferred
    format, else ISO 8601 when that reads more), and the code stops where the node stops."""
    from .dates import PARTS

    parts, column = node.params["parts"], node.params["column"]
    if not _fixed(node, "parts", "column") or not column or not parts or any(p not in PARTS for p in parts):
        return None
    table, out, name = node.inputs["table"], node.outputs["table"], node.literals["column"]
    names = [f"{column}_{part}" for part in parts]
    lines = [f"_dates = {table}[{name}]",
             "if not pd.api.types.is_datetime64_any_dtype(_dates.dtype):  # text holding dates",
             "    if isinstance(_dates.dtype, pd.CategoricalDtype) or not (pd.api.types.is_string_dtype(_dates.dtype) "
             "or str(_dates.dtype) == 'object'):",
             f"        raise ValueError('column ' + repr({name}) + ' holds neither dates nor text')",
             "    _text = _dates",
             "    _dates = pd.to_datetime(_text, errors='coerce')",
             "    _unread = int((_dates.isna() & _text.notna()).sum())",
             "    if _unread:",
             "        _iso = pd.to_datetime(_text, errors='coerce', format='ISO8601')",
             "        if int((_iso.isna() & _text.notna()).sum()) < _unread:",
             "            _dates = _iso",
             "    if (_dates.isna() & _text.notna()).any():",
             f"        raise ValueError('column ' + repr({name}) + ' holds values that are not dates')",
             f"if set({names!r}) & set({table}.columns) or len(set({names!r})) < {len(names)}:",
             "    raise ValueError('a date part column would replace an existing column')",
             f"{out} = {table}.copy(deep=False)"]
    for part, new in zip(parts, names, strict=True):
        if part == "week":
            lines += ["_week = _dates.dt.isocalendar().week",
                      f"{out}[{new!r}] = _week.astype('float64') if _week.isna().any() else _week.astype('int32')"]
        else:
            lines.append(f"{out}[{new!r}] = _dates.dt.{'day_of_week' if part == 'weekday' else part}")
    return Code(lines, ["import pandas as pd"])


EXPORTERS: dict[str, Callable[[NodeCode], Code | None]] = {
    "transform.filter": filter_code, "transform.derive": derive_code, "transform.select": select_code,
    "transform.rename": rename_code, "transform.sort": sort_code, "transform.sample": sample_code,
    "transform.dedupe": dedupe_code, "transform.drop_missing": drop_missing_code,
    "transform.fill_missing": fill_missing_code, "transform.join": join_code, "transform.groupby": groupby_code,
    "transform.date_parts": date_parts_code,
}
