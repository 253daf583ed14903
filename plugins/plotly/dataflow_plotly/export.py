"""Plain Plotly Express code for the chart nodes, for `dataflow export` (the `register_exporters` hook).

The code draws the same figure as the node: the same rows (missing values dropped or kept as the
node does, the same seeded sample above `max_points`, the same 100 largest bars), the same
`px` call with plotly's own template, and the node's notes as the same annotations under the plot.
`bar`, `line` and `time_series` (the long table of series, the gap rows); the other charts stay calls. A parameter bound to a workflow
parameter (whose value decides which code is written) makes the node a call too.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode

from .common import SAMPLE_SEED, TEMPLATE
from .summaries import MAX_BARS

_IMPORTS = ["import pandas as pd", "import plotly.express as px"]


def _missing_lines(table: str, columns: str, drop: bool) -> list[str]:
    """`common.drop_missing`: the note for rows missing a value in `columns` (and, with `drop`, without them)."""
    return [f"_used = [c for c in dict.fromkeys({columns}) if c]",
            f"_missing = {table}[_used].isna()",
            "_rows = _missing.any(axis=1)",
            f"_count = int(_rows.sum()) if _used and len({table}) else 0",
            "if _count:",
            "    _notes.append(f\"{_count:,} row{'s' if _count != 1 else ''} with missing values in \"",
            "                  + ', '.join(f\"'{c}'\" for c in _used if _missing[c].any()) + ' not drawn')",
            *([f"    {table} = {table}[~_rows]"] if drop else [])]


def _finish_lines(node: NodeCode, fig: str, y_label: str) -> list[str]:
    """`common.finish`: template, title, axis labels, and each note as an annotation under the plot."""
    lit = node.literals
    lines = [f"{fig}.update_layout(template={TEMPLATE!r})"]
    if node.params["title"]:
        lines.append(f"{fig}.update_layout(title={{'text': {lit['title']}}})")
    if node.params["x_label"]:
        lines.append(f"{fig}.update_xaxes(title_text={lit['x_label']})")
    if y_label:
        lines.append(f"{fig}.update_yaxes(title_text={y_label})")
    top = 60 + (30 if node.params["title"] else 0)
    return [*lines,
            "for _index, _text in enumerate(_notes):",
            f"    {fig}.add_annotation(text=_text, xref='paper', yref='paper', x=0, y=1.0, yshift=18 + 16 * _index, "
            "xanchor='left', yanchor='bottom', showarrow=False, font={'size': 11, 'color': '#666'}, "
            "name='dataflow-note')",
            "if _notes:",
            f"    {fig}.update_layout(margin={{'t': {top} + 16 * len(_notes)}})"]


def _fixed(node: NodeCode) -> bool:
    return not any(node.bound(p) for p in node.params)


def bar_code(node: NodeCode) -> Code | None:
    p, lit = node.params, node.literals
    if not _fixed(node) or not p["x"]:
        return None
    table, fig = node.inputs["table"], node.outputs["figure"]
    x, value = p["x"], p["y"] or None
    groups = [x] + [c for c in (p["color"], p["facet"]) if c]
    counting = value is None or p["aggregation"] == "count"
    measure = "count" if counting else f"{p['aggregation']} of {value}"
    lines = [f"_table = {table}", "_notes = []",
             *(_missing_lines("_table", repr([value]), drop=True) if not counting else []),
             f"_keys = (_table[{list(dict.fromkeys(groups))!r}].map(lambda v: '(missing)' if v is None "
             f"or (not isinstance(v, str) and pd.isna(v)) else str(v)) if len(_table) else _table[{groups!r}])"]
    if counting:
        lines.append("_counted = _keys.groupby(list(_keys.columns), sort=True).size().rename('count').reset_index()")
    else:
        lines.append(f"_counted = (_table[{value!r}].groupby([_keys[c] for c in _keys.columns], sort=True)"
                     f".agg({p['aggregation']!r}).rename({measure!r}).reset_index())")
    horizontal = p["orientation"] == "horizontal"
    lines += [f"_categories = _counted[{x!r}].nunique()",
              f"if _categories > {MAX_BARS}:",
              f"    _totals = _counted.groupby({x!r})[{measure!r}].sum().abs().nlargest({MAX_BARS}).index",
              f"    _counted = _counted[_counted[{x!r}].isin(_totals)]",
              f"    _notes.append('Showing the {MAX_BARS} largest of ' + f'{{_categories:,}}' + \" categories of '\" + "
              f"{x!r} + \"'\")",
              f"px.defaults.template = {TEMPLATE!r}",
              f"{fig} = px.bar(_counted, x={(measure if horizontal else x)!r}, y={(x if horizontal else measure)!r}, "
              f"color={p['color'] or None!r}, facet_col={p['facet'] or None!r}, facet_col_wrap=4, "
              f"barmode={lit['barmode']}, orientation={'h' if horizontal else 'v'!r})",
              *_finish_lines(node, fig, lit["y_label"] if p["y_label"] else "")]
    return Code(lines, _IMPORTS)


def line_code(node: NodeCode) -> Code | None:
    p, lit = node.params, node.literals
    if not _fixed(node) or not p["x"] or not p["y"] or (p["color"] and len(p["y"]) > 1):
        return None
    table, fig = node.inputs["table"], node.outputs["figure"]
    placed = [p["x"], *(c for c in (p["color"], p["facet"]) if c)]
    y = list(p["y"]) if len(p["y"]) > 1 else p["y"][0]
    y_label = lit["y_label"] if p["y_label"] else ("" if len(p["y"]) == 1 else "'value'")
    max_points = int(p["max_points"])
    lines = [f"_table = {table}", "_notes = []",
             *_missing_lines("_table", repr([*placed, *p["y"]]), drop=False),
             f"_drawn = _table[_table[{placed!r}].notna().all(axis=1)]",
             f"if len(_drawn) > {max_points}:",
             f"    _notes.append('Showing a random sample of {max_points:,} of ' + f'{{len(_drawn):,}}' + ' rows')",
             f"    _picked = _drawn.sample(n={max_points}, random_state={SAMPLE_SEED})",
             "    _drawn = _picked.sort_index(kind='stable') if _drawn.index.is_monotonic_increasing else _picked",
             f"_drawn = _drawn.sort_values({p['x']!r}, kind='stable')",
             f"px.defaults.template = {TEMPLATE!r}",
             f"{fig} = px.line(_drawn, x={p['x']!r}, y={y!r}, color={p['color'] or None!r}, "
             f"facet_col={p['facet'] or None!r}, facet_col_wrap=4, markers={lit['markers']})",
             *_finish_lines(node, fig, y_label)]
    return Code(lines, _IMPORTS)


def time_series_code(node: NodeCode) -> Code | None:
    from .timeseries import SERIES, VALUE

    p, lit = node.params, node.literals
    if not _fixed(node) or not p["x"] or not p["y"]:
        return None
    table, fig, x, y, group = node.inputs["table"], node.outputs["figure"], p["x"], list(p["y"]), p["color"] or None
    period = str(p["period"]).strip()
    if group is None:
        label = f"_part[{SERIES!r}] = _name"
    elif len(y) == 1:
        label = f"_part[{SERIES!r}] = _labels"
    else:
        label = f"_part[{SERIES!r}] = [f'{{_label}} · {{_name}}' for _label in _labels]"
    lines = [f"if not pd.api.types.is_datetime64_any_dtype({table}[{x!r}].dtype):",
             f"    raise ValueError('column ' + repr({x!r}) + ' holds no dates')",
             f"_table = {table}", "_notes = []", *_missing_lines("_table", repr([x, group]), drop=True),
             "_parts = []",
             f"for _name in {y!r}:  # one row per (time, series)",
             f"    _part = pd.DataFrame({{{x!r}: _table[{x!r}].to_numpy(), {VALUE!r}: _table[_name].to_numpy("
             "dtype='float64', na_value=float('nan'))})",
             *([f"    _labels = _table[{group!r}].map(lambda v: '(missing)' if v is None or (not isinstance(v, str) "
                "and pd.isna(v)) else str(v)).astype(str).to_numpy()"] if group else []),
             f"    {label}",
             "    _parts.append(_part)",
             f"_long = pd.concat(_parts, ignore_index=True).sort_values([{SERIES!r}, {x!r}], kind='stable')"
             ".reset_index(drop=True)"]
    if p["gaps"] == "connect":
        lines += [f"_long = _long[_long[{VALUE!r}].notna()]", "_breaks = _long.head(0)"]
    else:
        lines += [f"_same = _long[{SERIES!r}].eq(_long[{SERIES!r}].shift())",
                  f"_previous = _long[{x!r}].shift()"]
        if period:
            lines += [f"_late = _long[{x!r}] > _previous + pd.tseries.frequencies.to_offset({period!r})"]
        else:
            lines += [f"_steps = (_long[{x!r}] - _previous)[_same]",
                      "_steps = _steps[_steps > pd.Timedelta(0)]",
                      f"_late = None if _steps.empty else (_long[{x!r}] - _previous) > 1.5 * _steps.median()"]
        lines += ["_starts = _long.head(0) if _late is None else _long[_same & _late.fillna(False)]" if not period else
                  "_starts = _long[_same & _late.fillna(False)]",
                  "if _starts.empty:  # a row without a value in the middle of every gap",
                  "    _breaks = _long.head(0)",
                  "else:",
                  "    _before = _previous[_starts.index]",
                  f"    _breaks = pd.DataFrame({{{x!r}: _before + (_starts[{x!r}] - _before) / 2, "
                  f"{SERIES!r}: _starts[{SERIES!r}].to_numpy(), {VALUE!r}: float('nan')}}, index=_starts.index)"
                  "[_long.columns]"]
    max_points = int(p["max_points"])
    colour = repr(SERIES) if group else f"{SERIES!r} if _drawn[{SERIES!r}].nunique() > 1 else None"
    value_label = y[0] if len(y) == 1 else VALUE
    lines += ["_drawn = _long",
              f"if len(_long) > {max_points}:",
              f"    _notes.append('Showing a random sample of {max_points:,} of ' + f'{{len(_long):,}}' + ' points')",
              f"    _picked = _long.sample(n={max_points}, random_state={SAMPLE_SEED})",
              "    _drawn = _picked.sort_index(kind='stable') if _long.index.is_monotonic_increasing else _picked",
              f"_drawn = pd.concat([_drawn, _breaks]).sort_values([{SERIES!r}, {x!r}], kind='stable')",
              f"px.defaults.template = {TEMPLATE!r}",
              f"{fig} = px.line(_drawn, x={x!r}, y={VALUE!r}, color={colour}, "
              f"markers={lit['markers']}, labels={{{VALUE!r}: {value_label!r}, {SERIES!r}: {group or SERIES!r}}})",
              f"{fig}.update_traces(connectgaps={p['gaps'] == 'connect'!r})",
              "if len(_breaks):",
              "    _notes.append(f\"{len(_breaks):,} gap{'s' if len(_breaks) != 1 else ''} where periods have no rows: \"",
              "                  'lines are not joined across')",
              *_finish_lines(node, fig, lit["y_label"] if p["y_label"] else "")]
    return Code(lines, _IMPORTS)


EXPORTERS = {"plotly.bar": bar_code, "plotly.line": line_code, "plotly.time_series": time_series_code}
