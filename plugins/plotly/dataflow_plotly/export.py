"""Plain Plotly Express code for the chart nodes, for `dataflow export` (the `register_exporters` hook).

The code draws the same figure as the node: the same rows (missing values dropped or kept as the
node does, the same seeded sample above `max_points`, the same 100 largest bars), the same
`px` call with plotly's own template, and the node's notes as the same annotations under the plot.
`bar`, `line`, `time_series` (the long table of series, the gap rows), `scatter` (its trend lines
fitted in numpy as the plugin fits them), `pie`, `correlation`, `scatter_matrix`, `box`, `histogram` and `heatmap`, and the model charts
`confusion_matrix`, `roc_curve`, `residuals`, `feature_importance` and `clusters` (reading the
facts sklearn's nodes record in `table.attrs["dataflow"]`, plain pandas data, as the nodes do); the
other charts stay calls. A parameter bound to a workflow parameter (whose value decides which code
is written) makes the node a call too.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode

from .common import SAMPLE_SEED, TEMPLATE
from .summaries import MAX_BARS

_IMPORTS = ["import pandas as pd", "import plotly.express as px", "import plotly.io as pio"]


def _template_lines(fig: str) -> list[str]:
    """`common.finish` sets plotly's own template. A figure drawn where that is the default template (a
    plain script) already has it: setting it again changes nothing in the figure and costs tens of
    milliseconds (the template is validated again), so the script sets it only where it is not."""
    return [f"if pio.templates.default != {TEMPLATE!r}:",
            f"    {fig}.update_layout(template={TEMPLATE!r})"]


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
    lines = _template_lines(fig)
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


# --- model charts (model_charts.py) -----------------------------------------------------------

_GO_IMPORTS = ["import numpy as np", "import pandas as pd", "import plotly.graph_objects as go", "import plotly.io as pio"]
#: `common.group_label`: a category as legend text
_LABEL = "_label = lambda v: '(missing)' if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)"


def _facts_lines(table: str, name: str) -> list[str]:
    """`common.facts_of`: what an sklearn node recorded in `attrs["dataflow"][name]`, or {}."""
    return [f"_recorded = {table}.attrs.get('dataflow')",
            f"_facts = _recorded[{name!r}] if isinstance(_recorded, dict) and isinstance(_recorded.get({name!r}), dict) "
            "else {}"]


def _columns_lines(node: NodeCode) -> list[str]:
    """`model_charts._prediction_columns`: the truth and prediction columns, chosen or as recorded."""
    p = node.params
    return [f"_truth = {p['truth']!r} or _facts.get('truth')" if p["truth"] else "_truth = _facts.get('truth')",
            f"_prediction = {p['prediction']!r} or _facts.get('prediction')" if p["prediction"]
            else "_prediction = _facts.get('prediction')"]


def _titled_lines(fig: str, title: str) -> list[str]:
    """`common.finish` with a title that is never empty (the chart's own when none is chosen)."""
    return [*_template_lines(fig),
            f"{fig}.update_layout(title={{'text': {title}}})",
            "for _index, _text in enumerate(_notes):",
            f"    {fig}.add_annotation(text=_text, xref='paper', yref='paper', x=0, y=1.0, yshift=18 + 16 * _index, "
            "xanchor='left', yanchor='bottom', showarrow=False, font={'size': 11, 'color': '#666'}, "
            "name='dataflow-note')",
            "if _notes:",
            f"    {fig}.update_layout(margin={{'t': 90 + 16 * len(_notes)}})"]


def confusion_matrix_code(node: NodeCode) -> Code | None:
    if not _fixed(node):
        return None
    p, table, fig = node.params, node.inputs["predictions"], node.outputs["figure"]
    normalize = p["normalize"]
    divide = {"true": "_shown = _shown / _counts.sum(axis=1, keepdims=True)",
              "pred": "_shown = _shown / _counts.sum(axis=0, keepdims=True)",
              "all": "_shown = _shown / max(_counts.sum(), 1)"}.get(normalize)
    text = "f'{v:.2f}'" if normalize != "none" else "f'{int(v)}'"
    lines = [*_facts_lines(table, "predictions"), *_columns_lines(node), "_notes = []",
             f"_drawn = {table}[[_truth, _prediction]]",
             *_missing_lines("_drawn", "[_truth, _prediction]", drop=True),
             _LABEL,
             "_true = _drawn[_truth].map(_label).to_numpy()",
             "_predicted = _drawn[_prediction].map(_label).to_numpy()",
             "_classes = [_label(c) for c in _facts.get('classes') or []]  # the model's order, then any others",
             "_extra = sorted((set(_true) | set(_predicted)) - set(_classes))",
             "_classes = _classes + [c for c in _extra if c not in _classes]",
             "_position = {c: i for i, c in enumerate(_classes)}",
             "_counts = np.zeros((len(_classes), len(_classes)), dtype=np.int64)",
             "np.add.at(_counts, (np.array([_position[v] for v in _true], dtype=np.int64),",
             "                    np.array([_position[v] for v in _predicted], dtype=np.int64)), 1)",
             "_shown = _counts.astype(float)",
             *(["with np.errstate(invalid='ignore', divide='ignore'):", f"    {divide}"] if divide else []),
             "_shown = np.nan_to_num(_shown)",
             f"_text = [[{text} for v in row] for row in _shown]",
             f"{fig} = go.Figure(go.Heatmap(z=_shown, x=_classes, y=_classes, text=_text, texttemplate='%{{text}}',",
             f"                           colorscale='Blues', colorbar={{'title': {{'text': "
             f"{'rows' if normalize == 'none' else 'share'!r}}}}},",
             "                           hovertemplate='true %{y}<br>predicted %{x}<br>%{text}<extra></extra>'))",
             f"{fig}.update_xaxes(title_text=f'Predicted ({{_prediction}})', type='category', side='bottom')",
             f"{fig}.update_yaxes(title_text=f'True ({{_truth}})', type='category', autorange='reversed')",
             "_accuracy = np.trace(_counts) / max(_counts.sum(), 1)",
             *_titled_lines(fig, f"{p['title']!r}" if p["title"]
                            else "f'Confusion matrix (accuracy {_accuracy:.3f}, {_counts.sum()} rows)'")]
    return Code(lines, _GO_IMPORTS)


def roc_curve_code(node: NodeCode) -> Code | None:
    if not _fixed(node):
        return None
    p, table, fig = node.params, node.inputs["predictions"], node.outputs["figure"]
    lines = [*_facts_lines(table, "predictions"),
             "_truth, _classes, _columns = _facts['truth'], _facts['classes'], _facts['probabilities']",
             "_notes = []",
             f"_drawn = {table}[[_truth, *_columns]]",
             *_missing_lines("_drawn", "[_truth, *_columns]", drop=True),
             _LABEL,
             "_true = _drawn[_truth].map(_label).to_numpy()",
             f"{fig} = go.Figure()",
             f"{fig}.add_scatter(x=[0, 1], y=[0, 1], mode='lines', name='chance', line={{'dash': 'dash', 'color': '#999'}})",
             "# two classes: the positive (second) class; more: each class against the rest",
             "_curves = [(_classes[1], _columns[1])] if len(_classes) == 2 else list(zip(_classes, _columns))",
             "for _class, _column in _curves:",
             "    _positive = _true == _label(_class)",
             "    if _positive.all() or not _positive.any():",
             "        continue  # no curve for a class the truth holds all or none of",
             "    _score = _drawn[_column].to_numpy(dtype=np.float64)",
             "    _order = np.argsort(-_score, kind='mergesort')",
             "    _score, _positive = _score[_order], _positive[_order]",
             "    _last = np.r_[np.nonzero(np.diff(_score))[0], len(_score) - 1]  # each distinct threshold",
             "    _true_positives = np.cumsum(_positive)[_last]",
             "    _false_positives = _last + 1 - _true_positives",
             "    _tpr = np.r_[0.0, _true_positives / _true_positives[-1]]",
             "    _fpr = np.r_[0.0, _false_positives / _false_positives[-1]]",
             "    _auc = float(np.trapezoid(_tpr, _fpr))",
             f"    {fig}.add_scatter(x=_fpr, y=_tpr, mode='lines', name=f'{{_class}} (AUC {{_auc:.3f}})',",
             "                    hovertemplate='false positive rate %{x:.3f}<br>true positive rate %{y:.3f}')",
             f"{fig}.update_xaxes(title_text='False positive rate', range=[0, 1])",
             f"{fig}.update_yaxes(title_text='True positive rate', range=[0, 1.02])",
             *_titled_lines(fig, repr(p["title"] or "ROC curve"))]
    return Code(lines, _GO_IMPORTS)


def residuals_code(node: NodeCode) -> Code | None:
    if not _fixed(node):
        return None
    p, table, fig = node.params, node.inputs["predictions"], node.outputs["figure"]
    max_points = int(p["max_points"])
    lines = [*_facts_lines(table, "predictions"), *_columns_lines(node), "_notes = []",
             f"_drawn = {table}[[_truth, _prediction]]",
             *_missing_lines("_drawn", "[_truth, _prediction]", drop=True),
             "_actual = _drawn[_truth].to_numpy(dtype=np.float64)",
             "_predicted = _drawn[_prediction].to_numpy(dtype=np.float64)",
             "_error = _actual - _predicted",
             "_rmse = float(np.sqrt(np.mean(_error ** 2))) if len(_error) else float('nan')",
             "_points = _drawn.assign(_residual=_error)",
             f"if len(_points) > {max_points}:",
             f"    _notes.append('Showing a random sample of {max_points:,} of ' + f'{{len(_points):,}}' + ' rows')",
             f"    _picked = _points.sample(n={max_points}, random_state={SAMPLE_SEED})",
             "    _points = _picked.sort_index(kind='stable') if _points.index.is_monotonic_increasing else _picked",
             f"{fig} = go.Figure()"]
    if p["kind"] == "residuals":
        lines += [f"{fig}.add_scatter(x=_points[_prediction], y=_points['_residual'], mode='markers', name='rows',",
                  "                marker={'size': 5, 'opacity': 0.7})",
                  f"{fig}.add_hline(y=0, line={{'dash': 'dash', 'color': '#999'}})",
                  f"{fig}.update_xaxes(title_text=f'Predicted ({{_prediction}})')",
                  f"{fig}.update_yaxes(title_text=f'Residual ({{_truth}} - prediction)')"]
    else:
        lines += [f"{fig}.add_scatter(x=_points[_truth], y=_points[_prediction], mode='markers', name='rows',",
                  "                marker={'size': 5, 'opacity': 0.7})",
                  "_low = float(np.nanmin([_actual.min(), _predicted.min()]))",
                  "_high = float(np.nanmax([_actual.max(), _predicted.max()]))",
                  f"{fig}.add_scatter(x=[_low, _high], y=[_low, _high], mode='lines', name='perfect',",
                  "                line={'dash': 'dash', 'color': '#999'})",
                  f"{fig}.update_xaxes(title_text=f'Actual ({{_truth}})')",
                  f"{fig}.update_yaxes(title_text=f'Predicted ({{_prediction}})')"]
    lines += _titled_lines(fig, f"{p['title']!r}" if p["title"]
                           else "f'Residuals (RMSE {_rmse:.4g}, {len(_drawn)} rows)'")
    return Code(lines, _GO_IMPORTS)


def feature_importance_code(node: NodeCode) -> Code | None:
    if not _fixed(node):
        return None
    p, table, fig = node.params, node.inputs["table"], node.outputs["figure"]
    top = int(p["top"])
    lines = ["_notes = []", f"_table = {table}",
             *_missing_lines("_table", "['importance']", drop=True),
             "_ordered = _table.sort_values('importance', ascending=False, kind='stable')",
             f"if len(_ordered) > {top}:",
             f"    _notes.append(f'Showing the {top} most important of {{len(_ordered)}} features')",
             f"    _ordered = _ordered.head({top})",
             "_spread = _ordered['std'].to_numpy(dtype=np.float64) if 'std' in _ordered.columns else None",
             "_errors = {'type': 'data', 'array': _spread} if _spread is not None and np.isfinite(_spread).any() "
             "else None",
             f"{fig} = go.Figure(go.Bar(x=_ordered['importance'].to_numpy(dtype=np.float64), "
             "y=_ordered['feature'].astype(str).tolist(),",
             "                          orientation='h', error_x=_errors))",
             f"{fig}.update_yaxes(autorange='reversed', type='category')",
             *_facts_lines("_table", "importance"),
             f"{fig}.update_xaxes(title_text={{'permutation': 'Score drop when shuffled', 'builtin': 'Importance'}}"
             ".get(_facts.get('method'), 'Importance'))",
             *_titled_lines(fig, repr(p["title"] or "Feature importance"))]
    return Code(lines, _GO_IMPORTS)


def clusters_code(node: NodeCode) -> Code | None:
    if not _fixed(node) or bool(node.params["x"]) != bool(node.params["y"]):
        return None
    p, table, fig = node.params, node.inputs["table"], node.outputs["figure"]
    max_points = int(p["max_points"])
    lines = [*_facts_lines(table, "clusters"),
             f"_cluster = {p['cluster']!r} or _facts.get('column') or ''" if p["cluster"]
             else "_cluster = _facts.get('column') or ''",
             "_notes = []",
             f"_drawn = {table}",
             f"if len({table}) > {max_points}:",
             f"    _notes.append('Showing a random sample of {max_points:,} of ' + f'{{len({table}):,}}' + ' rows')",
             f"    _picked = {table}.sample(n={max_points}, random_state={SAMPLE_SEED})",
             f"    _drawn = _picked.sort_index(kind='stable') if {table}.index.is_monotonic_increasing else _picked",
             _LABEL,
             "_labels = _drawn[_cluster].map(lambda v: 'noise' if v == -1 else _label(v))"]
    if p["x"]:
        x, y = p["x"], p["y"]
        lines += [f"_frame = _drawn[[{x!r}, {y!r}]].assign(cluster=_labels.to_numpy())",
                  f"_x, _y, _x_title, _y_title = {x!r}, {y!r}, {x!r}, {y!r}"]
    else:  # the first two principal components of the clustering features (numpy SVD)
        lines += [f"_features = [f for f in _facts.get('features') or [] if f in {table}.columns]",
                  f"_values = {table}[_features].to_numpy(dtype=np.float64, na_value=np.nan)",
                  "_complete = np.isfinite(_values).all(axis=1)",
                  "_centred = _values[_complete] - _values[_complete].mean(axis=0)",
                  "if bool(_facts.get('standardized', True)):",
                  "    _spread = _centred.std(axis=0)",
                  "    _centred = _centred / np.where(_spread == 0, 1.0, _spread)",
                  "_, _singular, _vectors = np.linalg.svd(_centred, full_matrices=False)",
                  "_projected = np.full((len(_values), 2), np.nan)",
                  "_projected[_complete] = _centred @ _vectors[:2].T",
                  "_variance = _singular ** 2",
                  "_ratio = _variance[:2] / _variance.sum() if _variance.sum() > 0 else np.zeros(2)",
                  f"_components = pd.DataFrame(_projected, index={table}.index, columns=['PC1', 'PC2'])",
                  "_frame = _components.loc[_drawn.index].assign(cluster=_labels.to_numpy())",
                  "_x, _y = 'PC1', 'PC2'",
                  "_x_title, _y_title = f'PC1 ({_ratio[0]:.0%} of variance)', f'PC2 ({_ratio[1]:.0%} of variance)'"]
    lines += ["_order = sorted(_frame['cluster'].unique(), key=lambda v: (v == 'noise', len(v), v))",
              f"px.defaults.template = {TEMPLATE!r}",
              f"{fig} = px.scatter(_frame, x=_x, y=_y, color='cluster', category_orders={{'cluster': _order}})",
              f"{fig}.update_xaxes(title_text=_x_title)",
              f"{fig}.update_yaxes(title_text=_y_title)",
              "_found = len([c for c in _order if c != 'noise'])",
              *_titled_lines(fig, f"{p['title']!r}" if p["title"]
                             else "f\"{_found} cluster{'s' if _found != 1 else ''}\"")]
    return Code(lines, [*_GO_IMPORTS, "import plotly.express as px"])


# --- scatter, pie, correlation and scatter matrix ------------------------------------------------------

def _finish(fig: str, title: str, x_label: str = "", y_label: str = "") -> list[str]:
    """`common.finish` with values known when exporting (empty: not set)."""
    lines = _template_lines(fig)
    if title:
        lines.append(f"{fig}.update_layout(title={{'text': {title!r}}})")
    if x_label:
        lines.append(f"{fig}.update_xaxes(title_text={x_label!r})")
    if y_label:
        lines.append(f"{fig}.update_yaxes(title_text={y_label!r})")
    return [*lines,
            "for _index, _text in enumerate(_notes):",
            f"    {fig}.add_annotation(text=_text, xref='paper', yref='paper', x=0, y=1.0, yshift=18 + 16 * _index, "
            "xanchor='left', yanchor='bottom', showarrow=False, font={'size': 11, 'color': '#666'}, "
            "name='dataflow-note')",
            "if _notes:",
            f"    {fig}.update_layout(margin={{'t': {60 + (30 if title else 0)} + 16 * len(_notes)}})"]


def _sample_lines(source: str, max_points: int) -> list[str]:
    """`common.sample`: at most `max_points` rows of `source` into `_drawn` (seeded, in the original order)."""
    return [f"_drawn = {source}",
            f"if len({source}) > {max_points}:",
            f"    _notes.append('Showing a random sample of {max_points:,} of ' + f'{{len({source}):,}}' + ' rows')",
            f"    _picked = {source}.sample(n={max_points}, random_state={SAMPLE_SEED})",
            f"    _drawn = _picked.sort_index(kind='stable') if {source}.index.is_monotonic_increasing else _picked"]


#: `common.numeric_columns`: numbers, not true/false
_NUMBERS = ("[c for c in {0}.columns if pd.api.types.is_numeric_dtype({0}[c].dtype) "
            "and not pd.api.types.is_bool_dtype({0}[c].dtype)]")


def _trend_lines(fig: str, kind: str) -> list[str]:
    """`relations._add_trendlines` with `fits.ols` / `fits.lowess` written out in numpy: one line per marker trace
    (colour group x facet), fitted to its finite points (dates as nanoseconds), on its axes and in its colour."""
    from .fits import GRID

    lines = [f"for _trace in list({fig}.data):",
             "    if _trace.type not in ('scatter', 'scattergl') or _trace.x is None or _trace.y is None:",
             "        continue",
             "    _values = np.asarray(_trace.x)",
             "    _dates = np.issubdtype(_values.dtype, np.datetime64)",
             "    try:",
             "        _xs = (_values.astype('datetime64[ns]').astype(np.int64) if _dates else _values).astype(np.float64)",
             "        _ys = np.asarray(_trace.y, dtype=np.float64)",
             "    except (TypeError, ValueError):",
             "        continue  # text on an axis: no trend line",
             "    _keep = np.isfinite(_xs) & np.isfinite(_ys)",
             "    if _keep.sum() < 2 or np.ptp(_xs[_keep]) == 0:",
             "        continue",
             "    _xs, _ys = _xs[_keep], _ys[_keep]"]
    if kind == "ols":  # the least-squares straight line and its R2
        lines += ["    _slope, _intercept = np.polyfit(_xs, _ys, 1)",
                  "    _total = float(((_ys - _ys.mean()) ** 2).sum())",
                  "    _r2 = 1.0 - float(((_ys - (_slope * _xs + _intercept)) ** 2).sum()) / _total if _total > 0 "
                  "else float('nan')",
                  "    _fit_x = np.array([_xs.min(), _xs.max()])",
                  "    _fit_y = _slope * _fit_x + _intercept",
                  "    _name = f'OLS (R\u00b2 = {_r2:.3f})'",
                  "    _hover = (f'y = {float(_slope):.4g}\u00b7x + {float(_intercept):.4g}<br>R\u00b2 = {_r2:.4f}'",
                  "              '<extra></extra>')"]
    else:  # LOWESS: tricube weights over the nearest 2/3 of the points, on at most GRID x values
        lines += ["    _k = min(len(_xs), max(3, int(np.ceil(2 / 3 * len(_xs)))))",
                  f"    _fit_x = np.unique(_xs) if len(np.unique(_xs)) <= {GRID} else np.linspace(_xs.min(), _xs.max(), "
                  f"{GRID})",
                  "    _fit_y = np.empty(len(_fit_x))",
                  "    for _i, _g in enumerate(_fit_x):",
                  "        _distance = np.abs(_xs - _g)",
                  "        _reach = np.partition(_distance, _k - 1)[_k - 1]",
                  "        _weight = (np.clip(1 - (_distance / _reach) ** 3, 0, None) ** 3 if _reach > 0",
                  "                   else (_distance == 0).astype(float))",
                  "        _sum = _weight.sum()",
                  "        _mean_x, _mean_y = (_weight * _xs).sum() / _sum, (_weight * _ys).sum() / _sum",
                  "        _spread = (_weight * (_xs - _mean_x) ** 2).sum()",
                  "        _slope = (_weight * (_xs - _mean_x) * (_ys - _mean_y)).sum() / _spread if _spread > 0 else 0.0",
                  "        _fit_y[_i] = _mean_y + _slope * (_g - _mean_x)",
                  "    _name, _hover = 'LOWESS', None"]
    return [*lines,
            "    if _dates:",
            "        _fit_x = _fit_x.astype(np.int64).astype('datetime64[ns]')",
            "    _colour = _trace.marker.color if isinstance(_trace.marker.color, str) else None",
            f"    {fig}.add_scatter(x=_fit_x, y=_fit_y, mode='lines', name=(f'{{_trace.name}} ' if _trace.name else '') + _name,",
            "                      line={'color': _colour}, xaxis=_trace.xaxis, yaxis=_trace.yaxis,",
            "                      legendgroup=_trace.legendgroup, hovertemplate=_hover, showlegend=True)"]


def scatter_code(node: NodeCode) -> Code | None:
    p = node.params
    if not _fixed(node) or not p["x"] or not p["y"]:
        return None
    table, fig = node.inputs["table"], node.outputs["figure"]
    options = {name: p[name] for name in ("color", "size", "symbol", "facet") if p[name]}
    return Code([f"_table = {table}", "_notes = []",
                 *_missing_lines("_table", repr([p["x"], p["y"], *options.values()]), drop=True),
                 *_sample_lines("_table", int(p["max_points"])),
                 f"px.defaults.template = {TEMPLATE!r}",
                 f"{fig} = px.scatter(_drawn, x={p['x']!r}, y={p['y']!r}, color={options.get('color')!r}, "
                 f"size={options.get('size')!r}, symbol={options.get('symbol')!r}, facet_col={options.get('facet')!r}, "
                 "facet_col_wrap=4)",
                 *(_trend_lines(fig, p["trendline"]) if p["trendline"] != "none" else []),
                 *_finish(fig, p["title"], p["x_label"], p["y_label"])],
                [*_IMPORTS, "import numpy as np"] if p["trendline"] != "none" else _IMPORTS)


def pie_code(node: NodeCode) -> Code | None:
    p = node.params
    if not _fixed(node) or not p["names"]:
        return None
    table, fig, value, keep = node.inputs["table"], node.outputs["figure"], p["values"] or None, int(p["max_slices"])
    lines = [f"_table = {table}", "_notes = []"]
    if value:
        lines += _missing_lines("_table", repr([value]), drop=True)
    lines += [_LABEL, f"_labels = _table[{p['names']!r}].map(_label)  # a missing category is a slice: (missing)",
              "_totals = _labels.value_counts()" if value is None else
              f"_totals = _table[{value!r}].groupby(_labels).sum().sort_values(ascending=False)",
              f"if len(_totals) > {keep}:",
              f"    _rest = _totals.iloc[{keep - 1}:]",
              f"    _totals = _totals.iloc[:{keep - 1}].copy()",
              "    _totals[f'Other ({len(_rest)} categories)'] = _rest.sum()",
              "    _notes.append(f\"The smallest {len(_rest)} categories are combined into 'Other'\")",
              f"{fig} = go.Figure(go.Pie(labels=[str(i) for i in _totals.index], values=_totals.to_numpy(), "
              f"hole={p['hole']!r}, sort=False))",
              *_finish(fig, p["title"])]
    return Code(lines, _GO_IMPORTS)


def correlation_code(node: NodeCode) -> Code | None:
    if not _fixed(node):
        return None
    p, table, fig = node.params, node.inputs["table"], node.outputs["figure"]
    chosen = repr(list(p["columns"])) if p["columns"] else _NUMBERS.format(table)
    show = bool(p["show_values"])
    method = p["method"]
    return Code([f"_chosen = {chosen}",
                 f"_values = {table}[_chosen].astype(float).corr(method={method!r}).to_numpy()",
                 "_text = np.where(np.isnan(_values), '', np.vectorize(lambda v: f'{v:.2f}')(_values))" if show
                 else "_text = None",
                 f"{fig} = go.Figure(go.Heatmap(z=_values, x=[str(c) for c in _chosen], y=[str(c) for c in _chosen], "
                 f"zmin=-1, zmax=1, colorscale='RdBu', text=_text, texttemplate={'%{text}' if show else None!r}, "
                 f"colorbar={{'title': {{'text': {method!r}}}}}, hoverongaps=False))",
                 f"{fig}.update_yaxes(autorange='reversed')",
                 f"_constant = [c for c in _chosen if {table}[c].nunique(dropna=True) <= 1]",
                 "_notes = [f\"No correlation for constant column(s): {', '.join(map(str, _constant))}\"] if _constant "
                 "else []",
                 *_finish(fig, p["title"] or f"{method.capitalize()} correlation")], _GO_IMPORTS)


def scatter_matrix_code(node: NodeCode) -> Code | None:
    if not _fixed(node):
        return None
    p, table, fig = node.params, node.inputs["table"], node.outputs["figure"]
    chosen = repr(list(p["columns"])) if p["columns"] else f"{_NUMBERS.format(table)}[:6]"
    return Code(["_notes = []", f"_chosen = {chosen}", *_sample_lines(table, int(p["max_points"])),
                 f"px.defaults.template = {TEMPLATE!r}",
                 f"{fig} = px.scatter_matrix(_drawn, dimensions=_chosen, color={p['color'] or None!r})",
                 f"{fig}.update_traces(diagonal_visible=False, marker={{'size': 4}})",
                 *_finish(fig, p["title"])], _IMPORTS)


def box_code(node: NodeCode) -> Code | None:
    p = node.params
    if not _fixed(node) or not p["y"]:
        return None
    table, fig, y, kind = node.inputs["table"], node.outputs["figure"], p["y"], p["kind"]
    x, color, facet = p["x"] or None, p["color"] or None, p["facet"] or None
    max_points = int(p["max_points"])
    small = [*_missing_lines("_table", repr([y, x, color, facet]), drop=True),
             *_sample_lines("_table", max_points),
             f"px.defaults.template = {TEMPLATE!r}",
             f"{fig} = px.{kind}(_drawn, x={x!r}, y={y!r}, color={color!r}, facet_col={facet!r}, facet_col_wrap=4)"]
    lines = [f"_table = {table}", "_notes = []"]
    if kind == "box" and facet is None:  # above max_points: boxes from quartiles over every row
        big = [*_missing_lines("_table", repr([y]), drop=True),
               _LABEL,
               f"_data = _table[{[c for c in dict.fromkeys((color, x, y)) if c]!r}].dropna(subset=[{y!r}])",
               f"{fig} = go.Figure()",
               (f"_colour_groups = _data.groupby(_data[{color!r}].map(_label), sort=True)" if color
                else f"_colour_groups = [({y!r}, _data)]"),
               "for _colour, _part in _colour_groups:",
               (f"    _boxes = _part.groupby(_part[{x!r}].map(_label), sort=True)" if x
                else f"    _boxes = [({y!r}, _part)]"),
               "    _stats = []",
               "    for _name, _group in _boxes:  # quartiles, mean and Tukey fences",
               f"        _v = _group[{y!r}].to_numpy(dtype=np.float64)",
               "        _q1, _median, _q3 = np.percentile(_v, [25, 50, 75])",
               "        _reach = 1.5 * (_q3 - _q1)",
               "        _inside = _v[(_v >= _q1 - _reach) & (_v <= _q3 + _reach)]",
               "        _stats.append((str(_name), {'q1': float(_q1), 'median': float(_median), 'q3': float(_q3),",
               "                                    'lowerfence': float(_inside.min()), "
               "'upperfence': float(_inside.max()), 'mean': float(_v.mean())}))",
               f"    {fig}.add_trace(go.Box(x=[n for n, _ in _stats], name=str(_colour), boxpoints=False,",
               "                         **{k: [s[k] for _, s in _stats] for k in ('q1', 'median', 'q3', 'lowerfence', "
               "'upperfence', 'mean')}))",
               *([f"{fig}.update_layout(boxmode='group')"] if color else []),
               f"_notes.append(f'Boxes computed over all {{len(_table):,}} rows; outlier points are not drawn above "
               f"{max_points:,} rows')"]
        lines += [f"if len(_table) > {max_points}:", *(f"    {line}" for line in big),
                  "else:", *(f"    {line}" for line in small)]
    else:
        lines += small
    return Code([*lines, *_finish(fig, p["title"], p["x_label"], p["y_label"])], _GO_IMPORTS + ["import plotly.express as px"])


def histogram_code(node: NodeCode) -> Code | None:
    p = node.params
    if not _fixed(node) or not p["x"] or (p["color"] and p["color"] == p["facet"]):
        return None
    table, fig, x = node.inputs["table"], node.outputs["figure"], p["x"]
    color, facet = p["color"] or None, p["facet"] or None
    groups = [c for c in (color, facet) if c]
    overlay = p["barmode"] == "overlay"
    lines = [f"_series = {table}[{x!r}]", "_notes = []", _LABEL,
             (f"_labels = {table}[{groups!r}].map(_label)" if groups else f"_labels = pd.DataFrame(index={table}.index)"),
             "_is_number = (pd.api.types.is_numeric_dtype(_series.dtype) and not pd.api.types.is_bool_dtype(_series.dtype)) "
             "or pd.api.types.is_datetime64_any_dtype(_series.dtype)",
             ("_keys = [tuple(k) if isinstance(k, tuple) else (k,) for k in _labels.drop_duplicates()"
              ".itertuples(index=False)]" if groups else "_keys = [()]"),
             "_width = None",
             "_frames = []",
             "def _mask(key):  # the rows of one colour / facet group",
             "    mask = np.ones(len(_labels), dtype=bool)",
             f"    for name, value in zip({groups!r}, key):",
             "        mask &= (_labels[name] == value).to_numpy()",
             "    return mask",
             "def _with_keys(frame, key):",
             f"    for name, value in zip({groups!r}, key):",
             "        frame[name] = value",
             "    return frame",
             "if _is_number:  # bins over every row",
             *(f"    {line}" for line in _missing_lines(table, repr([x]), drop=False)),
             "    _dates = pd.api.types.is_datetime64_any_dtype(_series.dtype)",
             "    if _dates:  # as nanoseconds",
             "        _stamps = _series.dt.tz_localize(None) if getattr(_series.dt, 'tz', None) is not None else _series",
             "        _values = _stamps.to_numpy(dtype='datetime64[ns]').astype(np.int64).astype(np.float64)",
             "        _values[_series.isna().to_numpy()] = np.nan",
             "    else:",
             "        _values = _series.to_numpy(dtype=np.float64, na_value=np.nan)",
             "    _finite = _values[np.isfinite(_values)]",
             f"    _edges = np.histogram_bin_edges(_finite, bins={int(p['bins'])})",
             "    _centers = (_edges[:-1] + _edges[1:]) / 2",
             "    _width = float(_edges[1] - _edges[0]) if len(_edges) > 1 else 1.0",
             "    for _key in _keys:",
             "        _counts, _ = np.histogram(_values[_mask(_key) & np.isfinite(_values)], bins=_edges)",
             f"        _frames.append(_with_keys(pd.DataFrame({{{x!r}: pd.to_datetime(_centers) if _dates else _centers, "
             "'count': _counts}), _key))",
             "else:  # a bar per category",
             "    for _key in _keys:",
             "        _counts = _series[_mask(_key)].map(_label).value_counts(sort=False).sort_index()",
             f"        _frames.append(_with_keys(pd.DataFrame({{{x!r}: _counts.index, 'count': _counts.to_numpy()}}), _key))",
             "_data = pd.concat(_frames, ignore_index=True)"]
    measure = "count"
    if p["histnorm"] != "count":
        measure = p["histnorm"]
        totals = f"_data.groupby({groups!r})['count'].transform('sum')" if groups else "_data['count'].sum()"
        lines += [f"_share = _data['count'] / {totals}",
                  f"_data[{measure!r}] = " + ("_share * 100" if measure == "percent" else "_share / (_width or 1.0)")]
    lines += [f"px.defaults.template = {TEMPLATE!r}",
              f"{fig} = px.bar(_data, x={x!r}, y={measure!r}, color={color!r}, facet_col={facet!r}, facet_col_wrap=4, "
              f"barmode={'overlay' if overlay else 'stack'!r}, opacity={0.65 if overlay and color else None!r})",
              "if _width is not None:  # dates: milliseconds on the axis",
              f"    {fig}.update_traces(width=_width / 1e6 if pd.api.types.is_datetime64_any_dtype(_series.dtype) "
              "else _width)",
              f"{fig}.update_layout(bargap=0.02 if _width is not None else 0.2)",
              *_finish(fig, p["title"], p["x_label"], p["y_label"])]
    return Code(lines, _IMPORTS + ["import numpy as np"])


def heatmap_code(node: NodeCode) -> Code | None:
    p = node.params
    if not _fixed(node) or (p["mode"] == "columns" and not (p["x"] and p["y"])):
        return None
    table, fig = node.inputs["table"], node.outputs["figure"]
    lines = ["_notes = []", _LABEL]
    if p["mode"] == "columns":
        x, y, z = p["x"], p["y"], p["z"] or None
        lines.append(f"_keys = [{table}[{x!r}].map(_label).rename({x!r}), {table}[{y!r}].map(_label).rename({y!r})]")
        if z is None or p["aggregation"] == "count":
            lines.append(f"_grid = {table}.groupby(_keys, sort=True).size().unstack(0)")
            label = "count"
        else:
            lines.append(f"_grid = {table}[{z!r}].groupby(_keys, sort=True).agg({p['aggregation']!r}).unstack(0)")
            label = f"{p['aggregation']} of {z}"
        lines.append("_x, _y, _cells = list(_grid.columns), list(_grid.index), _grid.to_numpy(dtype=float)")
    else:
        chosen = repr(list(p["columns"])) if p["columns"] else _NUMBERS.format(table)
        rows = int(p["max_rows"])
        lines += [f"_chosen = {chosen}",
                  f"_shown = {table}",
                  f"if len({table}) > {rows}:",
                  f"    _shown = {table}.head({rows})",
                  f"    _notes.append('Showing the first {rows:,} of ' + f'{{len({table}):,}}' + ' rows')",
                  "_x = [str(c) for c in _chosen]",
                  f"_y = [_label(v) for v in _shown[{p['y']!r}]]" if p["y"] else "_y = [str(i) for i in _shown.index]",
                  "_cells = _shown[_chosen].to_numpy(dtype=float, na_value=float('nan'))"]
        label = "value"
    lines += [f"{fig} = go.Figure(go.Heatmap(z=_cells, x=_x, y=_y, colorscale={p['colorscale']!r}, "
              f"colorbar={{'title': {{'text': {label!r}}}}}, hoverongaps=False))",
              f"{fig}.update_yaxes(autorange='reversed', type='category')",
              f"{fig}.update_xaxes(type='category')",
              *_finish(fig, p["title"], p["x_label"], p["y_label"])]
    return Code(lines, _GO_IMPORTS)


EXPORTERS = {"plotly.bar": bar_code, "plotly.line": line_code, "plotly.time_series": time_series_code,
             "plotly.confusion_matrix": confusion_matrix_code, "plotly.roc_curve": roc_curve_code,
             "plotly.residuals": residuals_code, "plotly.feature_importance": feature_importance_code,
             "plotly.clusters": clusters_code, "plotly.scatter": scatter_code, "plotly.pie": pie_code,
             "plotly.correlation": correlation_code, "plotly.scatter_matrix": scatter_matrix_code,
             "plotly.box": box_code, "plotly.histogram": histogram_code, "plotly.heatmap": heatmap_code}
