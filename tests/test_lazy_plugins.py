"""A run loads only the plugins it uses (the plugin index, kernel/pluginindex.py), and the command
imports only its own modules; every answer stays what a load of every plugin gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dataflow.kernel import Engine, WorkflowError, compile_workflow, load_registry, load_workflow
from dataflow.kernel.pluginindex import FILE_NAME, read_index
from dataflow.kernel.plugins import GROUP, SPEC_GROUP
from tests.helpers import ROOT, install_module_pack, write_workflow

IRIS = ROOT / "workflows" / "iris_classification.json"
#: the plugins none of the iris example's nodes come from, and that give nothing else a run needs
NOT_USED_BY_IRIS = ("dataflow_db", "dataflow_dask", "dataflow_sql", "dataflow_time", "dataflow_transform")
OTHER_COMMANDS = ("dataflow.cli.history", "dataflow.cli.versions", "dataflow.cli.packs", "dataflow.cli.install",
                  "dataflow.cli.report", "dataflow.cli.script", "dataflow.sdk.template")

NODE_ONLY_PACK = '''
from dataflow.sdk import Params, hookimpl, node

@node(category="Test", version=1)
def ones(*, n: int = 3) -> Params:
    """n ones."""
    return {"ones": [1] * n}

@hookimpl
def register_nodes(register):
    register(ones)
'''
OBSERVER_PACK = NODE_ONLY_PACK + '''
@hookimpl
def on_run_start(run_id):
    pass
'''

PROBE = """
import json, sys
from dataflow.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_probe(cache: Path, *args: str) -> tuple[int, set[str]]:
    """`dataflow *args` in a new process; its exit code and every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATAFLOW_CACHE_DIR": str(cache)}, cwd=ROOT)
    assert done.stdout, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["code"], set(out["modules"])


def imported(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.partition(".")[0] in packages or m in packages)


def test_a_cached_run_imports_only_its_own_plugins_and_command_and_no_data_library(tmp_path):
    cache = tmp_path / "cache"
    code, first = run_probe(cache, "run", str(IRIS), "-q")
    assert code == 0 and (cache / FILE_NAME).is_file()
    assert imported(first, NOT_USED_BY_IRIS)  # no index yet: everything loaded, as before
    code, cached = run_probe(cache, "run", str(IRIS), "-q")
    assert code == 0
    assert imported(cached, NOT_USED_BY_IRIS) == []
    assert {"dataflow_samples", "dataflow_sklearn", "dataflow_plotly", "dataflow_cache"} <= cached
    assert [m for m in OTHER_COMMANDS if m in cached] == []
    assert "importlib.metadata" not in cached  # the index replaces reading every distribution's metadata
    assert imported(cached, ("pandas", "sklearn", "plotly", "scipy", "pyarrow", "numpy")) == []


ESTIMATORS_PROBE = """
import json
from dataflow.kernel import load_registry
load_registry(lazy=True)
registry = load_registry(lazy=True)
deferred = sorted(registry.deferred_plugins)
estimators = sorted(registry.contributions("estimators"))
print(json.dumps({"deferred": deferred, "estimators": estimators, "left": sorted(registry.deferred_plugins)}))
"""


def test_a_plugin_that_declares_hooks_no_other_plugin_implements_waits_with_its_kind(tmp_path):
    """Without the test packs (none implements `register_estimators`), the sklearn plugin waits;
    asking for its kind loads it, and every other deferred plugin, first."""
    done = subprocess.run([sys.executable, "-c", ESTIMATORS_PROBE], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATAFLOW_CACHE_DIR": str(tmp_path / "cache")}, cwd=ROOT)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert "sklearn" in out["deferred"] and out["left"] == []
    assert "sklearn.logistic_regression" in out["estimators"], out["estimators"]


def test_a_run_without_machine_learning_nodes_imports_no_machine_learning_plugin(tmp_path):
    cache = tmp_path / "cache"
    path = write_workflow(tmp_path / "w.json", [{"id": "d", "type": "samples.dataset", "params": {"name": "iris"}}])
    run_probe(cache, "run", str(path), "-q")
    code, modules = run_probe(cache, "run", str(path), "-q")
    assert code == 0 and imported(modules, ("dataflow_sklearn", "dataflow_plotly", *NOT_USED_BY_IRIS)) == []


def test_listing_nodes_still_loads_every_plugin(tmp_path):
    cache = tmp_path / "cache"
    run_probe(cache, "run", str(IRIS), "-q")
    code, modules = run_probe(cache, "nodes", "--json")
    assert code == 0 and set(NOT_USED_BY_IRIS) <= modules


@pytest.fixture
def indexed(cache_dir):
    """A lazy registry read from a freshly written index."""
    load_registry(lazy=True)  # writes the index
    registry = load_registry(lazy=True)
    assert registry.deferred_plugins, "the index was not used"
    return registry


def test_cache_keys_are_the_same_with_lazy_and_full_loading(indexed, tmp_path):
    full = load_registry()
    keys = {}
    for name, registry in (("full", full), ("lazy", indexed)):
        graph = compile_workflow(load_workflow(IRIS), registry)
        with Engine.open(registry, executor="sequential", directory=tmp_path / name) as engine:
            keys[name] = {node: plan.key for node, plan in engine.plan(graph).items()}
    assert keys["lazy"] == keys["full"] and len(keys["full"]) == 6
    assert {"db", "dask", "transform"} <= set(indexed.deferred_plugins)
    assert indexed.plugins["db"].status == "deferred"


KEYS_PROBE = """
import json, sys, tempfile
from pathlib import Path
from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow
registry = load_registry(lazy=sys.argv[1] == "lazy")
graph = compile_workflow(load_workflow(sys.argv[2]), registry)
with tempfile.TemporaryDirectory() as folder, Engine.open(registry, executor="sequential",
                                                             directory=Path(folder)) as engine:
    keys = {node: plan.key.key + " " + plan.key.code for node, plan in engine.plan(graph).items()}
