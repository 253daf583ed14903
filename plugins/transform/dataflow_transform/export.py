"""Plain pandas code for the transform nodes, for `dataflow export` (the `register_exporters` hook).

Each exporter writes what its node computes, with the node's own defaults and missing-value rules,
from `node.literals` (values reach the script as Python literals only). Formulas are translated
from their parsed tree by `formula_code`. Where a node decides by a column's kind (cast, fill_missing,
concat, melt, date_parts), the script decides the same way, with `_kind` written as the plugin's
`kind`; where the node stops (a value that cannot be converted), the script raises. A node type
without an exporter here, a regular expression in `text` (the node runs it with RE2), or a
parameter that shapes the code bound to a workflow parameter: the exporter returns None and the script calls the node.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dataflow.sdk import Code, NodeCode, formula_code

from .reshape import AGGREGATIONS


def _fixed(node: NodeCode, *params: str) -> bool:
    """True when none of `params` is bound to a workflow parameter (the code depends on their values)."""
    return not any(node.bound(p) for p in params)


def _one(node: NodeCode, line: str, imports: list[str] | None = None) -> Code:
    return Code([f"{node.outputs['table']} = {line}"], imports or [])


def _formula(node: NodeCode) -> tuple[list[str], str, bool] | None:
    """(lines that read the formula's category columns as their values, as the interpreter does; the
    formula as an expression over `_table`; whether it is a bool mask), or None to fall back."""
    if not _fixed(node, "formula"):
        return None
    found = formula_code(node.params["formula"], "_table")
    if found is None:
        return None
    expression, condition, columns = found
    table = node.inputs["table"]
    return ([f"_categories = {{c: {table}[c].cat.categories.dtype for c in {columns!r} "
             f"if isinstance({table}[c].dtype, pd.CategoricalDtype)}}  # formulas read categories as their values",
             f"_table = {table}.astype(_categories) if _categories else {table}"], expression, condition)


def filter_code(node: NodeCode) -> Code | None:
    found = _formula(node)
    if found is None or not found[2]:
        return None
    lines, expression, _ = found
    return Code([*lines, f"{node.outputs['table']} = {node.inputs['table']}[{expression}]"], ["import pandas as pd"])


def derive_code(node: NodeCode) -> Code | None:
    found = _formula(node)
    if found is None or not str(node.params["name"]).strip():
        return None
    lines, expression, _ = found
    table, out = node.inputs["table"], node.outputs["table"]
    return Code([*lines, f"{out} = {table}.copy(deep=False)", f"{out}[{node.literals['name']}] = {expression}"],
                ["import pandas as pd"])


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
    """Each column with gaps filled as the node fills it: the fill text read as the column's kind
    (method value), its mode, mean or median, or the neighbouring row's value."""
    import math

    from .missing import _FALSE, _TRUE

    if not _fixed(node, "method", "columns", "value"):
        return None
    method, text, lit = node.params["method"], str(node.params["value"]), node.literals
    table, out = node.inputs["table"], node.outputs["table"]
    if method == "value" and text == "":
        return None  # the node asks for a value
    if method in ("forward", "backward"):
        fill = [f"{out}[_column] = _series.{'ffill' if method == 'forward' else 'bfill'}()"]
    else:
        if method == "value":
            try:
                number: float | int | None = float(text)
            except ValueError:
                number = None
            if number is not None and not math.isfinite(number):
                return None
            if number is not None and number.is_integer():
                number = int(number)
            word = text.strip().lower()
            truth = word in _TRUE if word in _TRUE | _FALSE else None
            choose = [
                "_kind_of = _kind(_series)",
                "if _kind_of == 'number':" if number is not None else "if _kind_of == 'number':  # the text is no number",
                f"    _fill = {number!r}" if number is not None else
                "    raise ValueError('column ' + repr(_column) + ' holds numbers, and the fill value is not one')",
                "elif _kind_of == 'true/false':",
                f"    _fill = {truth!r}" if truth is not None else
                "    raise ValueError('column ' + repr(_column) + ' holds true/false, and the fill value is not one')",
                "elif _kind_of == 'date':",
                f"    _fill = pd.Timestamp({lit['value']})",
                "    if getattr(_series.dtype, 'tz', None) is not None and _fill.tz is None:",
                "        _fill = _fill.tz_localize(_series.dtype.tz)",
                "else:",
                f"    _fill = {lit['value']}"]
        elif method == "mode":
            choose = ["_modes = _series.mode(dropna=True)", "if _modes.empty:", "    continue", "_fill = _modes.iloc[0]"]
        else:
            choose = [f"_fill = _series.{method}()", "if _fill != _fill:  # every value missing", "    continue"]
        fill = [*choose,
                "if pd.api.types.is_integer_dtype(_series.dtype) and float(_fill) != int(_fill):",
                "    _series = _series.astype('float64')",
                "if isinstance(_series.dtype, pd.CategoricalDtype) and _fill not in _series.cat.categories:",
                "    _series = _series.cat.add_categories([_fill])",
                f"{out}[_column] = _series.fillna(_fill)"]
    numeric_only = method in ("mean", "median")
    if node.params["columns"]:
        targets = lit["columns"]
        check = [f"for _column in {targets}:",
                 "    if _kind(" + table + "[_column]) != 'number':",
                 f"        raise ValueError({method!r} + ' needs number columns, but ' + repr(_column) + ' holds '"
                 f" + _kind({table}[_column]))"] if numeric_only else []
    else:
        targets = f"[c for c in {table}.columns if _kind({table}[c]) == 'number']" if numeric_only else \
            f"list({table}.columns)"
        check = []
    return Code([*_KIND_LINES, *check, f"{out} = {table}.copy(deep=False)",
                 f"for _column in {targets}:",
                 f"    _series = {table}[_column]",
                 "    if not _series.isna().any():",
                 "        continue",
                 *(f"    {line}" for line in fill)], ["import pandas as pd"])


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


