"""Version history of a workflow file: each save keeps the version it replaces (once, however often
it is saved), `dataflow history` lists them, `dataflow diff` says what changed node by node,
`dataflow restore` brings one back, and a damaged or hostile history is an error, never a crash."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from dataflow.cli.main import main
from dataflow.cli.versions import FOLDER, history_dir, list_versions, save_keeping_history, version_id
from dataflow.kernel import Edge, NodeInstance, load_workflow
from tests.campaign.test_workflow_files import SHIPPED, one_part_replaced
from tests.helpers import ROOT, edge, write_workflow


@pytest.fixture
def flow(tmp_path) -> Path:
    """numbers -> add -> total, written by hand (not yet saved by DataFlow: no history)."""
    (tmp_path / "work").mkdir()
    return write_workflow(tmp_path / "work" / "flow.json",
                          [{"id": "numbers", "type": "testpack.numbers", "params": {"count": 4},
                            "position": {"x": 0, "y": 0}},
                           {"id": "add", "type": "testpack.add", "params": {"amount": 1}, "position": {"x": 200, "y": 0},
                            "label": "Add one"},
                           {"id": "total", "type": "testpack.total", "position": {"x": 400, "y": 0}}],
                          [edge("numbers", "add"), edge("add", "total")], name="flow")


def save(path: Path, change) -> None:
    """Open the file, change it, save it as the app's Save does (keeping the version it replaces)."""
    time.sleep(0.02)            # one save after another, as a person makes them: distinct file times
    workflow = load_workflow(path)
    change(workflow)
    assert save_keeping_history(workflow, path) is None


def set_amount(value):
    def change(workflow):
        workflow.nodes["add"].params["amount"] = value
    return change


def history(cli, path: Path) -> list[dict]:
    code, data = cli.json("history", path)
    assert code == 0, data
    return data["versions"]


def test_each_save_keeps_the_version_it_replaces_and_an_identical_save_keeps_nothing(cli, flow):
    save(flow, set_amount(2))
    save(flow, set_amount(3))
    save(flow, lambda w: None)                      # saved again, nothing changed
    save(flow, lambda w: None)
    folder = flow.parent / FOLDER / "flow.json"
    assert len(list(folder.iterdir())) == 2
    versions = history(cli, flow)
    assert [v["summary"] for v in versions] == ["1 parameter changed", "oldest kept: 3 nodes, 2 edges"]
    assert not any(v["current"] for v in versions)
    save(flow, set_amount(2))                       # back to a content already kept: moved, not copied
    assert len(list(folder.iterdir())) == 3
    assert [v["summary"] for v in history(cli, flow)][0] == "1 parameter changed"


def test_history_lists_versions_newest_first_with_time_id_and_what_each_changed(cli, flow):
    save(flow, set_amount(2))
    save(flow, lambda w: w.nodes["numbers"].position.update(x=50))
    done = cli("history", flow)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"History of {flow}: 2 versions, newest first")
    assert "node moved since the latest version" in lines[1]
    ids = [v.short for v in list_versions(flow)]
    assert ids[0] in lines[2] and lines[2].endswith("1 parameter changed")
    assert ids[1] in lines[3] and "oldest kept" in lines[3]


def test_diff_names_every_change_and_counts_moves(cli, flow):
    save(flow, lambda w: None)     # the file as written by hand becomes the first version

    def edit(workflow):
        workflow.nodes["add"].params["amount"] = 7
        workflow.nodes["add"].label = "Add seven"
        workflow.nodes["numbers"].position = {"x": 10, "y": 90}
        workflow.nodes["total"].position = {"x": 410, "y": 90}
        workflow.nodes["scale"] = NodeInstance("scale", "testpack.scale", {"factor": 3}, {"x": 200, "y": 200})
        workflow.edges.append(Edge("numbers", "scale", "data", "data"))
        workflow.parameters["count"] = {"type": "int", "default": 4}
        workflow.nodes["numbers"].params["count"] = {"$param": "count"}
        workflow.nodes["total"].type = "testpack.split"
        workflow.meta["name"] = "flow, scaled"
    save(flow, edit)
    code, data = cli.json("diff", flow, list_versions(flow)[0].id[:6], "current")
    assert code == 0
    assert data["nodes_added"] == [{"id": "scale", "type": "testpack.scale", "label": None}]
    assert {(c["node"], c["param"], json.dumps(c["old"]), json.dumps(c["new"])) for c in data["params_changed"]} == {
        ("add", "amount", "1", "7"), ("numbers", "count", "4", '{"$param": "count"}')}
    assert data["labels_changed"] == [{"node": "add", "old": "Add one", "new": "Add seven"}]
    assert data["edges_added"] == ["numbers.data -> scale.data"] and data["edges_removed"] == []
    assert data["workflow_params_changed"] == [{"name": "count", "old": None, "new": {"type": "int", "default": 4}}]
    assert data["types_changed"] == [{"node": "total", "old": "testpack.total", "new": "testpack.split"}]
    assert data["meta_changed"] == [{"key": "name", "old": "flow", "new": "flow, scaled"}]
    assert data["nodes_moved"] == 2
    text = cli("diff", flow).stdout
    assert "~ add.amount: 1 -> 7" in text and "+ node scale (testpack.scale)" in text
    assert "+ edge numbers.data -> scale.data" in text and "2 nodes moved" in text
    assert "~ node total: type testpack.total -> testpack.split" in text