print(json.dumps({"keys": keys, "deferred": sorted(registry.deferred_plugins)}))
"""


def test_cache_keys_are_the_same_in_a_lazy_process_and_a_full_one(tmp_path):
    """Each process imports the plugins itself, so the code fingerprints are computed anew in each."""
    def keys(mode: str) -> dict:
        done = subprocess.run([sys.executable, "-c", KEYS_PROBE, mode, str(IRIS)], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "DATAFLOW_CACHE_DIR": str(tmp_path / "cache")}, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    keys("lazy")  # writes the index
    lazy, full = keys("lazy"), keys("full")
    assert "transform" in lazy["deferred"] and full["deferred"] == []
    assert lazy["keys"] == full["keys"] and len(full["keys"]) == 6
    assert all(len(text.split()) == 2 for text in full["keys"].values())  # a key and a code fingerprint


def test_a_lookup_loads_the_plugin_that_gives_the_node_type_or_executor(indexed):
    assert "transform" in indexed.deferred_plugins
    assert indexed.nodes["transform.sort"].plugin == "transform"
    assert "transform" not in indexed.deferred_plugins and indexed.plugins["transform"].ok
    assert "db" in indexed.deferred_plugins  # untouched
    assert "dask" in indexed.executors and "dask" not in indexed.deferred_plugins


def test_an_unknown_type_loads_every_plugin_and_says_did_you_mean(indexed, tmp_path):
    path = write_workflow(tmp_path / "w.json", [{"id": "s", "type": "transform.sortt", "params": {}}])
    with pytest.raises(WorkflowError, match="did you mean `transform.sort`"):
        compile_workflow(load_workflow(path), indexed)
    assert indexed.deferred_plugins == {}
    assert sorted(indexed.nodes) == sorted(load_registry().nodes)


def test_a_client_hook_is_collected_from_every_plugin(indexed):
    from dataflow.kernel.plugins import collect_contributions

    collect_contributions(indexed, "register_exporters", lambda plugin, type_id, fn: (type_id, fn))
    assert indexed.deferred_plugins == {}
    assert "transform.sort" in indexed.extra["exporters"]


@pytest.fixture
def module_site(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def test_an_edited_plugin_or_a_new_distribution_makes_the_index_stale(module_site, cache_dir):
    install_module_pack(module_site, "lazyones", NODE_ONLY_PACK)
    load_registry(lazy=True)
    index = read_index(cache_dir / FILE_NAME, SPEC_GROUP, GROUP)
    assert index is not None
    assert next(p for p in index.plugins if p.name == "lazyones").provides == {"nodes": ["lazyones.ones"],
                                                                               "executors": []}
    install_module_pack(module_site, "lazyones", NODE_ONLY_PACK + "\n# edited\n")
    assert read_index(cache_dir / FILE_NAME, SPEC_GROUP, GROUP) is None
    load_registry(lazy=True)
    assert read_index(cache_dir / FILE_NAME, SPEC_GROUP, GROUP) is not None
    install_module_pack(module_site, "lazytwo", NODE_ONLY_PACK)  # a new distribution in a folder on sys.path
    assert read_index(cache_dir / FILE_NAME, SPEC_GROUP, GROUP) is None


def test_plugins_that_observe_runs_or_give_more_than_nodes_are_never_deferred(module_site, pack_site, cache_dir):
    install_module_pack(module_site, "lazywatch", OBSERVER_PACK)
    load_registry(lazy=True)
    registry = load_registry(lazy=True)
    for name in ("lazywatch", "testpack", "cache", "serializers", "io", "sklearn"):  # observer, sources, ...
        assert registry.plugins[name].status == "loaded", name
    assert [p for p, _ in registry.observers["on_run_start"]] == ["lazywatch"]


def test_a_cache_folder_that_cannot_be_made_means_a_full_load(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("DATAFLOW_CACHE_DIR", str(blocker / "cache"))
    registry = load_registry(lazy=True)
    assert registry.deferred_plugins == {} and "transform.sort" in registry.nodes


def test_disabled_plugins_stay_disabled_with_an_index(indexed, monkeypatch):
    monkeypatch.setenv("DATAFLOW_DISABLE_PLUGINS", "transform")
    registry = load_registry(lazy=True)
    assert registry.plugins["transform"].status == "disabled"
    assert "transform.sort" not in registry.nodes
    assert "disabled" in registry.why_missing("transform.sort")


TWIN = '''
from dataflow.sdk import Params, hookimpl, node

@node(category="Test", type_id="twin.ok")
def ok() -> Params:
    """One value."""
    return {"values": [1]}

@hookimpl
def register_nodes(register):
    register(ok)
'''
BROKEN = {"lazyraises": "raise RuntimeError('boom at import')\n",
          "lazymisspelt": "from dataflow.sdk import hookimpl\n\n@hookimpl\ndef register_nodez(register):\n    pass\n",
          "lazytwina": TWIN, "lazytwinb": TWIN}


def test_broken_plugins_are_reported_alike_with_an_index_and_never_wait(module_site, cache_dir):
    for name, source in BROKEN.items():
        install_module_pack(module_site, name, source)
    install_module_pack(module_site, "lazyones", NODE_ONLY_PACK)

    def said(registry):
        return {name: (registry.plugins[name].status, registry.plugins[name].error, registry.plugins[name].problems)
                for name in BROKEN}

    full = load_registry(lazy=True)  # no index yet: loads everything, writes it
    lazy = load_registry(lazy=True)
    assert lazy.deferred_plugins and "lazyones" in lazy.deferred_plugins
    assert said(lazy) == said(full)
    assert lazy.plugins["lazyraises"].status == "failed" and lazy.plugins["lazymisspelt"].problems
    assert "twin.ok" not in lazy.nodes and "twin.ok" not in full.nodes
    assert lazy.nodes["lazyones.ones"].plugin == "lazyones"


def test_the_parser_imports_no_command_module_and_not_the_kernel():
    code = ("import sys\nfrom dataflow.cli.main import build_parser\nbuild_parser()\n"
            "print(sorted(m for m in sys.modules if m.startswith(('dataflow.kernel', 'dataflow.sdk', 'dataflow.cli.'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['dataflow.cli.commands', 'dataflow.cli.main', 'dataflow.cli.terminal']"


def test_an_index_naming_a_module_no_installed_entry_point_declares_is_not_used(cache_dir):
    load_registry(lazy=True)
    path = cache_dir / FILE_NAME
    assert read_index(path, SPEC_GROUP, GROUP) is not None
    data = json.loads(path.read_text())
    db = next(entry for entry in data["plugins"] if entry["name"] == "db")
    db["value"] = "antigravity"  # importing it would open a web browser
    path.write_text(json.dumps(data))
    assert read_index(path, SPEC_GROUP, GROUP) is None
    registry = load_registry(lazy=True)  # a full load, which writes a true index again
    assert registry.deferred_plugins == {} and "antigravity" not in sys.modules
    assert next(e for e in read_index(path, SPEC_GROUP, GROUP).plugins if e.name == "db").value == "dataflow_db.plugin"
