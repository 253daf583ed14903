"""The example workflows in `workflows/` run end to end with the real `dataflow` command.

Each workflow is validated and run headless (`python -m dataflow.cli run FILE --json
--output-dir DIR`) from a copy of the workflows folder in a temporary folder, so nothing is
written into the repository, with a private cache folder per workflow. Key results are compared
with the same computation written as a plain scikit-learn or pandas script. Then: a second run
in a new process is served from the cache, and `--set` on a downstream node recomputes only that
node and what depends on it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.exporting import plain_script

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows"
EXAMPLES = sorted(p.stem for p in WORKFLOWS.glob("*.json"))
EXPECTED = {"iris_classification", "diabetes_regression", "customer_segmentation", "sales_report",
            "model_comparison", "sql_two_tables", "monthly_files", "sqlite_sales", "classification_parameters",
            "sensor_time_series", "cleaning_component", "monthly_loop", "model_grid"}


@dataclass
class Run:
    """One `dataflow run --json` in a new process: exit code, parsed JSON, stderr, folders used."""

    returncode: int
    result: dict
    stderr: str
    cache: Path
    output_dir: Path | None

    @property
    def statuses(self) -> dict[str, str]:
        return {node["id"]: node["status"] for node in self.result["nodes"]}

    def explain(self) -> str:
        return f"exit {self.returncode}\n{json.dumps(self.result, indent=1)[:4000]}\n--- stderr ---\n{self.stderr[-4000:]}"


def dataflow(*args: str, cache: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    """The real command line in a new interpreter, with `cache` as its cache folder."""
    env = {**os.environ, "DATAFLOW_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "dataflow.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def run(workflow: Path, cache: Path, output_dir: Path | None = None, *extra: str) -> Run:
    args = ["run", str(workflow), "--json", "--quiet", *extra]
    if output_dir is not None:
        args += ["--output-dir", str(output_dir)]
    done = dataflow(*args, cache=cache)
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON on stdout (exit {done.returncode}):\n{done.stdout}\n"
                             f"--- stderr ---\n{done.stderr}") from None
    return Run(done.returncode, result, done.stderr, cache, output_dir)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A copy of `workflows/` (files a run writes next to a workflow land here, not in the repo)."""
    target = tmp_path_factory.mktemp("examples") / "workflows"
    shutil.copytree(WORKFLOWS, target, ignore=shutil.ignore_patterns("__pycache__", "*.parquet"))
    return target


@pytest.fixture(scope="module")
def validated(folder) -> dict[str, subprocess.CompletedProcess]:
    """`dataflow validate` of every example (two at a time: the machine may have two cores)."""
    scratch = folder.parent / "validate-cache"

    def one(name: str) -> subprocess.CompletedProcess:
        return dataflow("validate", str(folder / f"{name}.json"), cache=scratch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(EXAMPLES, pool.map(one, EXAMPLES), strict=True))


@pytest.fixture(scope="module")
def first_runs(folder) -> dict[str, Run]:
    """The first run of every example: a fresh cache folder each, outputs exported to a folder each."""

    def one(name: str) -> Run:
        base = folder.parent / name
        return run(folder / f"{name}.json", base / "cache", base / "out")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(EXAMPLES, pool.map(one, EXAMPLES), strict=True))


def metrics(first_runs: dict[str, Run], workflow: str, node: str) -> dict:
    return json.loads((first_runs[workflow].output_dir / f"{node}.json").read_text())


