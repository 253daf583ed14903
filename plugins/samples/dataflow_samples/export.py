"""Plain scikit-learn / pandas code for the sample nodes, for `dataflow export` (`register_exporters`).

The code makes the same table as the node: the same scikit-learn loader or generator, with the same
arguments and seed, the same column names and types. Temporary names start with `_`, which no
variable of the exported script does.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode

from .synthetic import MAX_CELLS
from .toys import _CLASSIFICATION, _FEATURES


def dataset_code(node: NodeCode) -> Code | None:
    out, name = node.outputs["table"], node.literals["name"]
    imports = ["import numpy as np", "import pandas as pd", "from sklearn import datasets"]
    if node.bound("name"):  # the constant may be changed: choose the loader and the target's kind by its value
        lines = [f"_bunch = getattr(datasets, 'load_' + {name})(as_frame=True)",
                 f"{out} = _bunch.frame",
                 f"if {name} in {sorted(_CLASSIFICATION)!r}:"]
        indent = "    "
    elif node.params["name"] in _FEATURES:
        lines = [f"_bunch = datasets.load_{node.params['name']}(as_frame=True)", f"{out} = _bunch.frame"]
        if node.params["name"] not in _CLASSIFICATION:
            return Code(lines, imports[2:])
        indent = ""
    else:
        return None
    lines += [f"{indent}_names = np.asarray(_bunch.target_names).astype(str)",
              f"{indent}{out}['target'] = pd.Series(_names[_bunch.target.to_numpy()], index={out}.index, dtype='str')"]
    return Code(lines, imports)


def synthetic_code(node: NodeCode) -> Code | None:
    if any(node.bound(p) for p in node.params):
        return None
    p, lit, out = node.params, node.literals, node.outputs["table"]
    imports = ["import numpy as np", "import pandas as pd"]
    noise = [f"_features += np.random.default_rng({lit['seed']}).normal(0.0, {lit['noise']}, size=_features.shape)"]
    if p["kind"] == "time_series":
        lines = [f"_day = np.arange({lit['rows']}, dtype=np.float64)",
                 "_value = 10.0 + 0.05 * _day + 2.0 * np.sin(2 * np.pi * _day / 7)"]
        if p["noise"]:
            lines.append(f"_value += np.random.default_rng({lit['seed']}).normal(0.0, {lit['noise']}, size={lit['rows']})")
        lines.append(f"{out} = pd.DataFrame({{'date': pd.date_range('2020-01-01', periods={lit['rows']}, freq='D'), "
                     "'value': _value})")
        return Code(lines, imports)
    if p["rows"] * p["columns"] > MAX_CELLS:
        return None  # the node says the table would be too big
    if p["kind"] == "classification":
        if p["classes"] > 2 ** p["columns"]:
            return None  # the node explains why this cannot be made
        lines = [f"_features, _target = datasets.make_classification(n_samples={lit['rows']}, n_features={lit['columns']}, "
                 f"n_informative={lit['columns']}, n_redundant=0, n_repeated=0, n_classes={lit['classes']}, "
                 f"n_clusters_per_class=1, flip_y=0.0, random_state={lit['seed']})", *(noise if p["noise"] else [])]
        imports.append("from sklearn import datasets")
    elif p["kind"] == "regression":
        lines = [f"_features, _target = datasets.make_regression(n_samples={lit['rows']}, n_features={lit['columns']}, "
                 f"n_informative={lit['columns']}, noise={lit['noise']}, random_state={lit['seed']})"]
        imports.append("from sklearn import datasets")
    elif p["kind"] == "blobs":
        lines = [f"_features, _target = datasets.make_blobs(n_samples={lit['rows']}, n_features={lit['columns']}, "
                 f"centers={lit['classes']}, cluster_std={lit['noise']}, random_state={lit['seed']})"]
        imports.append("from sklearn import datasets")
    else:
        return None
    target = "np.float64" if p["kind"] == "regression" else "np.int64"
    lines += [f"{out} = pd.DataFrame(_features, columns=[f'x{{i + 1}}' for i in range(_features.shape[1])])",
              f"{out}['target'] = _target.astype({target}, copy=False)"]
    return Code(lines, imports)


EXPORTERS = {"samples.dataset": dataset_code, "samples.synthetic": synthetic_code}