#: `_common.kind` as lines of the script: a column's kind as this plugin names it
_KIND_LINES = [
    "def _kind(column):",
    "    if isinstance(column.dtype, pd.CategoricalDtype):",
    "        return 'category'",
    "    if pd.api.types.is_bool_dtype(column.dtype):",
    "        return 'true/false'",
    "    if pd.api.types.is_numeric_dtype(column.dtype):",
    "        return 'number'",
    "    if pd.api.types.is_datetime64_any_dtype(column.dtype):",
    "        return 'date'",
    "    if pd.api.types.is_string_dtype(column.dtype) or str(column.dtype) == 'object':",
    "        return 'text'",
    "    return str(column.dtype)"]


def concat_code(node: NodeCode) -> Code | None:
    """The bottom table's rows under the top's; a column of different kinds in the two is made text first."""
    if not _fixed(node, "source_column", "columns"):
        return None
    top, bottom, out = node.inputs["top"], node.inputs["bottom"], node.outputs["table"]
    source = node.params["source_column"]
    lines = [*_KIND_LINES,
             f"_mixed = [c for c in {top}.columns if c in {bottom}.columns and _kind({top}[c]) != _kind({bottom}[c])]",
             f"_top = {top}.astype({{c: 'str' for c in _mixed}}) if _mixed else {top}",
             f"_bottom = {bottom}.astype({{c: 'str' for c in _mixed}}) if _mixed else {bottom}"]
    parts = "[_top, _bottom]"
    if source:
        name = node.literals["source_column"]
        lines += [f"if {name} in _top.columns or {name} in _bottom.columns:",
                  "    raise ValueError('the tables already have a column ' + repr(" + name + "))"]
        parts = f"[_top.assign(**{{{name}: 'top'}}), _bottom.assign(**{{{name}: 'bottom'}})]"
    join = "outer" if node.params["columns"] == "union" else "inner"
    lines.append(f"{out} = pd.concat({parts}, join={join!r}, ignore_index=True)")
    return Code(lines, ["import pandas as pd"])


