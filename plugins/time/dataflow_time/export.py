"""Plain pandas code for the time nodes, for `dataflow export` (the `register_exporters` hook).

`parse_dates`: the node's one `pd.to_datetime` call with the same format and UTC setting; with
errors = fail the code stops, as the node does, when a value does not match. `resample`: the same
`groupby(...).resample(...)` with the node's aggregations, undated rows left out, category keys
grouped by their values and given their type back. `rolling`: the node's windows over the rows
sorted by date (per group), each result put back on its row. `lag_lead`: the same shift over the
rows in `order_by`'s order, per group. `date_difference`, `shift_dates` and `time_zone`: the node's
subtraction, offset or `tz_localize` / `tz_convert` call.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode

from ._common import parse_aggregation
from .schemas import check_format


def parse_dates_code(node: NodeCode) -> Code | None:
    p, lit = node.params, node.literals
    if any(node.bound(name) for name in ("format", "errors", "utc", "output")) or not p["column"]:
        return None
    try:
        fmt = check_format(p["format"])
    except Exception:  # noqa: BLE001 - the node reports the malformed format
        return None
    table, out = node.inputs["table"], node.outputs["table"]
    lines = [f"_text = {table}[{lit['column']}]",
             "_text = _text.astype('str') if isinstance(_text.dtype, pd.CategoricalDtype) else _text",
             f"_dates = pd.to_datetime(_text, format={fmt or 'ISO8601'!r}, errors='coerce', utc={p['utc']!r})"]
    if p["errors"] == "fail":
        lines += ["_failed = _dates.isna() & _text.notna() & (_text.astype('str').str.strip() != '')",
                  "if _failed.any():",
                  f"    raise ValueError(f'{{int(_failed.sum()):,}} value(s) in column ' + repr({lit['column']}) + "
                  f"' do not match the format ' + {fmt or 'ISO 8601'!r} + f', e.g. {{_text[_failed].head(3).tolist()}}')"]
    name = lit["output"] if p["output"] else lit["column"]
    lines += [f"{out} = {table}.copy(deep=False)", f"{out}[{name}] = _dates"]
    return Code(lines, ["import pandas as pd"])


def resample_code(node: NodeCode) -> Code | None:
    p = node.params
    if any(node.bound(name) for name in ("on", "period", "aggregations", "by")) or not p["on"] \
            or not str(p["period"]).strip():
        return None
    by, on = list(p["by"]), p["on"]
    specs: dict[str, tuple[str, str]] = {}
    try:
        for item in p["aggregations"]:
            column, function = parse_aggregation(item)
            name = f"{column}_{function}"
            if column in by or name in specs or name in (*by, on):
                return None  # the node names the mistake
            specs[name] = (column, function)
    except Exception:  # noqa: BLE001 - a malformed item: the node names it
        return None
    table, out = node.inputs["table"], node.outputs["table"]
    period = str(p["period"]).strip()
    if by:
        grouped = ("_frame.groupby([_frame[n].astype('object') if isinstance(_frame[n].dtype, pd.CategoricalDtype) "
                   f"else _frame[n] for n in {by!r}], dropna=False, sort=True, observed=True)"
                   f".resample({period!r}, on={on!r})")
    else:
        grouped = f"_frame.resample({period!r}, on={on!r})"
    lines = [f"_dates = {table}[{on!r}]",
             "if isinstance(_dates.dtype, pd.CategoricalDtype) or not pd.api.types.is_datetime64_any_dtype(_dates.dtype):",
             f"    raise ValueError('column ' + repr({on!r}) + ' holds no dates')",
             f"_frame = {table}[_dates.notna()] if _dates.isna().any() else {table}  # rows without a date are left out",
             f"_grouped = {grouped}",
             f"{out} = _grouped.agg(**{specs!r}).reset_index()" if specs else
             f"{out} = _grouped.size().to_frame('count').reset_index()",
             f"for _name in {by!r}:  # a category key was grouped by its values: its type back",
             f"    if isinstance({table}[_name].dtype, pd.CategoricalDtype):",
             f"        {out}[_name] = {out}[_name].astype({table}[_name].dtype)"]
    if not specs:
        lines.append(f"{out}['count'] = {out}['count'].astype(np.int64)")
    lines.append(f"{out} = {out}[{[*by, on, *(list(specs) or ['count'])]!r}]")
    return Code(lines, ["import numpy as np", "import pandas as pd"])


def rolling_code(node: NodeCode) -> Code | None:
    p = node.params
    if any(node.bound(name) for name in p) or not p["columns"] or (p["window"] == "time" and not p["on"]):
        return None
    table, out, columns, by, on = node.inputs["table"], node.outputs["table"], list(p["columns"]), list(p["by"]), p["on"]
    timed = p["window"] == "time"
    size = str(p["span"]).strip() if timed else str(p["rows"])
    names = [f"{c}_{p['function']}_{size}" for c in columns]
    options = f"min_periods={p['min_periods'] or None!r}, center={p['center']!r}" + (f", on={on!r}" if timed else "")
    length = repr(size) if timed else repr(p["rows"])
    lines = [f"if set({names!r}) & set({table}.columns):",
             "    raise ValueError('a rolling result column would replace an existing column')",
             f"_frame = {table}.reset_index(drop=True)"]
    if on:
        lines += [f"if isinstance(_frame[{on!r}].dtype, pd.CategoricalDtype) or "
                  f"not pd.api.types.is_datetime64_any_dtype(_frame[{on!r}].dtype):",
                  f"    raise ValueError('column ' + repr({on!r}) + ' holds no dates')",
                  f"_frame = _frame[_frame[{on!r}].notna()].sort_values({on!r}, kind='stable')  # undated rows get no value"]
    lines += [f"_work = _frame[{[*by, *columns, *([on] if timed else [])]!r}].copy()",
              f"_work[{columns!r}] = _work[{columns!r}].astype('float64')"]
    if by:
        lines += ["_grouped = _work.groupby([_work[n].astype('object') if isinstance(_work[n].dtype, pd.CategoricalDtype) "
                  f"else _work[n] for n in {by!r}], dropna=False, sort=False, observed=True)",
                  f"_values = _grouped.rolling({length}, {options})[{columns!r}].{p['function']}()",
                  "_located = list(_grouped.indices.values())  # each value back on its row",
                  "_order = _work.index[np.concatenate(_located)] if _located else _work.index[:0]",
                  "_result = _values.set_axis(_order, axis=0)"]
    else:
        lines.append(f"_result = _work[{[*columns, *([on] if timed else [])]!r}].rolling({length}, {options})"
                     f"[{columns!r}].{p['function']}()")
    lines += [f"_result = _result.reindex(range(len({table})))", f"{out} = {table}.copy(deep=False)",
              *(f"{out}[{name!r}] = _result[{column!r}].to_numpy()" for column, name in zip(columns, names, strict=True))]
    return Code(lines, ["import numpy as np", "import pandas as pd"])


def lag_lead_code(node: NodeCode) -> Code | None:
    """Each column's values `periods` rows before or after, in `order_by`'s order, per group; the rows keep
    the input's order."""
    p = node.params
    if any(node.bound(name) for name in p) or not p["columns"]:
        return None
    table, out = node.inputs["table"], node.outputs["table"]
    columns, by = list(p["columns"]), list(p["by"])
    steps = p["periods"] if p["direction"] == "lag" else -p["periods"]
    lines = [f"_frame = {table}.reset_index(drop=True)"]
    if p["order_by"]:
        lines.append(f"_frame = _frame.sort_values({p['order_by']!r}, kind='stable', na_position='last')")
    if by:
        lines += ["_keys = [_frame[n].astype('object') if isinstance(_frame[n].dtype, pd.CategoricalDtype) else _frame[n] "
                  f"for n in {by!r}]  # a missing key is a group of its own",
                  f"_moved = _frame.groupby(_keys, dropna=False, sort=False, observed=True)[{columns!r}]"
                  f".shift({steps}).sort_index()"]
    else:
        lines.append(f"_moved = _frame[{columns!r}].shift({steps}).sort_index()")
    lines.append(f"{out} = {table}.copy(deep=False)")
    names = [f"{c}_{p['direction']}{p['periods']}" for c in columns]
    lines += [f"{out}[{name!r}] = _moved[{c!r}].to_numpy()" for c, name in zip(columns, names, strict=True)]
    return Code(lines, ["import pandas as pd"])


