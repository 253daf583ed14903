"""Plain scikit-learn code for the sklearn nodes, for `dataflow export` (the `register_exporters` hook).

- `train_test_split`: the node's one call of scikit-learn's `train_test_split` with the same
  fraction, seed and stratify labels.
- `train_classifier` / `train_regressor` with a built-in model: the same estimator built with the
  same hyperparameters (defaults filled in, the same `random_state`), fitted on the same float
  matrix and target array. The script's model is a plain dict, not the plugin's `TrainedModel`:
  `{"estimator", "task", "features", "target", "model", "classes"}`. It is a stand-in
  (`Code.plain_outputs`): only the plain `predict`, `cross_validate`, `feature_importance` and
  `tune` below read it, and a workflow that feeds it to a node still called into the plugin
  (`save_model`) calls the training node too.
- `predict` of such a dict: the same prediction and `probability_<class>` columns, and the same
  facts in `table.attrs["dataflow"]["predictions"]` (plain pandas data) that `evaluate` and the
  model charts read, whether they are plain code or calls.
- `evaluate` of `predict`'s output with its columns and task left to those facts: the same metrics
  with the same names, averages and rows (`metrics.py`).
- `cross_validate`: clones of the estimator fitted on the same (stratified) folds and scored the
  same way; `feature_importance`: the estimator's own importances or coefficients, or the same
  seeded permutations; `tune`: the candidates drawn when exporting, as the node draws them (grid,
  or random with the seed), each scored on the same folds, the best retrained on the whole table
  (a dict stand-in too).
- `scale`, `encode` and `pca`: the same scaler, encoder or pipeline fitted on the same matrix; the
  fitted transformer is a dict stand-in (`{"transformer", "kind", "method", "columns",
  "output_columns"}`) read by the plain `apply_transformer`.
- `compare_metrics`: the same table and best model; `cluster` with a built-in clusterer: the same
  estimator on the same (standardized) matrix, and the facts `plotly.clusters` reads.

A model chosen by a workflow parameter whose values are known (a choice parameter, or the values a
loop gives its body) is a dict of the candidate estimators keyed by those values, the constant picking
one; `tune` of such a model stays a call (its candidates depend on the model).

Model files (`save_model`, `load_model`: skops with the plugin's trust list) stay calls into the
plugin, as does a model of another pack.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode

from . import builtin_models
from .registered import estimator_of

#: built-in model id -> (scikit-learn class as the script names it, arguments the factory adds itself)
_CLASSES: dict[str, tuple[str, dict]] = {
    "logistic_regression": ("sklearn.linear_model.LogisticRegression", {}),
    "random_forest_classifier": ("sklearn.ensemble.RandomForestClassifier", {}),
    "gradient_boosting_classifier": ("sklearn.ensemble.GradientBoostingClassifier", {}),
    "knn_classifier": ("sklearn.neighbors.KNeighborsClassifier", {}),
    "svm_classifier": ("sklearn.svm.SVC", {}),
    "linear_regression": ("sklearn.linear_model.LinearRegression", {}),
    "ridge": ("sklearn.linear_model.Ridge", {}),
    "lasso": ("sklearn.linear_model.Lasso", {}),
    "random_forest_regressor": ("sklearn.ensemble.RandomForestRegressor", {}),
    "gradient_boosting_regressor": ("sklearn.ensemble.GradientBoostingRegressor", {}),
    "kmeans": ("sklearn.cluster.KMeans", {"n_init": 10}),
    "dbscan": ("sklearn.cluster.DBSCAN", {}),
}
#: built-in model id -> the scikit-learn class the factory wraps the estimator in, and its arguments
_WRAPPERS = {"svm_classifier": ("sklearn.calibration.CalibratedClassifierCV", "ensemble=False")}
_FACTORIES = {f"sklearn.{fn.__name__}": fn for fn in builtin_models.ALL}
_NUMERIC = ("(pd.api.types.is_numeric_dtype({0}.dtype) or pd.api.types.is_bool_dtype({0}.dtype)) "
            "and not isinstance({0}.dtype, pd.CategoricalDtype)")
_IMPORTS = ["import numpy as np", "import pandas as pd"]


def train_test_split_code(node: NodeCode) -> Code | None:
    if node.bound("stratify"):
        return None
    table, lit = node.inputs["table"], node.literals
    labels = f"{table}[{lit['stratify']}].to_numpy(dtype=object)" if node.params["stratify"] else "None"
    train, test = node.outputs["train"], node.outputs["test"]
    return Code([f"{train}, {test} = sklearn.model_selection.train_test_split({table}, test_size={lit['test_fraction']}, "
                 f"random_state={lit['seed']}, stratify={labels})"], ["import sklearn.model_selection"])


def _estimator(model_id: str, hyperparameters: dict, kind: str | None = None) -> tuple[str, list[str]] | None:
    """The estimator's construction as source and its imports, for a built-in model (of `kind` when given:
    classifier, regressor); None otherwise."""
    factory = _FACTORIES.get(model_id) if isinstance(model_id, str) else None
    if factory is None or (kind is not None and estimator_of(factory).kind != kind):
        return None
    try:
        values = estimator_of(factory).check(hyperparameters)
    except ValueError:
        return None
    path, extra = _CLASSES[factory.__name__]
    arguments = ", ".join(f"{name}={value!r}" for name, value in {**values, **extra}.items())
    construction, imports = f"{path}({arguments})", [f"import {path.rsplit('.', 1)[0]}"]
    if factory.__name__ in _WRAPPERS:
        wrapper, wrapper_arguments = _WRAPPERS[factory.__name__]
        construction = f"{wrapper}({construction}, {wrapper_arguments})"
        imports.append(f"import {wrapper.rsplit('.', 1)[0]}")
    return construction, imports


def _chosen_estimator(node: NodeCode, task: str) -> tuple[list[str], list[str]] | None:
    """A model bound to a workflow parameter whose values are known (a choice parameter's choices, or a loop's
    values): a dict of the candidate estimators keyed by those values, and the lines picking the one the
    constant names (a value that is no built-in model of this task stops the script, as the node stops)."""
    from .fitting import TASK_KIND

    choices = node.context.get("choices", {}).get("model")
    if not choices:
        return None
    built = {value: _estimator(value, node.params["hyperparameters"], TASK_KIND[task]) for value in choices
             if isinstance(value, str)}
    usable = {value: made for value, made in built.items() if made is not None}
    if not usable:
        return None
    constant = node.literals["model"]
    lines = ["_estimators = {  # the values the workflow parameter can take",
             *(f"    {value!r}: {construction}," for value, (construction, _) in usable.items()), "}",
             f"if {constant} not in _estimators:",
             f"    raise ValueError('model ' + repr({constant}) + ' is not one of ' + ', '.join(_estimators))"]
    return lines, sorted({module for _, modules in usable.values() for module in modules})


def _train_code(node: NodeCode, task: str) -> Code | None:
    p = node.params
    if any(node.bound(name) for name in ("target", "features", "hyperparameters")) or not p["target"]:
        return None
    if node.bound("model"):
        chosen = _chosen_estimator(node, task)
        if chosen is None:
            return None
        picking, modules = chosen
        construction, model_id = f"_estimators[{node.literals['model']}]", node.literals["model"]
    else:
        built = _estimator(p["model"], p["hyperparameters"])
        if built is None:
            return None
        picking, modules = [], built[1]
        construction, model_id = built[0], repr(p["model"])
    table, model, target = node.inputs["table"], node.outputs["model"], p["target"]
    features = repr(list(p["features"])) if p["features"] else f"[c for c in {table}.columns if c != {target!r}]"
    if task == "regression":
        y = "_y.to_numpy(dtype=np.float64)"
    else:
        y = f"_y.to_numpy() if {_NUMERIC.format('_y')} else _y.to_numpy(dtype=object)"
    pad = " " * (len(model) + 4)
    lines = [*picking,
             f"_features = {features}",
             f"_y = {table}[{target!r}]",
             f"{model} = {{'estimator': {construction},",
             f"{pad}'task': {task!r}, 'features': _features, 'target': {target!r}, 'model': {model_id}}}",
             f"{model}['estimator'].fit({table}[_features].to_numpy(dtype=np.float64, na_value=np.nan),",
             f"{' ' * (len(model) + 19)}{y})"]
    if task == "classification":
        lines.append(f"{model}['classes'] = [c.item() if callable(getattr(c, 'item', None)) else c "
                     f"for c in {model}['estimator'].classes_]")
    else:
        lines.append(f"{model}['classes'] = []")
    return Code(lines, [*_IMPORTS, *modules], plain_outputs=("model",))


def train_classifier_code(node: NodeCode) -> Code | None:
    return _train_code(node, "classification")


def train_regressor_code(node: NodeCode) -> Code | None:
    return _train_code(node, "regression")


def predict_code(node: NodeCode) -> Code | None:
    """Only for a model the plain training (or tuning) code made (`plain_inputs`)."""
    source = node.context.get("sources", {}).get("model")
    if "model" not in node.plain_inputs or source not in ("sklearn.train_classifier", "sklearn.train_regressor",
                                                           "sklearn.tune"):
        return None
    model, table, out = node.inputs["model"], node.inputs["table"], node.outputs["table"]
    lines = [f"_X = {table}[{model}['features']].to_numpy(dtype=np.float64, na_value=np.nan)",
             f"{out} = {table}.copy(deep=False)",
             f"_predicted = {model}['estimator'].predict(_X) if len({out}) else np.array([])"]
    classes = [f"_text = bool({model}['classes']) and all(isinstance(c, str) for c in {model}['classes'])",
               f"{out}['prediction'] = pd.Series(_predicted, index={out}.index, dtype='str' if _text else None)",
               f"_scores = ({model}['estimator'].predict_proba(_X) if len({out}) "
               f"else np.zeros((0, len({model}['classes']))))",
               f"_probabilities = [f'probability_{{c}}' for c in {model}['classes']]",
               "for _index, _column in enumerate(_probabilities):",
               f"    {out}[_column] = _scores[:, _index]"]
    numbers = [f"{out}['prediction'] = pd.Series(_predicted, index={out}.index)", "_probabilities = []"]
    if source == "sklearn.train_classifier":
        lines += classes
    elif source == "sklearn.train_regressor":
        lines += numbers
    else:  # a tuned model: classifier or regressor as its training was
        lines += [f"if {model}['task'] == 'classification':", *(f"    {line}" for line in classes),
                  "else:", *(f"    {line}" for line in numbers)]
    lines += ["# what sklearn.predict records for sklearn.evaluate and the model charts",
              f"_recorded = {out}.attrs.get('dataflow')",
              f"{out}.attrs = {{**{out}.attrs, 'dataflow': {{**(_recorded if isinstance(_recorded, dict) else {{}}), "
              "'predictions': {",
              f"    'task': {model}['task'], 'truth': {model}['target'] if {model}['target'] in {table}.columns "
              "else None,",
              f"    'prediction': 'prediction', 'classes': list({model}['classes']), 'probabilities': _probabilities,",
              f"    'model': {model}['model'], 'features': list({model}['features'])}}}}}}"]
    return Code(lines, _IMPORTS)


def evaluate_code(node: NodeCode) -> Code | None:
    """Only for the output of sklearn.predict with the columns and the task left to what it recorded."""
    p = node.params
    if node.context.get("sources", {}).get("predictions") != "sklearn.predict" or p["truth"] or p["prediction"] \
            or p["task"] != "auto" or any(node.bound(name) for name in ("truth", "prediction", "task")):
        return None
    table, out = node.inputs["predictions"], node.outputs["metrics"]
    numeric = _NUMERIC.format("_column")
    lines = [
        f"_facts = {table}.attrs['dataflow']['predictions']  # recorded by sklearn.predict",
        "_truth, _prediction = _facts['truth'], _facts['prediction']",
        "if not _truth:",
        "    raise ValueError('the predictions table has no truth column: the target column was not in the table '",
        "                     'given to predict')",
        f"_rows = {table}[[_truth, _prediction]]",
        "_rows = _rows[_rows.notna().all(axis=1)]",
        "if _facts['task'] == 'regression':",
        "    _t, _p = _rows[_truth].to_numpy(dtype=float), _rows[_prediction].to_numpy(dtype=float)",
        f"    {out} = {{'r2': float(sklearn.metrics.r2_score(_t, _p)),",
        "               'mae': float(sklearn.metrics.mean_absolute_error(_t, _p)),",
        "               'rmse': float(np.sqrt(sklearn.metrics.mean_squared_error(_t, _p))), 'rows': len(_t)}",
        "else:",
        "    _t, _p = [_column.to_numpy() if " + numeric + " else _column.to_numpy(dtype=object)",
        "              for _column in (_rows[_truth], _rows[_prediction])]",
        "    _classes = _facts['classes'] or sorted(set(_t.tolist()) | set(_p.tolist()), key=lambda v: (str(type(v)), v))",
        "    _columns = _facts['probabilities']",
        f"    _scores = ({table}.loc[_rows.index, _columns].to_numpy(dtype=np.float64)",
        f"               if _columns and all(c in {table}.columns for c in _columns) else None)",
        "    _binary = len(_classes) == 2",
        "    _options = {'average': 'binary', 'pos_label': _classes[1]} if _binary else {'average': 'macro', "
        "'labels': _classes}",
        "    with _warnings.catch_warnings():  # scikit-learn's notes on classes absent from the truth",
        "        _warnings.simplefilter('ignore', UserWarning)",
        f"        {out} = {{'accuracy': float(sklearn.metrics.accuracy_score(_t, _p)),",
        "                   'balanced_accuracy': float(sklearn.metrics.balanced_accuracy_score(_t, _p)),",
        "                   'precision': float(sklearn.metrics.precision_score(_t, _p, zero_division=0, **_options)),",
        "                   'recall': float(sklearn.metrics.recall_score(_t, _p, zero_division=0, **_options)),",
        "                   'f1': float(sklearn.metrics.f1_score(_t, _p, zero_division=0, **_options))}",
        "        _present = set(np.unique(np.asarray(_t, dtype=object)).tolist())",
        "        if _scores is not None and len(_present) >= 2 and _present <= set(_classes):",
        "            try:  # ROC AUC: of the positive class for two classes, one-vs-rest macro average otherwise",
        f"                {out}['roc_auc'] = float(sklearn.metrics.roc_auc_score(",
        "                    np.asarray(_t, dtype=object) == _classes[1], _scores[:, 1]) if _binary else",
        "                    sklearn.metrics.roc_auc_score(_t, _scores, multi_class='ovr', labels=_classes, average='macro'))",
        "            except ValueError:",
        "                pass",
        f"    {out}['average'] = f'binary (positive class {{_classes[1]!r}})' if _binary else 'macro'",
        f"    {out}['rows'] = len(_t)"]
    return Code(lines, [*_IMPORTS, "import warnings as _warnings", "import sklearn.metrics"])


# --- scale, encode, apply_transformer: a fitted transformer is a plain dict stand-in too ----------

def _categories_lines(table: str, columns: str) -> list[str]:
    """`preprocessing._categories`: the columns as an object matrix of text, missing values as NaN."""
    return ["_parts = []",
            f"for _column in {columns}:",
            f"    _text = {table}[_column].astype(str).to_numpy(dtype=object)",
            f"    _text[{table}[_column].isna().to_numpy()] = np.nan",
            "    _parts.append(_text)",
            f"_categories = np.column_stack(_parts) if _parts else np.empty((len({table}), 0), dtype=object)"]


def _transform_lines(fitted: str, table: str, out: str, kind: str, method: str | None) -> list[str]:
    """`preprocessing.transform` of a scale, encode or PCA stand-in (`method` None: decided when the script runs)."""
    if kind in ("scale", "pca"):
        lines = [f"_values = {fitted}['transformer'].transform({table}[{fitted}['columns']].to_numpy(dtype=np.float64, "
                 "na_value=np.nan))",
                 f"_new = pd.DataFrame(_values, index={table}.index, columns={fitted}['output_columns'])"]
    else:
        onehot = f"{fitted}['method'] == 'onehot'" if method is None else repr(method == "onehot")
        lines = [*_categories_lines(table, f"{fitted}['columns']"),
                 f"_values = {fitted}['transformer'].transform(_categories)"]
        if method is None:
            lines += [f"if {onehot}:", "    _values = _values.astype(np.int64)",
                      f"_new = pd.DataFrame(_values, index={table}.index, columns={fitted}['output_columns'])",
                      f"if not {onehot}:", "    _new = _new.astype('Int64')  # codes; missing values stay missing"]
        elif method == "onehot":
            lines += ["_values = _values.astype(np.int64)",
                      f"_new = pd.DataFrame(_values, index={table}.index, columns={fitted}['output_columns'])"]
        else:
            lines += [f"_new = pd.DataFrame(_values, index={table}.index, columns={fitted}['output_columns'])"
                      ".astype('Int64')  # codes; missing values stay missing"]
    replace = ["# the new columns where the first transformed column was",
               f"_first = next(i for i, c in enumerate({table}.columns) if c in set({fitted}['columns']))",
               f"_kept = [c for c in {table}.columns if c not in set({fitted}['columns']) and c not in _new.columns]",
               f"_before = [c for c in {table}.columns[:_first] if c in _kept]",
               f"{out} = pd.concat([{table}[_before], _new, {table}[[c for c in _kept if c not in _before]]], axis=1)",
               f"{out}.attrs = dict({table}.attrs)"]
    if kind == "pca":
        return [*lines, f"if {fitted}['keep_other_columns']:", *(f"    {line}" for line in replace),
                "else:", f"    {out} = _new"]
    return [*lines, *replace]


def scale_code(node: NodeCode) -> Code | None:
    if node.bound("columns") or node.bound("method"):
        return None
    p, table, model, out = node.params, node.inputs["table"], node.outputs["model"], node.outputs["table"]
    scaler = "StandardScaler" if p["method"] == "standard" else "MinMaxScaler"
    chosen = repr(list(p["columns"])) if p["columns"] else \
        f"[c for c in {table}.columns if {_NUMERIC.format(f'{table}[c]')}]"
    return Code([f"_chosen = {chosen}",
                 f"_scaler = sklearn.preprocessing.{scaler}()",
                 f"_scaler.fit({table}[_chosen].to_numpy(dtype=float, na_value=float('nan')))",
                 f"{model} = {{'transformer': _scaler, 'kind': 'scale', 'method': {p['method']!r}, 'columns': _chosen, "
                 "'output_columns': _chosen}",
                 *_transform_lines(model, table, out, "scale", p["method"])],
                [*_IMPORTS, "import sklearn.preprocessing"], plain_outputs=("model",))


def encode_code(node: NodeCode) -> Code | None:
    if node.bound("columns") or node.bound("method"):
        return None
    p, table, model, out = node.params, node.inputs["table"], node.outputs["model"], node.outputs["table"]
    chosen = repr(list(p["columns"])) if p["columns"] else \
        f"[c for c in {table}.columns if not ({_NUMERIC.format(f'{table}[c]')})]"
    if p["method"] == "onehot":
        encoder = "sklearn.preprocessing.OneHotEncoder(handle_unknown='ignore', sparse_output=False, dtype=float)"
        outputs = ["_outputs = [str(c) + '_' + ('missing' if isinstance(v, float) and v != v else str(v))",
                   "            for c, values in zip(_chosen, _encoder.categories_) for v in values]"]
    else:
        encoder = ("sklearn.preprocessing.OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1, "
                   "dtype=float)")
        outputs = ["_outputs = _chosen"]
    return Code([f"_chosen = {chosen}", f"_encoder = {encoder}",
                 *_categories_lines(table, "_chosen"),
                 "_encoder.fit(_categories)",
                 *outputs,
                 f"{model} = {{'transformer': _encoder, 'kind': 'encode', 'method': {p['method']!r}, 'columns': _chosen, "
                 "'output_columns': _outputs}",
                 *_transform_lines(model, table, out, "encode", p["method"])],
                [*_IMPORTS, "import sklearn.preprocessing"], plain_outputs=("model",))


def apply_transformer_code(node: NodeCode) -> Code | None:
    """Only for a scaler, encoder or PCA the plain code here fitted (`plain_inputs`)."""
    source = node.context.get("sources", {}).get("model")
    if "model" not in node.plain_inputs or source not in ("sklearn.scale", "sklearn.encode", "sklearn.pca"):
        return None
    kind = source.removeprefix("sklearn.")
    return Code(_transform_lines(node.inputs["model"], node.inputs["table"], node.outputs["table"], kind, None),
                _IMPORTS)


def pca_code(node: NodeCode) -> Code | None:
    p = node.params
    if any(node.bound(name) for name in p):
        return None
    table, out, model, variance = (node.inputs["table"], node.outputs["table"], node.outputs["model"],
                                   node.outputs["variance"])
    chosen = repr(list(p["columns"])) if p["columns"] else \
        f"[c for c in {table}.columns if {_NUMERIC.format(f'{table}[c]')} and c != 'cluster']"
    components = int(p["components"])
    steps = "sklearn.preprocessing.StandardScaler(), " if p["standardize"] else ""
    names = [f"PC{i + 1}" for i in range(components)]
    return Code([f"_chosen = {chosen}",
                 f"_pipeline = sklearn.pipeline.make_pipeline({steps}sklearn.decomposition.PCA(n_components={components}, "
                 "svd_solver='full'))",
                 f"_pipeline.fit({table}[_chosen].to_numpy(dtype=np.float64, na_value=np.nan))",
                 f"{model} = {{'transformer': _pipeline, 'kind': 'pca', "
                 f"'method': {'standardized' if p['standardize'] else 'raw'!r}, 'columns': _chosen, "
                 f"'output_columns': {names!r}, 'keep_other_columns': {bool(p['keep_other_columns'])!r}}}",
                 "_ratio = _pipeline[-1].explained_variance_ratio_",
                 f"{variance} = pd.DataFrame({{'component': {names!r}, 'explained_variance_ratio': _ratio, "
                 "'cumulative': np.cumsum(_ratio)})",
                 *_transform_lines(model, table, out, "pca", None)],
                [*_IMPORTS, "import sklearn.decomposition", "import sklearn.pipeline", "import sklearn.preprocessing"],
                plain_outputs=("model",))


# --- compare_metrics -----------------------------------------------------------------------------

def compare_metrics_code(node: NodeCode) -> Code | None:
    from .comparison import AUTO_RANKING, INPUTS, LABEL

    if node.bound("names") or node.bound("rank_by"):
        return None
    p, table, best = node.params, node.outputs["table"], node.outputs["best"]
    connected = ", ".join(f"({port!r}, {node.inputs[port]})" for port in INPUTS if port in node.inputs)
    labels = repr(list(p["names"])) if p["names"] else \
        f"[str(v[{LABEL!r}]) if isinstance(v.get({LABEL!r}), str) and v[{LABEL!r}] else port for port, v in _connected]"
    rank = repr(p["rank_by"]) if p["rank_by"] else f"next((c for c in {AUTO_RANKING!r} if c in _scores), '')"
    return Code([
        f"_connected = [{connected}]",
        f"_labels = {labels}",
        "_single = lambda v: isinstance(v, (int, float, str, bool)) or (hasattr(v, 'item') and getattr(v, 'ndim', 1) == 0)",
        f"{table} = pd.DataFrame([{{{LABEL!r}: label, **{{k: v for k, v in value.items() if k != {LABEL!r} and _single(v)}}}}",
        f"     {' ' * len(table)}for (_, value), label in zip(_connected, _labels)])",
        f"{table}[{LABEL!r}] = {table}[{LABEL!r}].astype('str')",
        "# the best model by one score (lower is better for mae and rmse)",
        f"_scores = [c for c in {table}.columns if c != {LABEL!r} and pd.api.types.is_numeric_dtype({table}[c].dtype)",
        f"           and not pd.api.types.is_bool_dtype({table}[c].dtype)]",
        f"_rank_by = {rank}",
        f"_scoring = set({table}['scoring'].dropna()) if _rank_by == 'mean' and 'scoring' in {table}.columns "
        "else {_rank_by}",
        "_lower = bool(_scoring) and _scoring <= {'mae', 'rmse'}",
        f"_values = {table}[_rank_by].astype(float)",
        f"_row = {table}.loc[_values.idxmin() if _lower else _values.idxmax()]",
        f"{best} = {{{LABEL!r}: str(_row[{LABEL!r}]), 'rank_by': _rank_by, 'score': float(_row[_rank_by]), "
        f"'lower_is_better': _lower, 'models': len({table})}}"], ["import pandas as pd"])


# --- cluster ---------------------------------------------------------------------------------------

def cluster_code(node: NodeCode) -> Code | None:
    if any(node.bound(name) for name in node.params):
        return None
    p, table, out = node.params, node.inputs["table"], node.outputs["table"]
    built = _estimator(p["model"], p["hyperparameters"])
    if built is None:
        return None
    construction, modules = built
    chosen = repr(list(p["columns"])) if p["columns"] else \
        f"[c for c in {table}.columns if {_NUMERIC.format(f'{table}[c]')} and c != 'cluster']"
    lines = [f"_chosen = {chosen}",
             f"_X = {table}[_chosen].to_numpy(dtype=np.float64, na_value=np.nan)"]
    if p["standardize"]:
        lines += ["_std = _X.std(axis=0)  # each column to mean 0 and standard deviation 1; constant ones stay 0",
                  "_X = (_X - _X.mean(axis=0)) / np.where(_std == 0, 1.0, _std)"]
    lines += [f"_estimator = {construction}.fit(_X)",
              f"{out} = {table}.copy(deep=False)",
              f"{out}['cluster'] = np.asarray(_estimator.labels_, dtype=np.int64)",
              f"_found = sorted(set({out}['cluster'].tolist()) - {{-1}})",
              "# what sklearn.cluster records for plotly.clusters",
              f"_recorded = {out}.attrs.get('dataflow')",
              f"{out}.attrs = {{**{out}.attrs, 'dataflow': {{**(_recorded if isinstance(_recorded, dict) else {{}}), "
              "'clusters': {",
              f"    'column': 'cluster', 'features': _chosen, 'model': {p['model']!r}, 'standardized': {p['standardize']!r},",
              f"    'clusters': len(_found), 'noise': int(({out}['cluster'] == -1).sum())}}}}}}"]
    return Code(lines, [*_IMPORTS, *modules])


# --- cross_validate ----------------------------------------------------------------------------------

def _score_lines(scoring: str) -> list[str]:
    """`metrics.score` of `_fitted` on `_X[_test]`, `_y[_test]` into `_score` (`scoring` resolved)."""
    if scoring == "roc_auc":
        return ["_known = [c.item() if hasattr(c, 'item') else c for c in _fitted.classes_]",
                "_truth = _y[_test]",
                "_present = set(np.unique(np.asarray(_truth, dtype=object)).tolist())",
                "_score = float('nan')  # undefined for a fold of one class, or of classes the model does not know",
                "if len(_present) >= 2 and _present <= set(_known):",
                "    _scores = _fitted.predict_proba(_X[_test])",
                "    try:",
                "        _score = float(sklearn.metrics.roc_auc_score(np.asarray(_truth, dtype=object) == _known[1], "
                "_scores[:, 1]) if len(_known) == 2 else",
                "                       sklearn.metrics.roc_auc_score(_truth, _scores, multi_class='ovr', labels=_known, "
                "average='macro'))",
                "    except ValueError:",
                "        pass"]
    lines = ["_predicted = _fitted.predict(_X[_test])"]
    if scoring == "r2":
        return [*lines, "_score = float(sklearn.metrics.r2_score(_y[_test], _predicted))"]
    if scoring == "mae":
        return [*lines, "_score = float(sklearn.metrics.mean_absolute_error(_y[_test], _predicted))"]
    if scoring == "rmse":
        return [*lines, "_score = float(np.sqrt(sklearn.metrics.mean_squared_error(_y[_test], _predicted)))"]
    if scoring == "accuracy":
        return [*lines, "_score = float(np.mean(_predicted == _y[_test]))"]
    if scoring == "balanced_accuracy":
        return [*lines, "_score = float(sklearn.metrics.balanced_accuracy_score(_y[_test], _predicted))"]
    function = {"f1": "f1_score", "precision": "precision_score", "recall": "recall_score"}[scoring]
    return [*lines,
            "_options = {'average': 'binary', 'pos_label': _classes[1]} if len(_classes) == 2 else "
            "{'average': 'macro', 'labels': _classes}",
            f"_score = float(sklearn.metrics.{function}(_y[_test], _predicted, zero_division=0, **_options))"]


def _scoring_for(node: NodeCode, task: str) -> str | None:
    """`metrics.resolve_scoring`: the scoring of `task`, or None when it does not fit (the node stops)."""
    from .metrics import CLASSIFICATION_SCORES, REGRESSION_SCORES

    scoring = node.params["scoring"]
    if scoring == "auto":
        return "accuracy" if task == "classification" else "r2"
    return scoring if scoring in (CLASSIFICATION_SCORES if task == "classification" else REGRESSION_SCORES) else None


def _data_lines(model: str, table: str, task: str, folds: int | str, seed: int | str) -> list[str]:
    """`fitting.model_data` and `validation.fold_indices`: `_X`, `_y`, the sorted `_classes` and `_splits`."""
    if task == "classification":
        y = f"_y.to_numpy() if {_NUMERIC.format('_y')} else _y.to_numpy(dtype=object)"
        splits = (f"sklearn.model_selection.StratifiedKFold(n_splits={folds}, shuffle=True, random_state={seed})"
                  ".split(np.zeros(len(_y)), np.asarray(_y, dtype=object).astype(str))")
    else:
        y = "_y.to_numpy(dtype=np.float64)"
        splits = f"sklearn.model_selection.KFold(n_splits={folds}, shuffle=True, random_state={seed}).split(np.zeros(len(_y)))"
    return [f"_X = {table}[{model}['features']].to_numpy(dtype=np.float64, na_value=np.nan)",
            f"_y = {table}[{model}['target']]",
            f"_y = {y}",
            "_classes = sorted({c.item() if callable(getattr(c, 'item', None)) else c for c in _y.tolist()}, "
            "key=lambda v: (str(type(v)), v))",
            f"_splits = list({splits})"]


def _fold_lines(estimator: str, scoring: str) -> list[str]:
    """`validation.fold_scores`: `estimator` (an unfitted one, built anew per fold) scored on each fold."""
    return ["_fold_scores = []",
            "for _train, _test in _splits:",
            f"    _fitted = {estimator}.fit(_X[_train], _y[_train])",
            *(f"    {line}" for line in _score_lines(scoring)),
            "    _fold_scores.append(_score)"]


_FOLD_IMPORTS = [*_IMPORTS, "import sklearn.base", "import sklearn.metrics", "import sklearn.model_selection"]


def cross_validate_code(node: NodeCode) -> Code | None:
    """Only for a model the plain training code made (`plain_inputs`): k clones fitted on the same folds."""
    source = node.context.get("sources", {}).get("model")
    if "model" not in node.plain_inputs or source not in ("sklearn.train_classifier", "sklearn.train_regressor") \
            or any(node.bound(name) for name in node.params if name not in ("folds", "seed")):
        return None
    task = "classification" if source == "sklearn.train_classifier" else "regression"
    scoring = _scoring_for(node, task)
    if scoring is None:
        return None
    model, table, out = node.inputs["model"], node.inputs["table"], node.outputs["metrics"]
    folds, seed = node.literals["folds"], node.literals["seed"]  # numbers, or the constants they are bound to
    return Code([*_data_lines(model, table, task, folds, seed),
                 *_fold_lines(f"sklearn.base.clone({model}['estimator'])", scoring),
                 f"{out} = {{'scoring': {scoring!r}, 'mean': float(np.mean(_fold_scores)), "
                 f"'std': float(np.std(_fold_scores)), 'folds': {folds},",
                 f"       {' ' * len(out)}'fold_scores': _fold_scores, 'model': {model}['model'], 'rows': len({table})}}"],
                _FOLD_IMPORTS)


def tune_code(node: NodeCode) -> Code | None:
    """Only for a model the plain training code made from a built-in model: the candidates are drawn here,
    when exporting, as the node draws them (they depend on the settings only), each scored on the same
    folds; the best one retrained on the whole table is a dict stand-in as the training's."""
    from .metrics import LOWER_IS_BETTER
    from .validation import _candidates, _grid_axes

    p = node.params
    source = node.context.get("sources", {}).get("model")
    trained = node.context.get("source_params", {}).get("model") or {}
    chosen = "model" in node.context.get("source_bound", {}).get("model", [])  # the constant may name another
    if "model" not in node.plain_inputs or source not in ("sklearn.train_classifier", "sklearn.train_regressor") \
            or any(node.bound(name) for name in p) or trained.get("model") not in _FACTORIES or chosen:
        return None
    task = "classification" if source == "sklearn.train_classifier" else "regression"
    scoring = _scoring_for(node, task)
    factory = _FACTORIES[trained["model"]]
    spec = estimator_of(factory)
    try:
        base = spec.check(trained.get("hyperparameters") or {})
        axes = _grid_axes(p["grid"], spec)
        combos = _candidates(axes, p["search"], int(p["candidates"]), int(p["seed"]))
        full = [spec.check({**base, **combo}) for combo in combos]
    except Exception:  # noqa: BLE001 - the node names the mistake
        return None
    if scoring is None:
        return None
    path, extra = _CLASSES[factory.__name__]
    model, table = node.inputs["model"], node.inputs["table"]
    out_model, results, best = node.outputs["model"], node.outputs["results"], node.outputs["best"]
    folds, seed = int(p["folds"]), int(p["seed"])
    lower = scoring in LOWER_IS_BETTER
    build = f"{path}(**_values" + "".join(f", {k}={v!r}" for k, v in extra.items()) + ")"
    lines = [*_data_lines(model, table, task, folds, seed),
             f"_candidates = {combos!r}  # {'every combination' if p['search'] == 'grid' else 'drawn with the seed'}",
             f"_hyperparameters = {full!r}",
             "_rows = []",
             "for _combo, _values in zip(_candidates, _hyperparameters):",
             *(f"    {line}" for line in _fold_lines(build, scoring)),
             "    _rows.append({**_combo, 'mean_score': float(np.mean(_fold_scores)), "
             "'std_score': float(np.std(_fold_scores))})",
             "_table = pd.DataFrame(_rows)",
             f"for _name in {list(axes)!r}:  # a column mixing text and numbers is shown as text",
             "    if _table[_name].dtype == object:",
             "        _table[_name] = _table[_name].map(lambda v: None if v is None else str(v)).astype('str')",
             f"_ranking = _table['mean_score'].fillna({'np.inf' if lower else '-np.inf'})",
             f"_table['rank'] = _ranking.rank(ascending={lower!r}, method='min').astype(np.int64)",
             f"_best = int(np.{'argmin' if lower else 'argmax'}(_ranking.to_numpy()))",
             f"{results} = _table.sort_values('rank', kind='stable').reset_index(drop=True)",
             f"{best} = {{'hyperparameters': _hyperparameters[_best], 'changed': _candidates[_best], 'scoring': {scoring!r},",
             "    'mean_score': _rows[_best]['mean_score'], 'std_score': _rows[_best]['std_score'],",
             f"    'candidates': {len(combos)}, 'folds': {folds}}}",
             "# the best candidate retrained on the whole table",
             "_values = _hyperparameters[_best]",
             f"{out_model} = {{'estimator': {build}.fit(_X, _y), 'task': {task!r}, 'features': list({model}['features']),",
             f"    'target': {model}['target'], 'model': {model}['model']}}",
             f"{out_model}['classes'] = " + (f"[c.item() if callable(getattr(c, 'item', None)) else c for c in "
                                             f"{out_model}['estimator'].classes_]" if task == "classification" else "[]")]
    return Code(lines, [*_FOLD_IMPORTS, f"import {path.rsplit('.', 1)[0]}"], plain_outputs=("model",))