def melt_code(node: NodeCode) -> Code | None:
    """Columns into rows; gathered columns of different kinds are made text first, as the node does."""
    if not _fixed(node, "id_columns", "value_columns"):
        return None
    table, out, lit = node.inputs["table"], node.outputs["table"], node.literals
    ids, values = lit["id_columns"], lit["value_columns"]
    return Code([*_KIND_LINES,
                 f"_gathered = {values} or [c for c in {table}.columns if c not in {ids}]",
                 f"_table = {table}.astype({{c: 'str' for c in _gathered}}) "
                 f"if len({{_kind({table}[c]) for c in _gathered}}) > 1 else {table}",
                 f"{out} = _table.melt(id_vars={ids} or None, value_vars={values} or None, "
                 f"var_name={lit['variable_name']}, value_name={lit['value_name']})"], ["import pandas as pd"])


def value_counts_code(node: NodeCode) -> Code:
    lit = node.literals
    counts = (f"{node.inputs['table']}.value_counts(subset={lit['columns']}, normalize={lit['normalize']}, "
              "sort=True, ascending=False, dropna=False)")
    if node.bound("top"):  # 0 keeps every value
        counts = f"({counts}.head({lit['top']}) if {lit['top']} else {counts})"
    elif node.params["top"]:
        counts = f"{counts}.head({lit['top']})"
    return _one(node, f"{counts}.reset_index()")


#: `_common.parse_dates` as lines of the script: dates from text, pandas' inferred format, else ISO 8601
#: when that reads more
_PARSE_LINES = [
    "def _parse_dates(text):",
    "    dates = pd.to_datetime(text, errors='coerce')",
    "    unread = int((dates.isna() & text.notna()).sum())",
    "    if unread:",
    "        iso = pd.to_datetime(text, errors='coerce', format='ISO8601')",
    "        if int((iso.isna() & text.notna()).sum()) < unread:",
    "            dates = iso",
    "    return dates"]


def _number_lines(source: str) -> list[str]:
    """`cast._number_from`: float64 numbers from a number, true/false, text or category column, and `_failed`."""
    return [f"_kind_of = _kind({source})",
            "if _kind_of in ('number', 'true/false'):",
            f"    _converted, _failed = {source}.astype('float64'), None",
            "elif _kind_of in ('text', 'category'):",
            f"    _converted = pd.to_numeric({source}.astype('str').str.strip(), errors='coerce').astype('float64')",
            f"    _failed = _converted.isna() & {source}.notna()",
            "else:",
            "    raise ValueError('column ' + repr(_column) + ' holds ' + _kind_of + ' values, which cannot become numbers')"]