def date_difference_code(node: NodeCode) -> Code | None:
    """end - start in a fixed unit, or complete calendar months / years as an age is counted."""
    from .dates import _UNITS

    p = node.params
    if any(node.bound(name) for name in p) or not p["start"] or not p["end"]:
        return None
    table, out, start, end, unit = node.inputs["table"], node.outputs["table"], p["start"], p["end"], p["unit"]
    name = p["output"] or f"{start}_to_{end}_{unit}"
    if unit in _UNITS:
        lines = [f"_values = ({table}[{end!r}] - {table}[{start!r}]) / pd.Timedelta(1, unit={_UNITS[unit]!r})"]
    else:
        per_year = 12 if unit == "months" else 1
        rest = ("_dates.dt.day * 86_400" if per_year == 12 else "(_dates.dt.month * 32 + _dates.dt.day) * 86_400")
        lines = ["def _place(_dates):  # the month (year) count, and the place within it",
                 "    _months = _dates.dt.year * 12 + _dates.dt.month - 1",
                 f"    return _months // {12 // per_year}, {rest} + (_dates - _dates.dt.normalize()).dt.total_seconds()",
                 f"(_start, _start_rest), (_end, _end_rest) = _place({table}[{start!r}]), _place({table}[{end!r}])",
                 "_whole = (_end - _start).astype('float64')",
                 "_short = np.where(_whole > 0, (_end_rest < _start_rest).astype('float64'), 0.0)",
                 "_over = np.where(_whole < 0, (_end_rest > _start_rest).astype('float64'), 0.0)",
                 "_values = _whole - _short + _over"]
    return Code([*lines, f"{out} = {table}.copy(deep=False)", f"{out}[{name!r}] = _values.astype('float64')"],
                ["import numpy as np", "import pandas as pd"])


