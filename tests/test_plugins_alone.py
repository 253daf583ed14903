"""Each built-in plugin that ships nodes installs alone with pip next to a headless kernel: its
nodes, and no others, appear in `dataflow nodes`; a small workflow of them runs with `dataflow run`;
once it is uninstalled its nodes are gone and a workflow saved with them names the package to install.

One venv serves the whole module. It holds the kernel without the app (`--no-deps`, so no
streamlit: the root distribution requires it) and one infrastructure plugin, dataflow-executors,
because `dataflow run` needs an executor and the kernel ships none; it adds no node and no
dependency. dataflow-serializers and dataflow-cache are left out on purpose: no node needs them to
run (values pass between nodes in memory; without a cache tier nothing is cached), so no node
plugin may rely on them. The plugins are tested one after the other in that venv, each installed
from a wheel built from a clean copy of its folder (no stale `build/`), and uninstalled again.

What a plugin pulls in (pandas, scikit-learn, ...) stays installed for the next one, to keep the
module near a minute, so a missing dependency declaration could hide behind an earlier plugin.
`test_it_declares_every_package_it_imports` closes that gap: every module the installed plugin
imports must be the standard library, the public SDK (`dataflow.sdk`), the plugin itself, or come
from a distribution its declared requirements bring in.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import FreshVenv, edge, run_checked, write_workflow

ROOT = Path(__file__).resolve().parents[1]
INFRASTRUCTURE = ["executors"]


@dataclass(frozen=True)
class Case:
    """A node plugin, a small workflow of its nodes, and the plugins that workflow also needs."""

    plugin: str
    nodes: list[dict]
    edges: list[dict] = field(default_factory=list)
    #: plugins installed for the run only (a transform needs a table from somewhere)
    helpers: tuple[str, ...] = ()

    @property
    def distribution(self) -> str:
        return f"dataflow-{self.plugin}"


def _node(node_id: str, type_id: str, **params) -> dict:
    return {"id": node_id, "type": type_id, "params": params}


IRIS = _node("iris", "samples.dataset", name="iris")
CASES = {case.plugin: case for case in [
    Case("io", [_node("read", "io.read_csv", path="people.csv"), _node("write", "io.write_file", path="copy.csv")],
         [edge("read", "write")]),
    Case("samples", [_node("wine", "samples.dataset", name="wine"),
                     _node("blobs", "samples.synthetic", kind="blobs", rows=50)]),
    Case("transform", [_node("read", "io.read_csv", path="people.csv"),
                       _node("adults", "transform.filter", formula="age >= 18"),
                       _node("write", "io.write_file", path="adults.csv")],
         [edge("read", "adults"), edge("adults", "write")], helpers=("io",)),
    Case("sql", [IRIS, _node("sql", "sql.query", query="SELECT target, avg(\"petal length (cm)\") AS mean_petal "
                                                       "FROM a GROUP BY target"),
                 _node("files", "sql.query_files", path="people.csv", query="SELECT count(*) AS n FROM data")],
         [edge("iris", "sql", "table", "a")], helpers=("samples",)),
    Case("time", [_node("series", "samples.synthetic", kind="time_series", rows=60),
                  _node("weekly", "time.resample", on="date", period="W", aggregations=["value:mean"]),
                  _node("smooth", "time.rolling", columns=["value_mean"], window="time", span="21D", on="date"),
                  _node("later", "time.shift_dates", column="date", amount=1, unit="months")],
         [edge("series", "weekly"), edge("weekly", "smooth"), edge("smooth", "later")], helpers=("samples",)),
    Case("db", [_node("read", "io.read_csv", path="people.csv"),
                _node("write", "db.write_sqlite", path="people.sqlite", table_name="people")],
         [edge("read", "write")], helpers=("io",)),
    Case("plotly", [IRIS, _node("chart", "plotly.scatter", x="sepal length (cm)", y="petal length (cm)",
                                color="target")],
         [edge("iris", "chart")], helpers=("samples",)),
    Case("sklearn", [IRIS, _node("split", "sklearn.train_test_split", stratify="target", seed=1),
                     _node("train", "sklearn.train_classifier", target="target"),
                     _node("predict", "sklearn.predict"), _node("score", "sklearn.evaluate")],
         [edge("iris", "split"), edge("split", "train", "train", "table"), edge("train", "predict", "model", "model"),
          edge("split", "predict", "test", "table"), edge("predict", "score")], helpers=("samples",)),
]}
PEOPLE = "name,age\nAda,36\nTom,12\nGrace,85\nLin,17\n"

# Run in the venv: re-save a workflow file the way DataFlow does (recording in meta.node_types the
# plugin, distribution and version of each node type), with the plugins installed there.
SAVE = """
import sys
from dataflow.kernel import load_registry, load_workflow, save_workflow
save_workflow(load_workflow(sys.argv[1]), sys.argv[1], load_registry())
"""

# Run in the venv: the modules a distribution's Python files import (absolute imports, read from
# the installed files), which installed distribution provides each, and the distributions its
# requirements bring in (without extras).
IMPORTS = """
import ast, json, sys
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