def _cast_lines(target: str) -> list[str] | None:
    """The lines that convert `_source` (the column `_column`) to `target` into `_converted` and `_failed`."""
    if target == "float":
        return _number_lines("_source")
    if target == "int":
        return ["if _kind(_source) == 'number' and _source.dtype.kind in 'iu':",
                "    _converted, _failed = _source, None",
                "else:",
                *(f"    {line}" for line in _number_lines("_source")),
                "    _whole = np.isfinite(_converted) & (_converted == np.trunc(_converted)) & (_converted.abs() < 2.0 ** 63)",
                "    _bad = _converted.notna() & ~_whole",
                "    _failed = _bad if _failed is None else _failed | _bad",
                "    _converted = _converted.where(_whole)",
                "    _converted = _converted.astype('Int64' if _converted.isna().any() else 'int64')"]
    if target == "str":
        return ["_converted, _failed = _source.astype('str'), None"]
    if target == "category":
        return ["_converted, _failed = _source.astype('category'), None"]
    if target == "bool":
        from .cast import _FALSE, _TRUE

        return ["if _kind(_source) == 'true/false':",
                "    _converted, _failed = _source, None",
                "else:",
                "    if _kind(_source) == 'number':",
                "        _truth, _falsity = _source == 1, _source == 0",
                "    elif _kind(_source) in ('text', 'category'):",
                "        _words = _source.astype('str').str.strip().str.lower()",
                f"        _truth, _falsity = _words.isin({_TRUE!r}), _words.isin({_FALSE!r})",
                "    else:",
                "        raise ValueError('column ' + repr(_column) + ' holds ' + _kind(_source) + ' values, which "
                "cannot become true/false')",
                "    _failed = _source.notna() & ~_truth & ~_falsity",
                "    _unknown = ~_truth & ~_falsity",
                "    _converted = _truth.astype('boolean').mask(_unknown) if _unknown.any() else _truth.astype(bool)"]
    if target == "date":
        return ["if _kind(_source) == 'date':",
                "    _converted, _failed = _source, None",
                "elif _kind(_source) in ('text', 'category'):",
                "    _converted = _parse_dates(_source.astype('str').str.strip())",
                "    _failed = _converted.isna() & _source.notna()",
                "else:",
                "    raise ValueError('column ' + repr(_column) + ' holds ' + _kind(_source) + ' values, which cannot "
                "become dates')"]
    return None


def cast_code(node: NodeCode) -> Code | None:
    """Each column converted as the node converts it, by the kind of its values; a value that cannot be
    converted stops the script (errors = raise) or becomes missing (errors = null), as in the node."""
    from .cast import _ALIASES, TYPES

    if not _fixed(node, "types", "errors"):
        return None
    table, out = node.inputs["table"], node.outputs["table"]
    lines = [*_KIND_LINES, *_PARSE_LINES, f"{out} = {table}.copy(deep=False)"]
    for column, name in node.params["types"].items():
        target = _ALIASES.get(str(name).strip().lower(), str(name).strip().lower())
        converting = _cast_lines(target) if target in TYPES else None
        if converting is None:
            return None  # bool, or a type the node refuses
        lines += [f"_column = {column!r}", f"_source = {table}[_column]", *converting]
        if node.params["errors"] == "raise":
            lines += ["if _failed is not None and bool(_failed.any()):",
                      f"    raise ValueError('column ' + repr(_column) + ': ' + str(int(_failed.sum())) + "
                      f"' value(s) cannot be converted to {target}, e.g. ' + repr(_source[_failed].iloc[0]))"]
        lines.append(f"{out}[_column] = _converted")
    return Code(lines, ["import numpy as np", "import pandas as pd"])


