"""Hostile formulas, path escapes, model files and write targets, each with a marker that must
never appear (issue 15, the security suite).

The cases are the ones the rest of the test tree already keeps (the formulas of
tests/test_formula.py, the model files of plugins/sklearn/tests/test_hostile_model_files.py, the
write targets of tests/test_write_targets.py), collected here case by case, plus the path escapes
(10 ways out of the granted folder, for each of the 6 file readers) and model files that carry
code. A marker is a file a payload would create, or a secret text that must never show up.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from dataflow.sdk import FormulaError, NodeError, evaluate_formula, run_node
from tests.helpers import write_workflow
from tests.test_formula import hostile
from tests.test_write_targets import _targets

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = "/MARKER-PLACEHOLDER"


def _victim() -> pd.DataFrame:
    return pd.DataFrame({"a": pd.Series(["x", "yy", None], dtype="str"), "n": [1, 5, 9], "flag": [True, False, True]})


# --- formulas ---------------------------------------------------------------------------------

FORMULAS = hostile(PLACEHOLDER)


@pytest.mark.security_check("hostile formulas refused, marker never created")
@pytest.mark.parametrize("index", range(len(FORMULAS)), ids=[f"formula{i}" for i in range(len(FORMULAS))])
def test_a_hostile_formula_is_refused_fast_and_creates_no_marker(tmp_path, index):
    marker = tmp_path / "marker"
    text = FORMULAS[index].replace(PLACEHOLDER, str(marker))
    victim = _victim()
    start = time.perf_counter()
    with pytest.raises(FormulaError):
        evaluate_formula(text, victim)
    assert time.perf_counter() - start < 0.5
    assert not marker.exists()
    pd.testing.assert_frame_equal(victim, _victim())


def test_the_suite_keeps_at_least_30_hostile_formulas():
    assert len(FORMULAS) >= 30


# --- path escapes -----------------------------------------------------------------------------

READERS = {"io.read_file": ".csv", "io.read_csv": ".csv", "io.read_parquet": ".parquet", "io.read_excel": ".xlsx",
           "io.read_json": ".json", "sklearn.load_model": ".skops"}
ESCAPES = {
    "dot-dot": "../outside/secret{ext}",
    "absolute": "{outside}/secret{ext}",
    "symlink to a file outside": "link{ext}",
    "symlinked folder": "linkdir/secret{ext}",
    "chain of symlinks": "chain{ext}",
    "down then up": "sub/../../outside/secret{ext}",
    "dots and slashes": "./.././outside/./secret{ext}",
    "the project's own path, then up": "{project}/../outside/secret{ext}",
    "through /proc/self/root": "/proc/self/root{outside}/secret{ext}",
    "double slash": "/{outside}//secret{ext}",
}
SECRET = "SECRET-7f3a9c-never-read"


@pytest.fixture(scope="module")
def escapes(tmp_path_factory) -> tuple[dict[str, dict], str]:
    """One `dataflow run` with every escape for every reader: (node results by id, all output)."""
    base = tmp_path_factory.mktemp("escapes")
    project, outside = base / "project", base / "outside"
    (project / "sub").mkdir(parents=True)
    outside.mkdir()
    for ext in set(READERS.values()):
        (outside / f"secret{ext}").write_text(f"x\n{SECRET}\n" if ext != ".json" else json.dumps([{"x": SECRET}]))
        (project / f"link{ext}").symlink_to(outside / f"secret{ext}")
        (project / f"chain{ext}").symlink_to(project / f"link{ext}")
    (project / "linkdir").symlink_to(outside, target_is_directory=True)
    nodes = [{"id": f"{reader}|{escape}", "type": reader,
              "params": {"path": ESCAPES[escape].format(ext=ext, outside=outside, project=project)}}
             for reader, ext in READERS.items() for escape in ESCAPES]
    flow = write_workflow(project / "flow.json", nodes)
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "run", str(flow), "--json"],
                          env={**os.environ, "DATAFLOW_CACHE_DIR": str(base / "cache")}, capture_output=True, text=True,
                          timeout=600)
    cached = b"".join(p.read_bytes() for p in (base / "cache").rglob("*") if p.is_file())
    assert SECRET.encode() not in cached
    return {n["id"]: n for n in json.loads(done.stdout)["nodes"]}, done.stdout + done.stderr


@pytest.mark.security_check("path escapes refused, secret never read")
@pytest.mark.parametrize("escape", list(ESCAPES))
@pytest.mark.parametrize("reader", list(READERS))
def test_a_path_out_of_the_granted_folder_is_refused_and_its_secret_never_read(escapes, reader, escape):
    results, output = escapes
    result = results[f"{reader}|{escape}"]
    assert result["status"] == "failed", result
    assert "outside the granted data folders" in result["error"], result["error"]
    assert SECRET not in output


def test_the_suite_keeps_at_least_40_path_escapes():
    assert len(READERS) * len(ESCAPES) >= 40


# --- model files ------------------------------------------------------------------------------

def _hostile_models():
    path = ROOT / "plugins" / "sklearn" / "tests" / "test_hostile_model_files.py"
    spec = importlib.util.spec_from_file_location("dataflow_security_hostile_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOSTILE_MODELS = _hostile_models()
CARRYING_CODE = ["a pickle named .skops", "a joblib file named .skops", "a skops file naming os.system"]


class _Planted:
    """Creates the marker file when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def iris() -> pd.DataFrame:
    from dataflow.kernel import load_registry

    load_registry()
    from dataflow_samples.toys import dataset

    return run_node(dataset, name="iris")["table"]