def test_diff_says_which_nodes_moved_into_a_component_and_back_out(cli, flow):
    """`add` grouped into a component node (as the app's Make component does: the inner node keeps
    its id) and later expanded again (the app names it `<component node>_add`)."""
    (flow.parent / "components").mkdir()
    write_workflow(flow.parent / "components" / "adder.json",
                   [{"id": "add", "type": "testpack.add", "params": {"amount": 1}}], [], name="adder")
    document = json.loads((flow.parent / "components" / "adder.json").read_text())
    document["component"] = {"inputs": [{"name": "data", "type": "params", "to": ["add.data"]}],
                             "outputs": [{"name": "data", "type": "params", "from": "add.data"}]}
    (flow.parent / "components" / "adder.json").write_text(json.dumps(document))
    save(flow, lambda w: None)

    def group(workflow):
        del workflow.nodes["add"]
        workflow.nodes["adder1"] = NodeInstance("adder1", "component.adder", {}, {"x": 200, "y": 0})
        workflow.edges = [Edge("numbers", "adder1", "data", "data"), Edge("adder1", "total", "data", "data")]
    save(flow, group)
    code, data = cli.json("diff", flow, list_versions(flow)[0].id[:8], "current")
    assert code == 0, data
    assert data["moved_between_components"] == [
        {"node": "add", "component": "adder1", "type": "component.adder", "direction": "into"}]
    assert data["nodes_removed"] == [] and [n["id"] for n in data["nodes_added"]] == ["adder1"]
    assert "1 node moved between components" in data["summary"]
    assert "> node add moved into component adder1 (component.adder)" in cli("diff", flow).stdout

    def expand(workflow):
        del workflow.nodes["adder1"]
        workflow.nodes["adder1_add"] = NodeInstance("adder1_add", "testpack.add", {"amount": 1}, {"x": 200, "y": 0})
        workflow.edges = [Edge("numbers", "adder1_add", "data", "data"), Edge("adder1_add", "total", "data", "data")]
    save(flow, expand)
    code, data = cli.json("diff", flow, list_versions(flow)[0].id[:8], "current")
    assert data["moved_between_components"] == [
        {"node": "adder1_add", "component": "adder1", "type": "component.adder", "direction": "out of"}]
    assert data["nodes_added"] == [] and [n["id"] for n in data["nodes_removed"]] == ["adder1"]


def test_restore_brings_a_version_back_and_keeps_the_current_file_as_a_version(cli, flow):
    original = flow.read_bytes()
    save(flow, set_amount(2))
    save(flow, set_amount(3))
    oldest = list_versions(flow)[-1]
    done = cli("restore", flow, oldest.short)
    assert done.returncode == 0, done.stderr
    assert load_workflow(flow).nodes["add"].params == {"amount": 1}
    assert json.loads(flow.read_bytes()) == json.loads(original)
    versions = history(cli, flow)
    assert len(versions) == 3 and versions[0]["summary"] == "1 parameter changed"   # the file as it was (3)
    assert [v["current"] for v in versions] == [False, False, True]
    kept = versions[0]["id"]
    assert cli("restore", flow, kept[:5]).returncode == 0
    assert load_workflow(flow).nodes["add"].params == {"amount": 3}


def test_unknown_versions_and_a_workflow_without_history_are_clear_errors(cli, flow):
    for args in (("history", flow), ("diff", flow), ("restore", flow, "latest")):
        done = cli(*args)
        assert done.returncode == 2
        assert "flow.json has no history yet" in done.stderr and "Traceback" not in done.stderr
    save(flow, set_amount(2))
    done = cli("restore", flow, "abcdef12")
    assert done.returncode == 2 and "no version 'abcdef12' in the history of flow.json" in done.stderr
    assert cli("diff", flow, "12").returncode == 2                  # too short to be an id
    assert load_workflow(flow).nodes["add"].params == {"amount": 2}


