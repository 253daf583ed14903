"""Plugins load one at a time: a broken one is reported with its error and never takes the others down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataflow.kernel import load_registry
from tests.helpers import PACKS, Cli, edge, pip_install_target, write_workflow


@pytest.fixture(scope="module")
def trouble_site(tmp_path_factory):
    """Packs that misbehave, pip-installed into their own folder (only some tests put it on the path)."""
    target = tmp_path_factory.mktemp("trouble")
    pip_install_target(target, *(PACKS / name for name in ("brokenpack", "dupepack", "badnodepack",
                                                            "observerpack")))
    return target


@pytest.fixture
def trouble_cli(pack_site, cache_dir, trouble_site):
    return Cli(pack_site, cache_dir, extra_path=[trouble_site])


def test_a_pack_named_like_a_built_in_plugin_is_refused_unimported_and_the_built_in_stays(
        pack_site, cache_dir, tmp_path):
    site = tmp_path / "site"
    pip_install_target(site, PACKS / "impostorpack")
    cli = Cli(pack_site, cache_dir, extra_path=[site])  # the impostor is found first
    cli.env["IMPOSTOR_MARKER"] = str(tmp_path / "imported")
    code, plugins = cli.json("plugins")
    assert code == 0
    io = {p["distribution"]: p for p in plugins if p["name"] == "io"}
    assert io["dataflow-io"]["status"] == "loaded"
    impostor = io["dataflow-impostorpack"]
    assert impostor["status"] == "failed"
    assert "the plugin name 'io' is reserved for DataFlow's built-in dataflow-io" in impostor["error"]
    _, nodes = cli.json("nodes")
    assert {"io.read_file", "io.write_file"} <= {n["type"] for n in nodes}
    assert not (tmp_path / "imported").exists()


def test_plugins_lists_distribution_version_and_contributions(cli):
    code, plugins = cli.json("plugins")
    testpack = next(p for p in plugins if p["name"] == "testpack")
    assert code == 0
    assert (testpack["distribution"], testpack["version"], testpack["status"]) == ("dataflow-testpack", "1.2.3",
                                                                                   "loaded")
    assert "testpack.add" in testpack["contributions"]["nodes"]


def test_a_pack_that_fails_to_import_is_reported_and_the_rest_load(trouble_cli):
    code, plugins = trouble_cli.json("plugins")
    by_name = {p["name"]: p for p in plugins}
    assert code == 0
    assert by_name["brokenpack"]["status"] == "failed"
    assert "ModuleNotFoundError" in by_name["brokenpack"]["error"]
    assert by_name["badnodepack"]["status"] == "failed"
    assert "parameter 'threshold' needs a default" in by_name["badnodepack"]["error"]
    assert by_name["testpack"]["status"] == "loaded"
    code, nodes = trouble_cli.json("nodes")
    types = {n["type"] for n in nodes}
    assert "testpack.numbers" in types and "dupepack.own" in types


def test_two_packs_declaring_one_node_type_are_both_reported_and_neither_wins(trouble_cli):
    _, plugins = trouble_cli.json("plugins")
    by_name = {p["name"]: p for p in plugins}
    for name, other in (("testpack", "dupepack"), ("dupepack", "testpack")):
        (problem,) = by_name[name]["problems"]
        assert "node 'testpack.add' is also declared by plugin" in problem and other in problem
    _, nodes = trouble_cli.json("nodes")
    assert "testpack.add" not in {n["type"] for n in nodes}


def test_a_workflow_using_a_conflicting_type_says_why_it_is_missing(trouble_cli, tmp_path):
    path = write_workflow(tmp_path / "w.json", [{"id": "n", "type": "testpack.numbers", "params": {}},
                                               {"id": "a", "type": "testpack.add", "params": {}}], [edge("n", "a")])
    code, report = trouble_cli.json("validate", path)
    assert code == 2
    assert "declared by several plugins" in report["problems"][0]["message"]


def test_a_plugin_can_be_disabled_and_the_conflict_goes_away(trouble_cli):
    trouble_cli.env["DATAFLOW_DISABLE_PLUGINS"] = "dupepack,brokenpack"
    _, plugins = trouble_cli.json("plugins")
    by_name = {p["name"]: p for p in plugins}
    assert by_name["dupepack"]["status"] == "disabled" and by_name["brokenpack"]["status"] == "disabled"
    _, nodes = trouble_cli.json("nodes")
    assert "testpack.add" in {n["type"] for n in nodes}


def test_an_allowlist_loads_only_the_named_plugins(pack_site, monkeypatch):
    monkeypatch.setenv("DATAFLOW_PLUGINS", "testpack")
    registry = load_registry()
    assert {r.name for r in registry.plugins.values() if r.ok} == {"testpack"}


def test_a_plugin_raising_systemexit_while_registering_is_recorded(pack_site, trouble_site, monkeypatch):
    monkeypatch.syspath_prepend(str(trouble_site))
    monkeypatch.setenv("OBSERVER_FAIL_REGISTER", "1")
    registry = load_registry()
    record = registry.plugins["observerpack"]
    assert record.status == "failed" and "registration refused" in record.error
    assert registry.plugins["testpack"].ok


def test_nodes_json_describes_ports_and_params(cli):
    _, nodes = cli.json("nodes")
    scale = next(n for n in nodes if n["type"] == "testpack.scale")
    assert scale["plugin"] == "testpack" and scale["category"] == "Test/Math"
    assert scale["description"] == "Multiply or divide every value."
    assert scale["inputs"] == [{"name": "data", "type": "params", "optional": False, "help": ""}]
    assert scale["outputs"][0]["type"] == "params"
    factor, mode = scale["params"]
    assert (factor["name"], factor["type"], factor["default"], factor["min"], factor["max"], factor["help"]) == (
        "factor", "float", 2.0, -100, 100, "Multiplier")
    assert mode["choices"] == ["multiply", "divide"]


def test_observers_see_every_run_event_and_raising_ones_never_break_a_run(trouble_cli, tmp_path):
    log = tmp_path / "observer.log"
    trouble_cli.env["OBSERVER_LOG"] = str(log)
    trouble_cli.env["DATAFLOW_DISABLE_PLUGINS"] = "dupepack"
    path = write_workflow(tmp_path / "w.json", [{"id": "n", "type": "testpack.numbers", "params": {}},
                                               {"id": "bad", "type": "testpack.fail", "params": {}}],
                          [edge("n", "bad")])
    code, report = trouble_cli.json("run", path, "--executor", "sequential")
    assert code == 1 and report["status"] == "failed"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["event"] for e in events] == ["run_start", "node_start", "node_end", "node_start", "node_error",
                                            "run_end"]
    assert events[0]["nodes"] == ["n", "bad"] and events[-1]["status"] == "failed"
    assert events[4]["error"] == "parameter 'message': boom"


def test_sources_and_viewers_are_registered_with_their_plugin(registry):
    from dataflow.kernel.plugins import collect_contributions
    from dataflow.ui.resources import check_viewer

    assert registry.sources["numbers-txt"].matches(Path("a.numbers"))
    assert registry.owners[("sources", "numbers-txt")] == "testpack"
    viewers = collect_contributions(registry, "register_viewers", check_viewer)  # the app's own hook
    assert "params" in viewers and registry.owners[("viewers", "params")] == "testpack"
    assert registry.plugins["testpack"].contributions["viewers"] == ["params"]


@pytest.mark.parametrize("command", ["run", "validate", "nodes", "plugins"])
def test_each_plugin_failure_is_said_once(trouble_cli, tmp_path, command):
    path = write_workflow(tmp_path / "w.json", [{"id": "n", "type": "testpack.numbers", "params": {}}])
    done = trouble_cli(command, *([path] if command in ("run", "validate") else []))
    for plugin in ("brokenpack", "badnodepack"):
        said = [line for line in done.stderr.splitlines() if f"'{plugin}'" in line]
        if command == "plugins":
            assert said == [], done.stderr  # its table says it (stdout)
            assert plugin in done.stdout
        else:
            assert len(said) == 1, done.stderr
            assert said[0].startswith(f"warning: plugin '{plugin}' failed to load")