def test_the_example_library_is_complete():
    assert set(EXAMPLES) >= EXPECTED
    assert (WORKFLOWS / "data" / "sales.csv").is_file()
    assert (WORKFLOWS / "data" / "customers.csv").is_file()
    assert "sales_by_region.parquet" in (WORKFLOWS / ".gitignore").read_text().split()


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_is_documented_and_laid_out(name):
    """A newcomer sees a name, a description, a label on every node, and no two nodes on one spot."""
    data = json.loads((WORKFLOWS / f"{name}.json").read_text())
    assert data["version"] == "0.2.0"
    assert data["meta"]["name"].strip()
    assert len(data["meta"]["description"]) >= 80
    assert set(data["meta"]["node_types"]) == {n["type"] for n in data["nodes"]}
    spots = set()
    for node in data["nodes"]:
        assert node.get("label", "").strip(), f"node {node['id']} has no label"
        spot = (node["position"]["x"], node["position"]["y"])
        assert spot not in spots, f"node {node['id']} sits on another node"
        spots.add(spot)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_validates(validated, name):
    done = validated[name]
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs_headless_and_exports_its_outputs(first_runs, name):
    outcome = first_runs[name]
    assert outcome.returncode == 0, outcome.explain()
    assert outcome.result["status"] == "ok", outcome.explain()
    assert set(outcome.statuses.values()) == {"computed"}, outcome.explain()
    for node in outcome.result["nodes"]:
        assert node["error"] is None
        assert node["warnings"] == [], f"an example should run cleanly: {node['id']}: {node['warnings']}"
    data = json.loads((WORKFLOWS / f"{name}.json").read_text())
    consumed = {e["source"] for e in data["edges"]}
    sinks = {n["id"] for n in data["nodes"]} - consumed
    files = {item["node"]: Path(item["path"]) for item in outcome.result["files"]}
    assert set(files) == sinks, "every output nothing consumes is exported"
    for node_id, path in files.items():
        assert path.parent == outcome.output_dir and path.stat().st_size > 0
        if path.suffix == ".html":
            head = path.read_text(encoding="utf-8")
            assert "plotly" in head.lower(), f"{node_id}: not a Plotly page"
        elif path.suffix == ".json":
            assert isinstance(json.loads(path.read_text()), dict), f"{node_id}: metrics are not a JSON object"
        else:
            assert path.suffix == ".parquet"
            assert len(pd.read_parquet(path)) > 0
    kinds = {p.suffix for p in files.values()}
    assert kinds & {".html", ".json"}, "each example shows a chart or metrics"


# --- key outputs against plain code --------------------------------------------------------

def _iris_split():
    """The iris table and split as samples.dataset + sklearn.train_test_split build them."""
    return plain_script("iris_plain").iris_split()


def test_iris_accuracy_equals_a_plain_scikit_learn_script(first_runs):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    train, test = _iris_split()
    features = [c for c in train.columns if c != "target"]
    model = LogisticRegression(C=1.0, max_iter=1000, random_state=0)
    model.fit(train[features].to_numpy(dtype=np.float64), train["target"].to_numpy(dtype=object))
    predicted = model.predict(test[features].to_numpy(dtype=np.float64))
    scores = metrics(first_runs, "iris_classification", "evaluate")
    assert scores["accuracy"] >= 0.9
    assert scores["rows"] == len(test) == 45
    assert scores["accuracy"] == pytest.approx(accuracy_score(test["target"], predicted), abs=1e-12)
    assert scores["f1"] == pytest.approx(f1_score(test["target"], predicted, average="macro"), abs=1e-12)


def test_diabetes_r2_equals_a_plain_scikit_learn_script(first_runs):
    from sklearn import datasets
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import train_test_split

    frame = datasets.load_diabetes(as_frame=True).frame
    train, test = train_test_split(frame, test_size=0.25, random_state=42)
    features = [c for c in frame.columns if c != "target"]
    model = LinearRegression().fit(train[features].to_numpy(dtype=np.float64), train["target"])
    predicted = model.predict(test[features].to_numpy(dtype=np.float64))
    scores = metrics(first_runs, "diabetes_regression", "evaluate")
    assert scores["rows"] == len(test)
    assert scores["r2"] == pytest.approx(r2_score(test["target"], predicted), rel=1e-9)
    assert scores["mae"] == pytest.approx(mean_absolute_error(test["target"], predicted), rel=1e-9)
    assert scores["r2"] > 0.3


def plain_sales_by_region(data: Path) -> pd.DataFrame:
    """sales_report.json's region summary, written as a plain pandas script."""
    return plain_script("sales_plain").sales_by_region(data)