@pytest.mark.parametrize("damage", ["truncated", "not json", "not a workflow", "nan", "a link"])
def test_a_damaged_history_entry_is_an_error_naming_it_never_a_crash(cli, flow, damage):
    save(flow, set_amount(2))
    save(flow, set_amount(3))
    entry = list_versions(flow)[-1].path
    hostile = {"not json": b"\x1b[2J{{{{", "not a workflow": b'{"version": "0.1.0", "nodes": "\\u001b]0;x\\u0007"}',
               "nan": entry.read_bytes().replace(b'"amount": 1', b'"amount": NaN')}.get(damage)
    if hostile is not None:     # a hostile file named by its own hash, so that only parsing can refuse it
        entry.unlink()
        entry = entry.with_name(f"{entry.name[:24]}{version_id(hostile)}.json")
        entry.write_bytes(hostile)
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:40])
    else:
        elsewhere = flow.parent.parent / "elsewhere.json"
        elsewhere.write_bytes(entry.read_bytes())
        entry.unlink()
        entry.symlink_to(elsewhere)
    before, short = flow.read_bytes(), entry.name[24:32]
    for args in (("history", flow), ("diff", flow, short), ("restore", flow, short)):
        done = cli(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert f"the history entry {entry} is damaged" in done.stderr
        assert "Traceback" not in done.stderr and "\x1b" not in done.stdout + done.stderr
    assert flow.read_bytes() == before                          # a refused restore changes nothing
    listed = cli("history", flow).stdout
    assert "1 parameter changed" in listed and "damaged" in listed   # the intact versions are still listed


def test_text_from_the_files_reaches_the_terminal_made_harmless(cli, flow):
    save(flow, lambda w: setattr(w.nodes["add"], "label", "evil\x1b[2J\u202e"))
    save(flow, lambda w: setattr(w.nodes["add"], "label", "plain"))
    done = cli("diff", flow, "latest", "current")
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    assert "~ label of add: 'evil\\x1b[2J\\u202e' -> 'plain'" in done.stdout      # visible escapes
    code, data = cli.json("diff", flow)
    assert data["labels_changed"] == [{"node": "add", "old": "evil\x1b[2J\u202e", "new": "plain"}]


def test_only_the_most_recent_versions_are_kept(cli, flow, monkeypatch):
    monkeypatch.setenv("DATAFLOW_HISTORY_KEEP", "3")
    for amount in range(2, 8):
        save(flow, set_amount(amount))
    versions = list_versions(flow)
    assert len(versions) == 3
    amounts = [json.loads(v.path.read_text())["nodes"][1]["params"]["amount"] for v in versions]
    assert amounts == [6, 5, 4]                                    # the oldest went first


def test_a_linked_history_folder_is_refused_and_nothing_is_written_through_it(tmp_path, flow):
    outside = tmp_path / "outside"
    outside.mkdir()
    (flow.parent / FOLDER).symlink_to(outside, target_is_directory=True)
    workflow = load_workflow(flow)
    workflow.nodes["add"].params["amount"] = 9
    problem = save_keeping_history(workflow, flow)
    assert problem and "is not a plain folder" in problem
    assert load_workflow(flow).nodes["add"].params == {"amount": 9}   # the save itself went through
    assert list(outside.iterdir()) == []


def test_a_shipped_template_keeps_its_history_outside_the_project(cache_dir):
    template = ROOT / "workflows" / "iris_classification.json"
    assert history_dir(template).is_relative_to(cache_dir)
    assert not history_dir(template).is_relative_to(ROOT)


def test_a_restored_version_is_fully_cached_at_once(cli, flow):
    code, first = cli.json("run", flow)
    assert code == 0 and {n["status"] for n in first["nodes"]} == {"computed"}
    save(flow, set_amount(10))
    code, second = cli.json("run", flow)
    assert code == 0
    assert {n["id"]: n["status"] for n in second["nodes"]} == {"numbers": "cached", "add": "computed",
                                                               "total": "computed"}
    oldest = history(cli, flow)[-1]["id"]
    assert cli("restore", flow, oldest).returncode == 0
    code, third = cli.json("run", flow)
    assert code == 0
    assert {n["id"]: n["status"] for n in third["nodes"]} == {"numbers": "cached", "add": "cached", "total": "cached"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile=one_part_replaced())
def test_a_history_entry_with_any_one_part_replaced_is_listed_compared_and_restored_or_refused(hostile):
    """recipes/safety.md's strategy that caught a planted bug: a shipped workflow with one part
    replaced, put in the history under its own hash next to the intact version."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flow.json"
        intact = (json.dumps(SHIPPED[0], indent=2) + "\n").encode()
        path.write_bytes(intact)
        history = Path(folder) / FOLDER / "flow.json"
        history.mkdir(parents=True)
        data = hostile.encode()
        (history / f"20260101T000000.000000Z-{version_id(intact)}.json").write_bytes(intact)
        (history / f"20260102T000000.000000Z-{version_id(data)}.json").write_bytes(data)
        short = version_id(data)[:8]
        for args in (["history", str(path)], ["diff", str(path), short, "current"],
                     ["diff", str(path), version_id(intact)[:8], short, "--json"], ["restore", str(path), short]):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                assert main(args) in (0, 2), args
