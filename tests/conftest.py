"""Shared fixtures: test packs installed for real with pip, a private cache folder per test, the CLI."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from tests.helpers import PACKS, Cli, pip_install_target, write_workflow


@pytest.fixture(scope="session")
def pack_site(tmp_path_factory) -> Path:
    """The test pack `dataflow-testpack`, pip-installed into a folder on sys.path (and PYTHONPATH
    for subprocesses), so its entry point is discovered like any installed pack's."""
    target = tmp_path_factory.mktemp("site")
    pip_install_target(target, PACKS / "testpack")
    sys.path.insert(0, str(target))
    yield target
    sys.path.remove(str(target))

@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A fresh private cache folder for this test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("DATAFLOW_CACHE_DIR", str(folder))
    return folder

@pytest.fixture
def registry(pack_site):
    from dataflow.kernel import load_registry

    return load_registry()

@pytest.fixture
def cli(pack_site, cache_dir) -> Cli:
    return Cli(pack_site, cache_dir)


@pytest.fixture
def graph_of(registry, tmp_path):
    """Compile a workflow of test-pack nodes: `graph_of(nodes, edges)`, each written to its own file."""
    from dataflow.kernel import compile_workflow, load_workflow

    counter = itertools.count()

    def make(nodes, edges=()):
        path = write_workflow(tmp_path / f"w{next(counter)}.json", nodes, list(edges), name="graph")
        return compile_workflow(load_workflow(path), registry)

    return make