# --- feature_importance ------------------------------------------------------------------------------

def feature_importance_code(node: NodeCode) -> Code | None:
    """Only for a model the plain training code made (`plain_inputs`): built-in importances or coefficients,
    or the same seeded permutations scored by accuracy or R2."""
    p = node.params
    source = node.context.get("sources", {}).get("model")
    if "model" not in node.plain_inputs or source not in ("sklearn.train_classifier", "sklearn.train_regressor") \
            or any(node.bound(name) for name in p) or ("table" not in node.inputs and p["method"] == "permutation"):
        return None
    classification = source == "sklearn.train_classifier"
    model, out = node.inputs["model"], node.outputs["table"]
    lines = [f"_estimator = {model}['estimator']",
             "_values, _coef = getattr(_estimator, 'feature_importances_', None), getattr(_estimator, 'coef_', None)",
             "if _values is not None:  # trees' own importances, else mean absolute coefficients",
             "    _builtin = np.asarray(_values, dtype=np.float64)",
             "elif _coef is not None:",
             "    _coef = np.abs(np.asarray(_coef, dtype=np.float64))",
             "    _builtin = _coef.mean(axis=0) if _coef.ndim == 2 else _coef",
             "else:",
             "    _builtin = None",
             f"_method = {p['method']!r}" if p["method"] != "auto"
             else "_method = 'builtin' if _builtin is not None else 'permutation'",
             "if _method == 'builtin':",
             "    _importance, _spread = _builtin, np.full(len(_builtin), np.nan)"]
    if "table" in node.inputs:
        table = node.inputs["table"]
        y = (f"_y.to_numpy() if {_NUMERIC.format('_y')} else _y.to_numpy(dtype=object)" if classification
             else "_y.to_numpy(dtype=np.float64)")
        measure = ("float(np.mean(_estimator.predict(X) == _y))" if classification
                   else "float(sklearn.metrics.r2_score(_y, _estimator.predict(X)))")
        lines += ["else:  # how much the score drops when a column is shuffled",
                  f"    _X = {table}[{model}['features']].to_numpy(dtype=np.float64, na_value=np.nan)",
                  f"    _y = {table}[{model}['target']]",
                  f"    _y = {y}",
                  f"    _score = lambda X: {measure}",
                  f"    _rng = np.random.default_rng({int(p['seed'])})",
                  "    _baseline = _score(_X)",
                  f"    _drops = np.empty((len({model}['features']), {int(p['repeats'])}))",
                  f"    for _column in range(len({model}['features'])):",
                  "        _shuffled = _X.copy()",
                  f"        for _repeat in range({int(p['repeats'])}):",
                  "            _shuffled[:, _column] = _rng.permutation(_X[:, _column])",
                  "            _drops[_column, _repeat] = _baseline - _score(_shuffled)",
                  "    _importance, _spread = _drops.mean(axis=1), _drops.std(axis=1)"]
    else:
        lines += ["else:",
                  "    raise ValueError('permutation importance needs a table: connect the test rows')"]
    lines += [f"{out} = pd.DataFrame({{'feature': pd.Series({model}['features'], dtype='str'),",
              f"     {' ' * len(out)}'importance': np.asarray(_importance, dtype=np.float64), "
              "'std': np.asarray(_spread, dtype=np.float64)})",
              f"{out} = {out}.sort_values('importance', ascending=False, kind='stable').reset_index(drop=True)",
              f"{out}.attrs = {{'dataflow': {{'importance': {{'method': _method, 'model': {model}['model'], "
              f"'target': {model}['target']}}}}}}  # what plotly.feature_importance reads"]
    return Code(lines, [*_IMPORTS, "import sklearn.metrics"])


EXPORTERS = {"sklearn.train_test_split": train_test_split_code,
             "sklearn.train_classifier": train_classifier_code,
             "sklearn.train_regressor": train_regressor_code,
             "sklearn.predict": predict_code,
             "sklearn.evaluate": evaluate_code,
             "sklearn.scale": scale_code,
             "sklearn.encode": encode_code,
             "sklearn.apply_transformer": apply_transformer_code,
             "sklearn.compare_metrics": compare_metrics_code,
             "sklearn.cluster": cluster_code,
             "sklearn.cross_validate": cross_validate_code,
             "sklearn.feature_importance": feature_importance_code,
             "sklearn.pca": pca_code,
             "sklearn.tune": tune_code}