def test_sales_report_parquet_equals_a_plain_pandas_script(first_runs, folder):
    written = folder / "sales_by_region.parquet"
    assert written.is_file(), "io.write_file writes next to the workflow"
    got = pd.read_parquet(written)
    expected = plain_sales_by_region(folder / "data")
    # the file's text column may come back as object or as pandas' string type: compare values
    got["region"] = got["region"].astype(expected["region"].dtype)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    assert list(got["region"]) == ["East", "North", "South", "West"]
    assert got["revenue_sum"].gt(0).all()
    # the export of the same (unconsumed) node holds the same table
    exported = pd.read_parquet(first_runs["sales_report"].output_dir / "write.parquet")
    exported["region"] = exported["region"].astype(expected["region"].dtype)
    pd.testing.assert_frame_equal(exported, expected, check_exact=False, rtol=1e-12)


def _node_output(folder: Path, workflow: str, node: str) -> pd.DataFrame:
    """One node's table, exported by `dataflow run --only NODE` (it is then a sink)."""
    out = folder.parent / f"{workflow}-{node}"
    done = run(folder / f"{workflow}.json", out / "cache", out / "out", "--only", node)
    assert done.returncode == 0, done.explain()
    return pd.read_parquet(out / "out" / f"{node}.parquet")


def test_the_database_examples_equal_plain_pandas_scripts(folder):
    """sql_two_tables (sql.query over two tables), monthly_files (sql.query_files and io.read_folder over
    twelve monthly files) and sqlite_sales (db.read_sqlite) give what the same pandas script gives."""
    orders = pd.read_csv(folder / "data" / "sales.csv").dropna(subset=["quantity", "unit_price"])
    orders = orders.assign(revenue=orders["quantity"] * orders["unit_price"])
    joined = orders.merge(pd.read_csv(folder / "data" / "customers.csv"), on="customer_id")

    by_region = joined.groupby("region")["revenue"].sum()
    regions = _node_output(folder, "sql_two_tables", "revenue")
    assert regions["region"].tolist() == by_region.index.tolist()
    assert regions["revenue"].tolist() == pytest.approx(by_region.tolist())

    by_month = orders.groupby(pd.to_datetime(orders["date"]).dt.month)["revenue"].sum()
    months = _node_output(folder, "monthly_files", "months")
    assert months["month"].tolist() == by_month.index.tolist()
    assert months["revenue"].tolist() == pytest.approx(by_month.tolist())

    stacked = _node_output(folder, "monthly_files", "all_orders")
    plain = pd.concat([pd.read_csv(p).assign(source_file=p.name)
                       for p in sorted((folder / "data" / "monthly").glob("sales-2024-*.csv"))], ignore_index=True)
    assert stacked["source_file"].astype(str).tolist() == plain["source_file"].tolist()
    assert stacked["order_id"].tolist() == plain["order_id"].tolist()

    by_segment = joined.groupby("segment")["revenue"].sum().sort_values(ascending=False)
    segments = _node_output(folder, "sqlite_sales", "segments")
    assert segments["segment"].tolist() == by_segment.index.tolist()
    assert segments["revenue"].tolist() == pytest.approx(by_segment.tolist())


def test_the_time_series_example_equals_a_plain_pandas_script(folder, first_runs):
    """sensor_time_series: parse the day-first times, daily means per sensor, a 7-day rolling mean per
    sensor; the attic sensor's four offline days stay missing (a gap in the chart), not zero."""
    raw = pd.read_csv(folder / "data" / "sensor_readings.csv")
    raw["timestamp"] = pd.to_datetime(raw["timestamp"], format="%d/%m/%Y %H:%M")
    daily = (raw.groupby("sensor").resample("D", on="timestamp")
             .agg(temperature_mean=("temperature", "mean"), humidity_mean=("humidity", "mean")).reset_index())
    rolled = pd.concat([group.rolling("7D", on="timestamp")["temperature_mean"].mean()
                        for _, group in daily.groupby("sensor")])
    expected = daily.assign(temperature_mean_mean_7D=rolled)

    got = _node_output(folder, "sensor_time_series", "smooth")
    got["sensor"] = got["sensor"].astype(expected["sensor"].dtype)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    attic = got[got["sensor"] == "attic"].set_index("timestamp")["temperature_mean"]
    assert attic["2024-03-18":"2024-03-21"].isna().all() and attic.notna().sum() == len(attic) - 4
    chart = (first_runs["sensor_time_series"].output_dir / "chart.html").read_text(encoding="utf-8")
    names = {json.loads(f'"{name}"') for name in re.findall(r'"name":"([^"]*)"', chart)}
    assert {f"{sensor} · {series}" for sensor in ("attic", "cellar", "greenhouse")
            for series in ("temperature_mean", "temperature_mean_mean_7D")} <= names


def test_the_component_example_equals_a_plain_pandas_script(folder, first_runs):
    """cleaning_component: one component (components/clean_orders.json) cleans two monthly files, each
    of its nodes run and reported by path (`clean_january/dedupe`), as the same pandas script does."""
    def clean(path: Path) -> pd.DataFrame:
        table = pd.read_csv(path).drop_duplicates().dropna(subset=["customer_id", "quantity", "unit_price"])
        table = table.astype({"customer_id": "int64", "quantity": "int64"})
        table = table[(table["quantity"] >= 1) & (table["unit_price"] > 0)]
        return table.assign(revenue=table["quantity"] * table["unit_price"])

    months = [folder / "data" / "monthly" / f"sales-2024-0{m}.csv" for m in (1, 2)]
    both = pd.concat([clean(p) for p in months], ignore_index=True)
    expected = both.groupby("category", dropna=False).agg(revenue_sum=("revenue", "sum"),
                                                          order_id_count=("order_id", "count"))
    got = _node_output(folder, "cleaning_component", "by_category").set_index("category")
    assert got.index.tolist()[:-1] == expected.index.tolist()[:-1] and got.index.isna()[-1]  # no category: kept, last
    assert got["revenue_sum"].tolist() == pytest.approx(expected["revenue_sum"].tolist())
    assert got["order_id_count"].tolist() == expected["order_id_count"].tolist()
    ran = first_runs["cleaning_component"].statuses
    assert {f"clean_{m}/{inner}" for m in ("january", "february")
            for inner in ("dedupe", "complete", "types", "enough", "revenue")} <= set(ran)


def test_the_model_grid_loop_scores_each_model_as_a_plain_scikit_learn_script(folder):
    """model_grid: one component looped over three estimators gives one row per model, each the
    scores the plain script computes (and model_comparison's three copies of the nodes give)."""
    table = _node_output(folder, "model_grid", "models").set_index("model")
    ids = {"logistic regression": "sklearn.logistic_regression", "random forest": "sklearn.random_forest_classifier",
           "gradient boosting": "sklearn.gradient_boosting_classifier"}
    assert table.index.tolist() == list(ids.values())
    for name, expected in plain_model_scores().items():
        assert table.loc[ids[name], list(expected)].astype(float).to_dict() == pytest.approx(expected, abs=1e-12), name


def test_the_monthly_loop_equals_a_plain_pandas_loop_and_concat(folder):
    """monthly_loop: the Month summary component once per monthly file, stacked with a `file` column,
    is the same pandas loop over the files."""
    def summary(path: Path) -> pd.DataFrame:
        table = pd.read_csv(path).drop_duplicates().dropna(subset=["customer_id", "quantity", "unit_price"])
        table = table.astype({"customer_id": "int64", "quantity": "int64"})
        table = table[(table["quantity"] >= 1) & (table["unit_price"] > 0)]
        table = table.assign(revenue=table["quantity"] * table["unit_price"])
        sums = table.groupby("category", dropna=False).agg(revenue_sum=("revenue", "sum"),
                                                           order_id_count=("order_id", "count")).reset_index()
        return sums.assign(file=path.name)

    files = sorted((folder / "data" / "monthly").glob("sales-2024-*.csv"))
    expected = pd.concat([summary(p) for p in files], ignore_index=True)
    got = _node_output(folder, "monthly_loop", "months")
    assert got.columns.tolist() == ["file", "category", "revenue_sum", "order_id_count"]
    assert got["file"].tolist() == expected["file"].tolist() and len(files) == 12
    assert got["category"].fillna("?").tolist() == expected["category"].fillna("?").tolist()
    assert got["revenue_sum"].tolist() == pytest.approx(expected["revenue_sum"].tolist())
    assert got["order_id_count"].tolist() == expected["order_id_count"].tolist()