name = sys.argv[1]
modules = set()
for file in distribution(name).files:
    if file.suffix == ".py":
        for node in ast.walk(ast.parse(file.locate().read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module)
closure, todo = set(), [name]
while todo:
    current = canonicalize_name(todo.pop())
    if current in closure:
        continue
    closure.add(current)
    try:
        requires = distribution(current).requires or []
    except PackageNotFoundError:
        continue
    todo += [r.name for r in map(Requirement, requires) if r.marker is None or r.marker.evaluate({"extra": ""})]
owners = packages_distributions()
print(json.dumps({
    "modules": {m: sorted({canonicalize_name(d) for d in owners.get(m.split(".")[0], [])}) for m in modules},
    "stdlib": sorted(sys.stdlib_module_names), "closure": sorted(closure)}))
"""


@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """A wheel of each plugin used here, built from a clean copy of its folder, by plugin name."""
    sources, wheelhouse = tmp_path_factory.mktemp("sources"), tmp_path_factory.mktemp("wheels")
    names = [*INFRASTRUCTURE, *CASES]
    for name in names:
        shutil.copytree(ROOT / "plugins" / name, sources / name,
                        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
    run_checked([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                 "--no-build-isolation", "--wheel-dir", wheelhouse, *[sources / name for name in names]])
    return {name: next(wheelhouse.glob(f"dataflow_{name}-*.whl")) for name in names}


@pytest.fixture(scope="session")
def kernel_only(wheels, tmp_path_factory) -> FreshVenv:
    """A venv with the kernel (without the app's dependencies) and the executors: no node plugin."""
    folder = tmp_path_factory.mktemp("alone") / "venv"
    venv.create(folder, with_pip=True)
    env = FreshVenv(folder)
    env.pip("install", "setuptools>=70.1")
    env.pip("install", "--no-build-isolation", "--no-deps", ROOT)
    env.pip("install", "pluggy>=1.5", "xxhash>=3.4", "packaging>=23", *[wheels[name] for name in INFRASTRUCTURE])
    return env


@pytest.fixture(scope="session")
def expected_nodes() -> dict[str, set[str]]:
    """The node types of each plugin, as the development environment (every plugin installed) lists them."""
    done = subprocess.run([sys.executable, "-m", "dataflow.cli", "nodes", "--json"], capture_output=True,
                          text=True, timeout=300, check=True)
    by_plugin: dict[str, set[str]] = {}
    for spec in json.loads(done.stdout):
        by_plugin.setdefault(spec["plugin"], set()).add(spec["type"])
    return by_plugin


@dataclass
class Installed:
    case: Case
    venv: FreshVenv
    folder: Path
    saved: Path  # a one-node workflow saved by DataFlow while the plugin was installed


@pytest.fixture(scope="module", params=list(CASES))
def alone(request, kernel_only, wheels, tmp_path_factory) -> Installed:
    """The plugin `request.param` pip-installed alone into the kernel's venv, uninstalled afterwards."""
    case = CASES[request.param]
    assert _node_types(kernel_only) == set(), "another node plugin is still installed"
    kernel_only.pip("install", wheels[case.plugin])
    folder = tmp_path_factory.mktemp(case.plugin)
    (folder / "people.csv").write_text(PEOPLE)
    first = next(n for n in case.nodes if n["type"].startswith(f"{case.plugin}."))
    saved = write_workflow(folder / "saved.json", [first])
    kernel_only.python("-c", SAVE, saved)
    yield Installed(case, kernel_only, folder, saved)
    kernel_only.pip("uninstall", "--yes", case.distribution)


def _node_types(env: FreshVenv) -> set[str]:
    done = env.dataflow("nodes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return {spec["type"] for spec in json.loads(done.stdout)}


def test_the_kernel_alone_lists_no_nodes_and_no_node_plugin(kernel_only):
    assert _node_types(kernel_only) == set()
    plugins = {r["name"] for r in json.loads(kernel_only.dataflow("plugins", "--json").stdout)}
    assert plugins == set(INFRASTRUCTURE)
    assert "streamlit" not in kernel_only.frozen().lower()


def test_its_nodes_and_no_others_are_listed(alone, expected_nodes):
    case = alone.case
    listed = _node_types(alone.venv)
    assert listed == expected_nodes[case.plugin]
    assert listed and all(t.startswith(f"{case.plugin}.") for t in listed)
    records = {r["name"]: r for r in json.loads(alone.venv.dataflow("plugins", "--json").stdout)}
    assert set(records) == {case.plugin, *INFRASTRUCTURE}
    record = records[case.plugin]
    assert (record["distribution"], record["status"], record["error"]) == (case.distribution, "loaded", None)
    assert "streamlit" not in alone.venv.frozen().lower()


def test_it_declares_every_package_it_imports(alone):
    case = alone.case
    found = json.loads(alone.venv.python("-c", IMPORTS, case.distribution).stdout)
    stdlib, closure, package = set(found["stdlib"]), set(found["closure"]), f"dataflow_{case.plugin}"
    problems = []
    for module, owners in sorted(found["modules"].items()):
        top = module.split(".")[0]
        if top in stdlib or top == package:
            continue
        if top == "dataflow":
            if module != "dataflow.sdk" and not module.startswith("dataflow.sdk."):
                problems.append(f"{module}: plugins may import only the public SDK, dataflow.sdk")
        elif top.startswith("dataflow_"):
            problems.append(f"{module}: imports another plugin")
        elif not owners:
            problems.append(f"{module}: not installed by `pip install {case.distribution}`")
        elif not set(owners) & closure:
            problems.append(f"{module}: comes from {', '.join(owners)}, which {case.distribution} does not require")
    assert not problems, "\n".join(problems)


def test_a_small_workflow_of_its_nodes_runs_headless(alone, wheels):
    case, env = alone.case, alone.venv
    workflow = write_workflow(alone.folder / "run.json", case.nodes, case.edges)
    if case.helpers:
        env.pip("install", *[wheels[name] for name in case.helpers])
    try:
        done = env.dataflow("run", workflow, "--json")
    finally:
        if case.helpers:
            env.pip("uninstall", "--yes", *[f"dataflow-{name}" for name in case.helpers])
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "ok"
    assert {n["id"]: n["status"] for n in result["nodes"]} == dict.fromkeys([n["id"] for n in case.nodes],
                                                                              "computed")
    if case.plugin == "io":
        assert (alone.folder / "copy.csv").read_text().splitlines() == PEOPLE.splitlines()
    if case.plugin == "transform":
        assert (alone.folder / "adults.csv").read_text().splitlines() == ["name,age", "Ada,36", "Grace,85"]
    if case.plugin == "db":
        import sqlite3

        with sqlite3.connect(alone.folder / "people.sqlite") as people:
            assert people.execute("SELECT count(*) FROM people").fetchone() == (4,)


def test_uninstalled_its_nodes_are_gone_and_a_saved_workflow_names_the_package(alone):
    case, env = alone.case, alone.venv
    (type_id,) = json.loads(alone.saved.read_text())["meta"]["node_types"]
    assert json.loads(alone.saved.read_text())["meta"]["node_types"][type_id]["distribution"] == case.distribution
    env.pip("uninstall", "--yes", case.distribution)
    assert _node_types(env) == set()
    for command in ("validate", "run"):
        done = env.dataflow(command, alone.saved, "--json")
        assert done.returncode == 2, done.stdout + done.stderr
        (problem,) = json.loads(done.stdout)["problems"]
        assert problem["code"] == "unknown_type"
        assert f"has type '{type_id}', which is not available" in problem["message"]
        assert f"install it with `pip install {case.distribution}`" in problem["message"]
