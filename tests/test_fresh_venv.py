"""A third-party pack, installed with `dataflow install` into a fresh virtual environment next to
the kernel and the built-in plugins, runs in a workflow with built-in nodes, headless.

This is the path a pack author's users take, so it uses real pip, a real venv and real builds
(dependencies come from pip's cache or index). One venv is built per session (about a minute).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from tests.helpers import FreshVenv

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "examples" / "network-pack"
# sklearn: the network pack adds a model, so it depends on dataflow-sklearn (which owns `@estimator`)
BUILTINS = ["cache", "serializers", "executors", "io", "samples", "transform", "sklearn"]


@pytest.fixture(scope="session")
def fresh(tmp_path_factory) -> FreshVenv:
    folder = tmp_path_factory.mktemp("fresh") / "venv"
    venv.create(folder, with_pip=True)
    env = FreshVenv(folder)
    env.pip("install", "setuptools>=70.1")
    # the kernel without the app's dependencies (streamlit): a headless installation
    env.pip("install", "--no-build-isolation", "--no-deps", ROOT)
    env.pip("install", "--no-build-isolation", "pluggy>=1.5", "xxhash>=3.4", "packaging>=23",
            *[ROOT / "plugins" / name for name in BUILTINS])
    return env


@pytest.fixture(scope="session")
def installed(fresh) -> dict:
    done = fresh.dataflow("install", PACK, "--yes", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_install_shows_the_dry_run_plan_and_the_new_nodes_at_once(installed):
    assert installed["status"] == "installed"
    change = next(c for c in installed["plan"]["changes"] if c["name"] == "dataflow-network-pack")
    assert change["action"] == "new" and change["requested"] and change["problem"] is None
    assert set(installed["new_nodes"]) == {"network.from_edges", "network.degrees", "network.components"}


def test_the_pack_is_listed_with_its_distribution_and_contributions(fresh, installed):
    records = {r["name"]: r for r in json.loads(fresh.dataflow("plugins", "--json").stdout)}
    network = records["network"]
    assert (network["distribution"], network["version"], network["status"]) == (
        "dataflow-network-pack", "1.0.0", "loaded")
    # its viewer is the app's (register_viewers, ui/hookspecs.py): known, so no problem, listed by the app
    assert set(network["contributions"]) == {"nodes", "serializers", "sources", "estimators"}
    assert network["problems"] == [] and network["unknown_hooks"] == []


def test_its_nodes_run_with_built_in_nodes_headless(fresh, installed, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(PACK / "example", project)
    out = tmp_path / "out"
    done = fresh.dataflow("run", project / "busiest_airports.json", "--json", "--output-dir", out)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert {n["id"]: n["status"] for n in result["nodes"]} == dict.fromkeys(
        ["routes", "graph", "degrees", "groups", "top"], "computed")
    import pandas as pd

    top = pd.read_parquet(out / "top.parquet")
    assert top["node"].tolist()[:4] == ["AMS", "CDG", "JFK", "LHR"]  # 3 routes each, then by name
    assert top["degree"].tolist() == [3, 3, 3, 3, 2]
    assert (out / "groups.parquet").exists()
    again = json.loads(fresh.dataflow("run", project / "busiest_airports.json", "--json").stdout)
    assert {n["status"] for n in again["nodes"]} == {"cached"}  # the pack's graph type is cached too


def test_the_packs_own_tests_pass_there(fresh, installed):
    fresh.pip("install", "pytest")
    done = subprocess.run([str(fresh.bin / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", PACK / "tests"],
                          capture_output=True, text=True, env=fresh.env, cwd=PACK, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_pack_that_would_downgrade_an_installed_plugin_is_refused_and_nothing_changes(fresh, installed,
                                                                                         tmp_path):
    wheels = tmp_path / "wheels"
    old = tmp_path / "old-network"
    shutil.copytree(PACK, old, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    pyproject = old / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "1.0.0"', 'version = "0.9.0"'))
    fresh.pip("wheel", "--no-build-isolation", "--no-deps", "--wheel-dir", wheels, old)
    greedy = tmp_path / "greedy-pack"
    (greedy / "greedy").mkdir(parents=True)
    (greedy / "greedy" / "__init__.py").write_text("")
    (greedy / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "greedy-pack"\nversion = "1.0"\ndependencies = ["dataflow-network-pack<1.0"]\n'
        '[tool.setuptools]\npackages = ["greedy"]\n')
    before = fresh.frozen()
    fresh.env["PIP_FIND_LINKS"] = str(wheels)
    fresh.env["PIP_NO_BUILD_ISOLATION"] = "0"  # pip's inverted flag: build without isolation, offline
    try:
        done = fresh.dataflow("install", greedy, "--yes", "--json")
    finally:
        del fresh.env["PIP_FIND_LINKS"], fresh.env["PIP_NO_BUILD_ISOLATION"]
    assert done.returncode == 2, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "refused" and result["plan"]["refused"] == ["dataflow-network-pack"]
    problem = next(c["problem"] for c in result["plan"]["changes"] if c["name"] == "dataflow-network-pack")
    assert "downgraded from 1.0.0 to 0.9.0" in problem and "DataFlow" in problem
    assert fresh.frozen() == before


def test_new_pack_creates_a_pack_that_installs_and_passes_its_own_test(fresh, installed, tmp_path):
    done = fresh.dataflow("new-pack", "text-tools", "--dir", tmp_path)
    assert done.returncode == 0, done.stderr
    fresh.pip("install", "--no-build-isolation", "-e", tmp_path / "text-tools")
    nodes = {n["type"] for n in json.loads(fresh.dataflow("nodes", "--json").stdout)}
    assert "text_tools.add_ratio" in nodes
    fresh.pip("install", "pytest")
    tests = subprocess.run([str(fresh.bin / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           capture_output=True, text=True, env=fresh.env, cwd=tmp_path / "text-tools", timeout=300)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout
