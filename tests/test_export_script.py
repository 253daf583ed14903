"""`dataflow export W.json -o script.py`: every example exports to a script that, run in a fresh
process, gives what `dataflow run` gives; a hostile workflow exports to a script that does nothing
more than the workflow does."""

from __future__ import annotations

import ast
import json
import math
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (ROOT / "workflows").glob("*.json"))


def dataflow(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATAFLOW_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "dataflow.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("export") / "workflows"
    shutil.copytree(ROOT / "workflows", target, ignore=shutil.ignore_patterns("__pycache__", "*.parquet"))
    return target


@pytest.fixture(scope="module")
def both(folder) -> dict[str, tuple[Path, Path, str]]:
    """Per example: (dataflow run's output folder, the script's output folder, the script's text)."""

    def one(name: str) -> tuple[Path, Path, str]:
        base = folder.parent / name
        done = dataflow("run", f"{name}.json", "--quiet", "--output-dir", str(base / "run"), cwd=folder,
                        cache=base / "cache")
        assert done.returncode == 0, done.stderr
        script = base / f"{name}.py"
        done = dataflow("export", f"{name}.json", "-o", str(script), cwd=folder, cache=base / "cache")
        assert done.returncode == 0, done.stderr
        ran = subprocess.run([sys.executable, str(script), "--output-dir", str(base / "script")], cwd=folder,
                             capture_output=True, text=True, timeout=600)
        assert ran.returncode == 0, ran.stderr[-3000:]
        return base / "run", base / "script", script.read_text()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(EXAMPLES, pool.map(one, EXAMPLES), strict=True))


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_exported_script_gives_what_dataflow_run_gives(both, name):
    run_out, script_out, _ = both[name]
    written = sorted(p.name for p in run_out.iterdir())
    assert sorted(p.name for p in script_out.iterdir()) == written
    for file in written:
        if file.endswith(".parquet"):
            got, expected = pd.read_parquet(script_out / file), pd.read_parquet(run_out / file)
            pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
        elif file.endswith(".json"):
            got, expected = json.loads((script_out / file).read_text()), json.loads((run_out / file).read_text())
            assert got.keys() == expected.keys()
            for key, value in expected.items():
                if isinstance(value, float):
                    assert math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-12), key
                else:
                    assert got[key] == value, key


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_script_reads_as_one_block_per_node_with_its_label(both, name, folder):
    _, _, text = both[name]
    data = json.loads((folder / f"{name}.json").read_text())
    tree = ast.parse(text)
    assert "exported by `dataflow export`" in ast.get_docstring(tree)
    for node in data["nodes"]:
        if not node["type"].startswith("component."):
            assert f"# {node['id']!r} ({node['type']})" in text
    for name_, declaration in data.get("parameters", {}).items():
        assert f"{name_.upper()} = {declaration['default']!r}" in text


#: the node types of the examples still exported as calls into their plugin, each for a reason
#: docs/export.md gives (its plugin has no plain code for it yet: query_files, db; or a filter formula
#: bound to a workflow parameter);
#: every other node type of the examples is plain code, and nothing but these imports a DataFlow module
STILL_CALLS = {"db.read_sqlite", "sql.query_files", "transform.filter"}
#: examples whose every node is plain pandas / Plotly / DuckDB code: their scripts import no DataFlow module
#: (classification_parameters and model_grid: a model chosen by a workflow parameter or a loop's values)
FULLY_PLAIN = {"sales_report", "sensor_time_series", "sql_two_tables", "iris_classification", "diabetes_regression",
               "model_comparison", "customer_segmentation", "classification_parameters", "model_grid"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_script_imports_dataflow_only_for_node_types_without_plain_code(both, name):
    _, _, text = both[name]
    header = ast.get_docstring(ast.parse(text))
    called = {t.strip() for line in header.splitlines() if line.startswith("    ") and ": " in line
              for t in line.split(": ", 1)[1].split(",")}
    assert called <= STILL_CALLS, sorted(called - STILL_CALLS)
    imported = {n.module for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Import) for a in n.names}
    dataflow = {m for m in imported if m.split(".")[0] == "dataflow" or m.startswith("dataflow_")}
    assert {m.split(".")[0].removeprefix("dataflow_") for m in dataflow} == {t.split(".")[0] for t in called}
    assert not any(m.split(".")[0] == "dataflow" for m in dataflow)  # never the kernel, SDK or CLI
    if name in FULLY_PLAIN:
        assert not dataflow and not called, (dataflow, called)


HOSTILE = "x'); import os; os.system('touch MARKER') #\n__import__('os').system('touch MARKER')\n\"\"\"'''"


def test_a_hostile_workflow_exports_to_a_script_that_does_nothing_more(tmp_path):
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n3,4\n")
    workflow = {"version": "0.1.0",
                "parameters": {"evil": {"type": "text", "default": HOSTILE, "label": HOSTILE, "help": HOSTILE}},
                "nodes": [{"id": f"read{HOSTILE[:30]}", "type": "io.read_csv", "params": {"path": "rows.csv"},
                           "label": HOSTILE},
                          {"id": "derive", "type": "transform.derive",
                           "params": {"name": {"$param": "evil"}, "formula": "a * 2"}, "label": HOSTILE}],
                "edges": [{"source": f"read{HOSTILE[:30]}", "target": "derive"}],
                "meta": {"name": HOSTILE, "description": HOSTILE}}
    (tmp_path / "evil.json").write_text(json.dumps(workflow))
    done = dataflow("export", "evil.json", "-o", "evil.py", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "evil.py").read_text()
    tree = ast.parse(text)
    calls = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not {"system", "__import__", "eval", "exec"} & calls, calls
    ran = subprocess.run([sys.executable, "evil.py", "--output-dir", "out"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert not (tmp_path / "MARKER").exists()
    derived = pd.read_parquet(tmp_path / "out" / "derive.parquet")
    assert list(derived.columns) == ["a", "b", HOSTILE]  # the text arrived as data, nothing more


def test_export_names_a_bad_workflow_and_a_bad_target(tmp_path):
    (tmp_path / "bad.json").write_text('{"version": "0.1.0", "nodes": [{"id": "x", "type": "nosuch.node"}]}')
    done = dataflow("export", "bad.json", "-o", "bad.py", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 2 and "nosuch.node" in done.stderr and not (tmp_path / "bad.py").exists()
    done = dataflow("export", "bad.json", "-o", "bad.txt", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 2 and "must end in .py" in done.stderr


def _header_calls(text: str) -> set[str]:
    header = ast.get_docstring(ast.parse(text))
    return {t.strip() for line in header.splitlines() if line.startswith("    ") and ": " in line
            for t in line.split(": ", 1)[1].split(",")}


def test_a_model_read_by_a_node_still_called_is_trained_by_the_plugin_and_the_scores_stay_equal(tmp_path):
    """The plain training code's model is a plain dict: when save_model (still a call into the plugin)
    reads the model too, training and predicting are calls as well, and the script still gives
    dataflow run's scores; the same workflow without it trains in plain scikit-learn."""
    iris = json.loads((ROOT / "workflows" / "iris_classification.json").read_text())
    iris["nodes"].append({"id": "save", "type": "sklearn.save_model", "params": {"path": "iris.skops"},
                          "position": {"x": 900, "y": 400}})
    iris["edges"] += [{"source": "train", "source_port": "model", "target": "save", "target_port": "model"}]
    (tmp_path / "cv.json").write_text(json.dumps(iris))
    for name in ("cv", "iris"):
        if name == "iris":
            shutil.copy(ROOT / "workflows" / "iris_classification.json", tmp_path / "iris.json")
        done = dataflow("export", f"{name}.json", "-o", f"{name}.py", cwd=tmp_path, cache=tmp_path / "cache")
        assert done.returncode == 0, done.stderr
        ran = subprocess.run([sys.executable, f"{name}.py", "--output-dir", f"{name}-script"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
        assert ran.returncode == 0, ran.stderr[-3000:]
        if name == "cv":  # written by the plugin's save_model, which the script calls
            assert (tmp_path / "iris.skops").is_file()
        done = dataflow("run", f"{name}.json", "--quiet", "--output-dir", f"{name}-run", cwd=tmp_path,
                        cache=tmp_path / "cache")
        assert done.returncode == 0, done.stderr
        got = json.loads((tmp_path / f"{name}-script" / "evaluate.json").read_text())
        expected = json.loads((tmp_path / f"{name}-run" / "evaluate.json").read_text())
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), key
    calls_with_cv = _header_calls((tmp_path / "cv.py").read_text())
    assert {"sklearn.train_classifier", "sklearn.predict", "sklearn.save_model"} <= calls_with_cv
    assert "sklearn.evaluate" not in calls_with_cv  # it reads the table predict gives, not the model
    assert not {"sklearn.train_classifier", "sklearn.predict", "sklearn.evaluate"} & _header_calls(
        (tmp_path / "iris.py").read_text())
