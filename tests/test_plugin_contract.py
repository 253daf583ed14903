"""The plugin contract has no holes: a hook no spec declares is the plugin's reported problem (with a
"did you mean"), hooks declared outside the kernel are known before plugins register, and
`DATAFLOW_TRACE_PLUGINS=1` shows what each plugin registered and which run events it received."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow.kernel import load_registry
from tests.helpers import ROOT, Cli, install_module_pack

MISSPELT = """
from dataflow.sdk import hookimpl

@hookimpl
def register_node(register):
    raise AssertionError("a hook no spec declares is never called")
"""

OPTIONAL = """
from dataflow.sdk import hookimpl

@hookimpl(optionalhook=True)
def register_widgets(register):
    pass
"""

# a pack that declares its own hook (`register_units`) in a hookspecs module and calls it
OWNER_SPECS = """
import pluggy

hookspec = pluggy.HookspecMarker("dataflow")

@hookspec
def register_units(register):
    '''Contribute units of measure: register(name, factor).'''
"""
USER = """
from dataflow.sdk import hookimpl

@hookimpl
def register_units(register):
    register("mile", 1609.344)
"""

WATCHER = """
from dataflow.sdk import hookimpl

@hookimpl
def on_node_end(run_id, node_id, node_type, status, seconds):
    pass

@hookimpl
def on_run_end(run_id, status, seconds):
    pass
"""


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    """A folder of one-module packs, on sys.path here and on PYTHONPATH for the CLI."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


@pytest.fixture
def cli(site, cache_dir) -> Cli:
    return Cli(site, cache_dir)


def _declare_hookspecs(site: Path, pack: str, module: str, source: str) -> None:
    """Give `pack` (made by install_module_pack) a hookspecs module in the `dataflow.hookspecs` group."""
    (site / f"{module}.py").write_text(source)
    entry_points = site / f"dataflow_{pack}-0.1.0.dist-info" / "entry_points.txt"
    entry_points.write_text(entry_points.read_text() + f"\n[dataflow.hookspecs]\n{pack} = {module}\n")


def test_a_misspelt_hook_is_reported_by_dataflow_plugins_with_the_plugin_the_hook_and_a_suggestion(site, cli):
    install_module_pack(site, "typo", MISSPELT)
    done = cli("plugins")
    assert done.returncode == 0, done.stderr
    row = done.stdout.splitlines().index(next(line for line in done.stdout.splitlines() if line.startswith("typo ")))
    problem = done.stdout.splitlines()[row + 1]
    assert ("problem: hook 'register_node' is declared by no hookspec of DataFlow or of a loaded plugin, "
            "so it is never called") in problem
    assert "(did you mean `register_nodes`?)" in problem
    code, plugins = cli.json("plugins")
    typo = next(p for p in plugins if p["name"] == "typo")
    assert (typo["status"], typo["unknown_hooks"]) == ("loaded", ["register_node"])
    assert next(p for p in plugins if p["name"] == "io")["problems"] == []


def test_a_run_warns_about_a_misspelt_hook_once_naming_the_plugin(site, cli, tmp_path):
    install_module_pack(site, "typo", MISSPELT)
    done = cli("validate", ROOT / "workflows" / "iris_classification.json")
    warnings = [line for line in done.stderr.splitlines() if "register_node'" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: plugin 'typo': hook 'register_node'"), done.stderr


def test_a_hook_marked_optional_is_not_a_problem(site):
    install_module_pack(site, "optional", OPTIONAL)
    record = load_registry().plugins["optional"]
    assert (record.status, record.problems, record.unknown_hooks) == ("loaded", [], [])


def test_the_apps_viewer_hook_is_known_to_the_cli_so_a_pack_implementing_it_has_no_problem(pack_site, cache_dir):
    code, plugins = Cli(pack_site, cache_dir).json("plugins")
    testpack = next(p for p in plugins if p["name"] == "testpack")
    assert testpack["problems"] == [] and testpack["unknown_hooks"] == []


def test_a_hook_declared_by_a_packs_own_hookspecs_module_is_known_and_can_be_collected(site):
    from dataflow.kernel.plugins import collect_contributions

    install_module_pack(site, "units", "")
    _declare_hookspecs(site, "units", "units_hookspecs", OWNER_SPECS)
    install_module_pack(site, "miles", USER)
    registry = load_registry()
    assert registry.plugins["miles"].problems == []
    units = collect_contributions(registry, "register_units", lambda plugin, name, factor: (name, factor))
    assert units == {"mile": 1609.344}
    assert registry.plugins["miles"].contributions["units"] == ["mile"]


def test_a_hookspecs_module_that_fails_to_import_is_reported_and_everything_else_loads(site):
    install_module_pack(site, "units", "")
    _declare_hookspecs(site, "units", "broken_hookspecs", "raise ImportError('no units today')\n")
    registry = load_registry()
    record = registry.plugins["units (hookspecs)"]
    assert record.status == "failed" and "no units today" in record.error
    assert registry.plugins["units"].ok and "io.read_csv" in registry.nodes


def test_a_viewer_hook_that_raises_is_the_plugins_problem_and_gives_nothing(site):
    from dataflow.kernel.plugins import collect_contributions
    from dataflow.ui.resources import check_viewer

    install_module_pack(site, "badview", "from dataflow.sdk import hookimpl\n\n@hookimpl\n"
                                         "def register_viewers(register):\n    register('graph')\n")
    registry = load_registry()
    viewers = collect_contributions(registry, "register_viewers", check_viewer)
    assert "graph" not in viewers
    (problem,) = registry.plugins["badview"].problems
    assert problem.startswith("in register_viewers: TypeError: register_viewers expects register(port_type_name")


def test_trace_plugins_shows_each_registration_and_each_event_a_plugin_observes(site, cli, tmp_path):
    install_module_pack(site, "watcher", WATCHER)
    cli.env["DATAFLOW_TRACE_PLUGINS"] = "1"
    done = cli("run", ROOT / "workflows" / "iris_classification.json", "--executor", "sequential")
    assert done.returncode == 0, done.stderr
    traced = [line.removeprefix("dataflow trace: ") for line in done.stderr.splitlines()
              if line.startswith("dataflow trace: ")]
    assert "plugin 'sklearn' register_nodes -> 'sklearn.train_classifier' " \
           "(dataflow_sklearn.training.train_classifier)" in traced, traced
    assert any(line.startswith("plugin 'io' register_sources -> 'csv' ") for line in traced)
    ends = [line for line in traced if line.startswith("plugin 'watcher' on_node_end(")]
    assert len(ends) == 6 and "node_id='train'" in " ".join(ends) and "status='computed'" in ends[0], traced
    assert traced[-1].startswith("plugin 'watcher' on_run_end(") and "status='ok'" in traced[-1]
    assert not any("on_node_start" in line for line in traced)  # delivered only to plugins that observe it

    del cli.env["DATAFLOW_TRACE_PLUGINS"]
    quiet = cli("run", ROOT / "workflows" / "iris_classification.json", "--executor", "sequential")
    assert quiet.returncode == 0 and "dataflow trace:" not in quiet.stderr