def test_sales_data_has_something_to_clean():
    orders = pd.read_csv(WORKFLOWS / "data" / "sales.csv")
    assert 2000 <= len(orders) <= 5000
    assert orders.duplicated().sum() > 0
    assert orders[["customer_id", "quantity", "unit_price", "category"]].isna().any().all()
    customers = pd.read_csv(WORKFLOWS / "data" / "customers.csv")
    assert list(customers.columns) == ["customer_id", "name", "region", "segment"]
    assert customers["customer_id"].is_unique


def test_segmentation_finds_four_nonempty_clusters(first_runs):
    summary = pd.read_parquet(first_runs["customer_segmentation"].output_dir / "summary.parquet")
    assert sorted(summary["cluster"]) == [0, 1, 2, 3]
    assert (summary["x1_count"] > 0).all()
    assert summary["x1_count"].sum() == 600
    assert "target" not in summary.columns


MODELS = {"logistic regression": "logreg", "random forest": "forest", "gradient boosting": "boost"}


def comparison(first_runs: dict[str, Run]) -> pd.DataFrame:
    """model_comparison.json's side-by-side table (node `compare`, fed by the three `scores_*` nodes)."""
    table = pd.read_parquet(first_runs["model_comparison"].output_dir / "compare.table.parquet")
    assert list(table["model"]) == list(MODELS), table
    return table.set_index("model")


def test_model_comparison_scores_three_models_on_the_same_rows(first_runs):
    table = comparison(first_runs)
    scores = {MODELS[name]: row.to_dict() for name, row in table.iterrows()}
    for key, values in scores.items():
        assert values["rows"] == 143, key
        assert values["accuracy"] > 0.9, key
        assert 0.9 < values["roc_auc"] <= 1.0, key


def plain_model_scores() -> dict[str, dict[str, float]]:
    """The three models of model_comparison.json (and model_grid.json), scored by a plain scikit-learn script."""
    from sklearn import datasets
    from sklearn import metrics as sk_metrics
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    bunch = datasets.load_breast_cancer(as_frame=True)
    frame = bunch.frame
    frame["target"] = np.asarray(bunch.target_names).astype(str)[bunch.target.to_numpy()]
    train, test = train_test_split(frame, test_size=0.25, random_state=42, stratify=frame["target"].to_numpy(object))
    features = [c for c in frame.columns if c != "target"]
    scaler = StandardScaler().fit(train[features].to_numpy(dtype=np.float64))
    X_train, X_test = (scaler.transform(part[features].to_numpy(dtype=np.float64)) for part in (train, test))
    models = {"logistic regression": LogisticRegression(C=1.0, max_iter=1000, random_state=0),
              "random forest": RandomForestClassifier(n_estimators=100, random_state=0),
              "gradient boosting": GradientBoostingClassifier(n_estimators=100, learning_rate=0.1, max_depth=3,
                                                              random_state=0)}
    scores = {}
    for name, model in models.items():
        model.fit(X_train, train["target"].to_numpy(dtype=object))
        predicted = model.predict(X_test)
        positive = list(model.classes_).index("malignant")
        scores[name] = {"accuracy": sk_metrics.accuracy_score(test["target"], predicted),
                        "precision": sk_metrics.precision_score(test["target"], predicted, pos_label="malignant"),
                        "recall": sk_metrics.recall_score(test["target"], predicted, pos_label="malignant"),
                        "f1": sk_metrics.f1_score(test["target"], predicted, pos_label="malignant"),
                        "roc_auc": sk_metrics.roc_auc_score(test["target"] == "malignant",
                                                            model.predict_proba(X_test)[:, positive])}
    return scores