def date_parts_code(node: NodeCode) -> Code | None:
    """The parts of a date column; a text column is read as dates as the node reads it (pandas' inferred
    format, else ISO 8601 when that reads more), and the code stops where the node stops."""
    from .dates import PARTS

    parts, column = node.params["parts"], node.params["column"]
    if not _fixed(node, "parts", "column") or not column or not parts or any(p not in PARTS for p in parts):
        return None
    table, out, name = node.inputs["table"], node.outputs["table"], node.literals["column"]
    names = [f"{column}_{part}" for part in parts]
    lines = [*_PARSE_LINES,
             f"_dates = {table}[{name}]",
             "if not pd.api.types.is_datetime64_any_dtype(_dates.dtype):  # text holding dates",
             "    if isinstance(_dates.dtype, pd.CategoricalDtype) or not (pd.api.types.is_string_dtype(_dates.dtype) "
             "or str(_dates.dtype) == 'object'):",
             f"        raise ValueError('column ' + repr({name}) + ' holds neither dates nor text')",
             "    _text = _dates",
             "    _dates = _parse_dates(_text)",
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


def pivot_code(node: NodeCode) -> Code | None:
    if not _fixed(node, *node.params):
        return None
    p, lit, out = node.params, node.literals, node.outputs["table"]
    lines = [f"{out} = pd.pivot_table({node.inputs['table']}, index={lit['index']}, columns={lit['columns']}, "
             f"values={lit['values']}, aggfunc={lit['aggregation']}, observed=True, sort=True)"]
    if p["fill"] is not None:
        lines.append(f"{out} = {out}.fillna({lit['fill']})")
        if p["aggregation"] in ("count", "nunique") and float(p["fill"]).is_integer():
            lines.append(f"{out} = {out}.astype('int64')")
    lines += [f"{out}.columns = [str(c) for c in {out}.columns]", f"{out} = {out}.reset_index()"]
    return Code(lines, ["import pandas as pd"])


def _text_lines(table: str, column: str) -> list[str]:
    """`strings._text_column`: the column, or a category column's values as text."""
    return [*_KIND_LINES, f"_series = {table}[{column}] if _kind({table}[{column}]) == 'text' "
                          f"else {table}[{column}].astype('str')"]


def split_column_code(node: NodeCode) -> Code | None:
    if not _fixed(node, *node.params) or node.params["separator"] == "":
        return None
    p, lit, table, out = node.params, node.literals, node.inputs["table"], node.outputs["table"]
    names = lit["names"] if p["names"] else f"[{lit['column']} + '_' + str(i + 1) for i in range(_parts.shape[1])]"
    keep = bool(p["keep_original"])
    return Code([*_text_lines(table, lit["column"]),
                 f"_parts = _series.str.split({lit['separator']}, n={int(p['max_splits']) or -1}, expand=True, "
                 "regex=False)",
                 "if isinstance(_parts, pd.Series):  # every value missing: one column",
                 "    _parts = _parts.to_frame()",
                 f"_names = {names}",
                 *(["if len(_names) < _parts.shape[1]:",
                    f"    raise ValueError(repr({lit['column']}) + ' splits into more parts than names are given')"]
                   if p["names"] else []),
                 "_parts = _parts.reindex(columns=range(len(_names)))",
                 "_parts.columns = _names",
                 f"_kept = {table}" + ("" if keep else f".drop(columns=[{lit['column']}])"),
                 f"_position = list({table}.columns).index({lit['column']}){' + 1' if keep else ''}",
                 f"_parts.index = {table}.index",
                 f"{out} = pd.concat([_kept.iloc[:, :_position], _parts, _kept.iloc[:, _position:]], axis=1)"],
                ["import pandas as pd"])


def _regex_lines(operation: str, pattern: str, replacement: str, case_sensitive: bool) -> list[str] | None:
    """`regex.contains` / `regex.replace`: RE2 through pyarrow's string functions, as the node runs it (linear
    time), with the pattern and the replacement translated when exporting (`regex.unicode_classes`,
    `regex.rewrite`) and written as literals; None when the node refuses them (it then says why)."""
    from .regex import check_pattern, rewrite, unicode_classes

    try:
        check_pattern(pattern)
        rewritten = rewrite(replacement) if operation == "replace" else ""
    except Exception:  # noqa: BLE001 - the node names the mistake
        return None
    lines = ["if pd.api.types.is_string_dtype(_series.dtype) and str(_series.dtype) != 'object':",
             "    _values, _text = _pa.array(_series, type=_pa.large_string(), from_pandas=True), None",
             "else:  # an object column: its text values, the others as missing",
             "    _text = _series.map(lambda v: isinstance(v, str)).astype(bool)",
             "    _values = _pa.array(_series.where(_text, None), type=_pa.large_string(), from_pandas=True)"]
    if operation == "contains":
        return [*lines, "# RE2 (linear time), as the node runs it",
                f"_found = _pc.fill_null(_pc.match_substring_regex(_values, {unicode_classes(pattern)!r}, "
                f"ignore_case={not case_sensitive!r}), False)",
                "_result = pd.Series(_found.to_numpy(zero_copy_only=False), index=_series.index, name=_series.name)"]
    spelt = unicode_classes(pattern) if case_sensitive else "(?i)" + unicode_classes(pattern)
    return [*lines, "# RE2 (linear time), as the node runs it",
            f"_replaced = _pc.replace_substring_regex(_values, {spelt!r}, {rewritten!r}).to_pandas()",
            "if _text is None:  # a text column: the same dtype back",
            "    _result = pd.Series(_replaced, index=_series.index, name=_series.name).astype(_series.dtype)",
            "else:  # other values missing, missing values as they were",
            "    _result = pd.Series(_replaced, index=_series.index, name=_series.name, dtype=object)",
            "    _result[~_text & _series.notna()] = float('nan')",
            "    _result[~_text & _series.isna()] = _series[~_text & _series.isna()]"]


def text_code(node: NodeCode) -> Code | None:
    """Case, strip, replace and contains; a regular expression with RE2 through pyarrow, as the node runs it."""
    p, lit = node.params, node.literals
    operation = p["operation"]
    if not _fixed(node, *node.params) or (operation in ("replace", "contains") and not p["pattern"]):
        return None
    if operation in ("replace", "contains") and p["regex"]:
        lines = _regex_lines(operation, p["pattern"], p["replacement"], bool(p["case_sensitive"]))
        if lines is None:
            return None
        target = p["output"] or (f"{p['column']}_contains" if operation == "contains" else p["column"])
        table, out = node.inputs["table"], node.outputs["table"]
        return Code([*_text_lines(table, lit["column"]), *lines, f"{out} = {table}.copy(deep=False)",
                     f"{out}[{target!r}] = _result"],
                    ["import pandas as pd", "import pyarrow as _pa", "import pyarrow.compute as _pc"])
    imports = ["import pandas as pd"]
    if operation in ("lower", "upper"):
        result = f"_series.str.{operation}()"
    elif operation == "strip":
        result = f"_series.str.strip({lit['pattern']} or None)"
    elif operation == "contains":
        result = f"_series.str.contains({lit['pattern']}, case={lit['case_sensitive']}, regex=False, na=False)"
    elif p["case_sensitive"]:
        result = f"_series.str.replace({lit['pattern']}, {lit['replacement']}, regex=False)"
    else:  # an escaped pattern (a literal) and a literal replacement, without case
        result = (f"_series.str.replace({re.escape(p['pattern'])!r}, {p['replacement'].replace(chr(92), chr(92) * 2)!r}, "
                  "regex=True, flags=_re.IGNORECASE)")
        imports.append("import re as _re")
    target = p["output"] or (f"{p['column']}_contains" if operation == "contains" else p["column"])
    table, out = node.inputs["table"], node.outputs["table"]
    return Code([*_text_lines(table, lit["column"]), f"{out} = {table}.copy(deep=False)",
                 f"{out}[{target!r}] = {result}"], imports)


def bin_code(node: NodeCode) -> Code | None:
    if not _fixed(node, *node.params):
        return None
    p, lit, table, out = node.params, node.literals, node.inputs["table"], node.outputs["table"]
    labels = lit["labels"] if p["labels"] else "None"
    if p["edges"]:
        cut = f"pd.cut(_series, {lit['edges']}, labels={labels}, include_lowest=True)"
    elif p["method"] == "equal-width":
        cut = f"pd.cut(_series, {lit['bins']}, labels={labels}, include_lowest=True)"
    else:
        cut = f"pd.qcut(_series, {lit['bins']}, labels={labels}, duplicates='raise')"
    lines = [f"_series = {table}[{lit['column']}]", f"_binned = {cut}"]
    if not p["labels"]:
        lines.append("_binned = _binned.cat.rename_categories([str(c) for c in _binned.cat.categories])  # '(18.0, 65.0]'")
    lines += [f"{out} = {table}.copy(deep=False)", f"{out}[{p['output'] or p['column'] + '_bin'!r}] = _binned"]
    return Code(lines, ["import pandas as pd"])


def one_hot_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "columns", "drop_first"):
        return None
    table, out, lit = node.inputs["table"], node.outputs["table"], node.literals
    return Code([*_KIND_LINES,
                 f"_targets = {lit['columns']} or [c for c in {table}.columns if _kind({table}[c]) in ('text', 'category')]",
                 f"{out} = pd.get_dummies({table}, columns=_targets, drop_first={lit['drop_first']}) if _targets "
                 f"else {table}"], ["import pandas as pd"])