def shift_dates_code(node: NodeCode) -> Code | None:
    p = node.params
    if any(node.bound(name) for name in p) or not p["column"]:
        return None
    table, out, amount, unit = node.inputs["table"], node.outputs["table"], int(p["amount"]), p["unit"]
    if unit in ("seconds", "minutes", "hours"):
        step = f"pd.Timedelta({amount}, unit={unit!r})"
    elif unit == "business_days":
        step = f"pd.offsets.BDay({amount})"
    elif unit == "quarters":
        step = f"pd.DateOffset(months={3 * amount})"
    else:
        step = f"pd.DateOffset({unit}={amount})"
    return Code([f"{out} = {table}.copy(deep=False)",
                 f"{out}[{p['output'] or p['column']!r}] = {table}[{p['column']!r}] + {step}"], ["import pandas as pd"])


def time_zone_code(node: NodeCode) -> Code | None:
    p = node.params
    if any(node.bound(name) for name in p) or not p["column"] or not str(p["timezone"]).strip():
        return None
    table, out, column, zone = node.inputs["table"], node.outputs["table"], p["column"], p["timezone"].strip()
    options = {"fail": "raise", "missing": "NaT"}
    if p["operation"] == "localize":
        result = (f"{table}[{column!r}].dt.tz_localize({zone!r}, ambiguous={options.get(p['ambiguous'], p['ambiguous'])!r}, "
                  f"nonexistent={options.get(p['nonexistent'], p['nonexistent'])!r})")
    else:
        result = f"{table}[{column!r}].dt.tz_convert({zone!r})" + (".dt.tz_localize(None)"
                                                                  if p["operation"] == "remove" else "")
    return Code([f"{out} = {table}.copy(deep=False)", f"{out}[{p['output'] or column!r}] = {result}"],
                ["import pandas as pd"])


EXPORTERS = {"time.parse_dates": parse_dates_code, "time.resample": resample_code, "time.rolling": rolling_code,
             "time.lag_lead": lag_lead_code, "time.date_difference": date_difference_code,
             "time.shift_dates": shift_dates_code, "time.time_zone": time_zone_code}