def test_model_comparison_table_equals_a_plain_scikit_learn_script(first_runs):
    table = comparison(first_runs)
    for name, expected in plain_model_scores().items():
        got = table.loc[name, list(expected)].astype(float).to_dict()
        assert got == pytest.approx(expected, abs=1e-12), name
    best = metrics(first_runs, "model_comparison", "compare.best")
    assert best["rank_by"] == "roc_auc" and best["score"] == table["roc_auc"].max()
    assert best["model"] == table["roc_auc"].idxmax()


# --- caching ------------------------------------------------------------------------------

def _cache_policies() -> dict[str, str]:
    from dataflow.kernel import load_registry

    return {type_id: spec.cache for type_id, spec in load_registry().nodes.items()}


@pytest.mark.parametrize("name", ["iris_classification", "model_comparison"])
def test_a_second_run_in_a_new_process_is_served_from_the_cache(first_runs, folder, name):
    """Every node stored on disk is cached; only nodes declared memory-only (charts: cheap to redo)
    or never cached (file writers) run again in a new process."""
    policies = _cache_policies()
    again = run(folder / f"{name}.json", first_runs[name].cache)
    assert again.returncode == 0, again.explain()
    types = {n["id"]: n["type"] for n in again.result["nodes"]}
    for node_id, status in again.statuses.items():
        expected = "cached" if policies[types[node_id]] == "all" else "computed"
        assert status == expected, f"{node_id}: {status}\n{again.explain()}"
    if name == "model_comparison":
        assert set(again.statuses.values()) == {"cached"}


def test_set_on_a_downstream_node_recomputes_it_and_its_downstream_only(first_runs, folder):
    outcome = run(folder / "iris_classification.json", first_runs["iris_classification"].cache,
                  folder.parent / "iris-set-out", "--set", "train.model=sklearn.random_forest_classifier")
    assert outcome.returncode == 0, outcome.explain()
    assert outcome.statuses == {"load": "cached", "split": "cached", "train": "computed", "predict": "computed",
                                "evaluate": "computed", "confusion": "computed"}, outcome.explain()
    reasons = {n["id"]: n["reason"] for n in outcome.result["nodes"]}
    assert "model" in reasons["train"], reasons
    scores = json.loads((outcome.output_dir / "evaluate.json").read_text())
    assert scores["accuracy"] >= 0.85
    # the original parameters are still cached next to the new ones
    back = run(folder / "iris_classification.json", first_runs["iris_classification"].cache)
    assert {k: v for k, v in back.statuses.items() if k != "confusion"} == dict.fromkeys(
        ["load", "split", "train", "predict", "evaluate"], "cached"), back.explain()


# --- workflow parameters ------------------------------------------------------------------

def test_workflow_parameters_set_from_the_command_line_recompute_only_what_is_bound_to_them(first_runs, folder):
    """classification_parameters.json: `--set folds=3` re-runs the cross-validation alone; a
    `--params` file with another seed re-runs the split and everything after it, not the load."""
    name = "classification_parameters"
    cache = first_runs[name].cache
    outcome = run(folder / f"{name}.json", cache, None, "--set", "folds=3")
    assert outcome.returncode == 0, outcome.explain()
    assert {k for k, v in outcome.statuses.items() if v == "computed"} == {"cv"}, outcome.explain()
    reasons = {n["id"]: n["reason"] for n in outcome.result["nodes"]}
    assert reasons["cv"] == "workflow parameter folds changed"
    values = folder.parent / "seed.json"
    values.write_text('{"seed": 7, "folds": 3}')
    outcome = run(folder / f"{name}.json", cache, None, "--params", str(values))
    assert outcome.returncode == 0, outcome.explain()
    assert outcome.statuses["load"] == "cached"
    assert {k for k, v in outcome.statuses.items() if v == "computed"} == {"split", "train", "predict", "evaluate",
                                                                           "cv"}, outcome.explain()
    refused = dataflow("run", str(folder / f"{name}.json"), "--set", "folds=1", cache=cache)
    assert refused.returncode == 2 and "workflow parameter 'folds' (int): 1 is below the minimum 2" in refused.stderr