def describe_code(node: NodeCode) -> Code:
    from .explore import _NUMERIC_STATS

    table, out = node.inputs["table"], node.outputs["table"]
    stats = list(_NUMERIC_STATS)
    columns = ["column", "type", "count", "missing", *stats, "unique", "top"]
    types = {"column": "str", "type": "str", "count": "int64", "missing": "int64", "unique": "int64", "top": "str",
             **dict.fromkeys(stats, "float64")}
    return Code([*_KIND_LINES,
                 f"_numeric = [c for c in {table}.columns if _kind({table}[c]) == 'number']",
                 f"_stats = {table}[_numeric].describe() if _numeric else pd.DataFrame(index={stats!r})",
                 "_rows = []",
                 f"for _column in {table}.columns:",
                 f"    _series = {table}[_column]",
                 "    _row = {'column': str(_column), 'type': _kind(_series), 'count': int(_series.count()),",
                 "            'missing': int(_series.isna().sum())}",
                 f"    for _stat in {stats!r}:",
                 "        _row[_stat] = float(_stats.at[_stat, _column]) if _column in _numeric else float('nan')",
                 "    _row['unique'] = int(_series.nunique())",
                 "    _counts = _series.value_counts() if _column not in _numeric else None",
                 "    _row['top'] = str(_counts.index[0]) if _counts is not None and len(_counts) else None  # most frequent",
                 "    _rows.append(_row)",
                 f"{out} = pd.DataFrame(_rows, columns={columns!r}).astype({types!r})"], ["import pandas as pd"])