def _skops_naming_os_system(iris, path: Path, marker: Path) -> None:
    """A genuine skops file whose top object claims to be `os.system`, called with the marker command."""
    from dataflow_sklearn.model_files import save_model

    genuine = run_node(HOSTILE_MODELS.train_classifier, {"table": iris}, target="target",
                       model="sklearn.logistic_regression")["model"]
    run_node(save_model, {"model": genuine}, path=str(path))
    with zipfile.ZipFile(path) as original:
        members = {name: original.read(name) for name in original.namelist()}
    schema = json.loads(members["schema.json"])
    schema.update({"__module__": "os", "__class__": "system", "__loader__": "FunctionNode",
                   "content": {"module_path": "os", "function": "system"}, "args": [f"touch {marker}"]})
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.security_check("hostile model files refused, app process survives")
@pytest.mark.parametrize("case", [*sorted(HOSTILE_MODELS.HOSTILE), *CARRYING_CODE])
def test_a_hostile_model_file_is_a_node_error_and_runs_nothing(iris, tmp_path, case):
    import joblib
    from dataflow_sklearn.model_files import load_model, save_model

    marker, path = tmp_path / "marker", tmp_path / "shared.skops"
    if case == "a pickle named .skops":
        path.write_bytes(pickle.dumps(_Planted(marker)))
    elif case == "a joblib file named .skops":
        joblib.dump(_Planted(marker), path)
    elif case == "a skops file naming os.system":
        _skops_naming_os_system(iris, path, marker)
    else:
        model_id, hyperparameters, edit, _ = HOSTILE_MODELS.HOSTILE[case]
        genuine = run_node(HOSTILE_MODELS.train_classifier, {"table": iris}, target="target", model=model_id,
                           hyperparameters=hyperparameters)["model"]
        run_node(save_model, {"model": HOSTILE_MODELS._edited(genuine, edit)}, path=str(path))
    with pytest.raises(NodeError, match=r"parameter 'path': (refused to load|not a skops model file)"):
        run_node(load_model, path=str(path))
    assert not marker.exists()  # and this process is still here to say so


def test_the_suite_keeps_at_least_10_hostile_model_files():
    assert len(HOSTILE_MODELS.HOSTILE) + len(CARRYING_CODE) >= 10


# --- write targets ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def writes(tmp_path_factory, pack_site):
    """One `dataflow run` writing to every hostile target: (results by node id, targets, before)."""
    base = tmp_path_factory.mktemp("writes")
    project, home, cache = base / "project", base / "home", base / "cache"
    project.mkdir()
    home.mkdir()
    (project / "in.csv").write_text("a,b\n1,2\n")
    for name in ("run.sh", "tool.csv"):
        (project / name).write_text("#!/bin/sh\necho hi\n")
        (project / name).chmod(0o755)
    (home / ".profile").write_text("# profile\n")
    (project / "profile.csv").symlink_to(home / ".profile")
    settings = cache / "app" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"data_dirs": []}')
    targets = _targets(project, home, settings)
    flow_path = project / "flow.json"
    nodes = [{"id": "data", "type": "io.read_file", "params": {"path": "in.csv"}}]
    nodes += [{"id": name, "type": "io.write_file", "params": {"path": str(path), "format": fmt}}
              for name, (path, fmt, _) in targets.items()]
    flow = write_workflow(flow_path, nodes, [{"source": "data", "target": n["id"]} for n in nodes[1:]])
    before = {p: (p.read_bytes(), stat.S_IMODE(os.lstat(p).st_mode)) for p in [*(t[0] for t in targets.values()), flow]
              if p.is_file()}
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "run", str(flow), "--json", "--data-dir",
                           str(home), "--data-dir", str(base)], env={**os.environ, "DATAFLOW_CACHE_DIR": str(cache)},
                          capture_output=True, text=True, timeout=600)
    return {n["id"]: n for n in json.loads(done.stdout)["nodes"]}, targets, before


WRITE_TARGETS = ["conftest", "python_as_json", "makefile", "bashrc", "hidden_csv", "dotfile_through_link",
                 "existing_run_sh", "executable_named_csv", "the_workflow_itself", "private_settings",
                 "private_new_file", "a_folder", "version_history"]


@pytest.mark.security_check("hostile write targets refused, file untouched")
@pytest.mark.parametrize("target", WRITE_TARGETS)
def test_a_hostile_write_target_is_a_node_error_and_its_file_is_untouched(writes, target):
    results, targets, before = writes
    path, _, says = targets[target]
    assert results[target]["status"] == "failed" and says in results[target]["error"], results[target]
    if path in before:
        assert (path.read_bytes(), stat.S_IMODE(os.lstat(path).st_mode)) == before[path]
    else:
        assert path.is_dir() or not path.exists()  # the marker: nothing planted


def test_the_suite_keeps_every_write_target_of_the_write_tests(tmp_path):
    assert set(WRITE_TARGETS) == set(_targets(tmp_path, tmp_path, tmp_path / "s.json")) and len(WRITE_TARGETS) >= 10