def correlation_code(node: NodeCode) -> Code | None:
    if not _fixed(node, "method", "columns"):
        return None
    table, out, lit = node.inputs["table"], node.outputs["table"], node.literals
    return Code([*_KIND_LINES,
                 f"_chosen = {lit['columns']} or [c for c in {table}.columns if _kind({table}[c]) == 'number']",
                 f"_matrix = {table}[_chosen].astype('float64').corr(method={lit['method']})",
                 "_matrix.columns.name = None",
                 f"{out} = _matrix.rename_axis('column').reset_index()"], ["import pandas as pd"])


def profile_code(node: NodeCode) -> Code | None:
    """`profile.profile_table`: the same seeded sample above max_rows, the same counts, shares and bars."""
    from .profile import _BARS, _LONGEST, COLUMNS

    if not _fixed(node, *node.params):
        return None
    p, table, out = node.params, node.inputs["table"], node.outputs["table"]
    max_rows, top, bins, seed = int(p["max_rows"]), int(p["top"]), int(p["bins"]), int(p["seed"])
    types = {"column": "str", "kind": "str", "missing_pct": "float64", "distinct": "int64", "top_values": "str",
             "distribution": "str", "min": "str", "max": "str", "rows_profiled": "int64", "rows_total": "int64"}
    return Code([
        *_KIND_LINES,
        "def _text(value):",
        "    return f'{value:.6g}' if isinstance(value, float) else str(value)",
        "def _counts(values):  # how often each value occurs, most frequent first",
        "    try:",
        "        counts = values.value_counts(dropna=True, sort=True)",
        "    except TypeError:  # unhashable objects: count their text",
        "        return values.dropna().astype(str).value_counts(sort=True)",
        "    return counts[counts > 0] if str(values.dtype) == 'category' else counts  # unheld categories",
        "def _top(counts):  # the most frequent values and their share of the present ones",
        "    if counts.empty:",
        "        return ''",
        "    if int(counts.iloc[0]) == 1:",
        "        return '(every value distinct)' if len(counts) > 1 else f'{_text(counts.index[0])} (100%)'",
        "    present = int(counts.sum())",
        "    shown = []",
        f"    for value, count in counts.head({top}).items():",
        "        text = _text(value)",
        f"        text = text if len(text) <= {_LONGEST} else text[:{_LONGEST - 1}] + '\u2026'",
        "        share = 100 * count / present",
        "        shown.append(f\"{text} ({'<1' if share < 0.5 else f'{share:.0f}'}%)\")",
        "    return ', '.join(shown)",
        "def _distribution(values, flavour, counts):  # a histogram of numbers and dates, else the top values",
        "    if flavour in ('number', 'date'):",
        "        present = values.dropna()",
        "        if present.empty:",
        "            return ''",
        "        numbers = present.astype('int64').to_numpy() if flavour == 'date' else present.to_numpy(dtype='float64')",
        "        finite = numbers[np.isfinite(numbers)] if flavour == 'number' else numbers",
        "        if finite.size == 0:",
        "            return ''",
        f"        heights, _ = np.histogram(finite, bins={bins})",
        "    else:",
        f"        heights = counts.head({bins}).to_numpy()",
        "    tallest = max(int(heights.max()), 1) if len(heights) else 1",
        f"    return ''.join(' ' if h == 0 else {_BARS!r}[max(0, _math.ceil(h * {len(_BARS)} / tallest) - 1)] "
        "for h in heights)",
        f"_total = len({table})",
        f"_part = {table}",
        f"if _total > {max_rows}:  # a seeded sample for counts, top values and distributions",
        f"    _part = {table}.take(np.sort(np.random.default_rng({seed}).choice(_total, size={max_rows}, "
        "replace=False)))",
        "_records = []",
        f"for _position, _name in enumerate({table}.columns):",
        f"    _whole, _sample = {table}.iloc[:, _position], _part.iloc[:, _position]",
        "    _flavour = _kind(_whole)",
        "    _has = _flavour in ('number', 'date') and _whole.notna().any()",
        "    _found = _counts(_sample)",
        "    _records.append({'column': str(_name), 'kind': _flavour,",
        "                     'missing_pct': float(_whole.isna().mean() * 100) if _total else 0.0,",
        "                     'distinct': int(len(_found)), 'top_values': _top(_found),",
        "                     'distribution': _distribution(_sample, _flavour, _found),",
        "                     'min': _text(_whole.min()) if _has else '', 'max': _text(_whole.max()) if _has else '',",
        "                     'rows_profiled': len(_part), 'rows_total': _total})",
        f"{out} = pd.DataFrame.from_records(_records, columns={[c for c, _ in COLUMNS]!r}).astype({types!r})"],
        ["import math as _math", "import numpy as np", "import pandas as pd"])


EXPORTERS: dict[str, Callable[[NodeCode], Code | None]] = {
    "transform.filter": filter_code, "transform.derive": derive_code, "transform.select": select_code,
    "transform.rename": rename_code, "transform.sort": sort_code, "transform.sample": sample_code,
    "transform.dedupe": dedupe_code, "transform.drop_missing": drop_missing_code,
    "transform.fill_missing": fill_missing_code, "transform.join": join_code, "transform.groupby": groupby_code,
    "transform.date_parts": date_parts_code, "transform.concat": concat_code,
    "transform.melt": melt_code, "transform.cast": cast_code, "transform.value_counts": value_counts_code,
    "transform.pivot": pivot_code, "transform.split_column": split_column_code, "transform.text": text_code,
    "transform.bin": bin_code, "transform.one_hot": one_hot_code, "transform.describe": describe_code,
    "transform.correlation": correlation_code, "transform.profile": profile_code,
}
