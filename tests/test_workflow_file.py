"""Workflow files: atomic saves, provenance in meta, migrations, untouched parameters of missing nodes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from dataflow.kernel import load_workflow, save_workflow
from dataflow.kernel.migrations import migrate
from tests.helpers import edge, write_workflow


def test_a_save_killed_mid_write_leaves_the_previous_file_intact(tmp_path):
    path = write_workflow(tmp_path / "w.json", [{"id": "n", "type": "testpack.numbers", "params": {"count": 1}}])
    before = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, signal
        from dataflow.kernel import load_workflow, save_workflow
        workflow = load_workflow({str(path)!r})
        workflow.nodes["n"].params["count"] = 2
        workflow.meta["padding"] = "x" * 5_000_000
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)   # die after writing, before the rename
        save_workflow(workflow, {str(path)!r})
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == -9
    assert path.read_bytes() == before
    assert load_workflow(path).nodes["n"].params == {"count": 1}


def test_a_failed_save_removes_its_temporary_file(tmp_path, monkeypatch):
    path = write_workflow(tmp_path / "w.json", [{"id": "n", "type": "testpack.numbers", "params": {}}])
    workflow = load_workflow(path)

    def refuse(*args):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        save_workflow(workflow, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json"]


def test_saving_records_which_distribution_provides_each_node_type(registry, tmp_path):
    path = write_workflow(tmp_path / "w.json", [{"id": "n", "type": "testpack.numbers", "params": {}},
                                               {"id": "a", "type": "testpack.add", "params": {"amount": 3}}],
                          [edge("n", "a")], name="demo")
    workflow = load_workflow(path)
    save_workflow(workflow, tmp_path / "saved.json", registry)
    saved = json.loads((tmp_path / "saved.json").read_text())
    assert saved["meta"]["node_types"]["testpack.add"] == {"plugin": "testpack", "distribution": "dataflow-testpack",
                                                           "version": "1.2.3"}
    assert saved["meta"]["name"] == "demo" and saved["version"] == "0.2.0"
    assert [n["version"] for n in saved["nodes"]] == [registry.nodes[t].version for t in ("testpack.numbers", "testpack.add")]


def test_nodes_of_missing_types_keep_their_parameters_and_provenance_through_a_save(registry, tmp_path):
    original = {"geo.read_shapes": {"plugin": "geo", "distribution": "dataflow-geo", "version": "0.3.0"}}
    params = {"path": "data/sales.csv", "options": {"sep": ";", "nested": [1, 2.5, None]}}
    path = write_workflow(tmp_path / "w.json", [{"id": "r", "type": "geo.read_shapes", "params": params,
                                                 "position": {"x": 10, "y": 20}, "label": "Sales",
                                                 "ui": {"collapsed": True}}], node_types=original)
    workflow = load_workflow(path)
    save_workflow(workflow, path, registry)
    again = json.loads(path.read_text())
    node = again["nodes"][0]
    assert node["params"] == params and node["ui"] == {"collapsed": True} and node["label"] == "Sales"
    assert again["meta"]["node_types"] == original


def test_older_formats_are_upgraded_by_registered_migrations():
    steps = {
        "0.0.9": ("0.1.0", lambda d: {**d, "edges": [{**e, "source_port": e.pop("from_port", None)}
                                                   for e in d.get("edges", [])]}),
    }
    data = {"version": "0.0.9", "nodes": [], "edges": [{"source": "a", "target": "b", "from_port": "table"}]}
    upgraded, applied = migrate(data, steps, target="0.1.0")
    assert upgraded["version"] == "0.1.0" and applied == ["0.0.9 -> 0.1.0"]
    assert upgraded["edges"][0]["source_port"] == "table"
    with pytest.raises(ValueError, match="cannot be read by this DataFlow"):
        migrate({"version": "0.0.1"}, steps, target="0.1.0")


def test_a_saved_workflow_is_readable_by_others_like_any_shared_file_and_keeps_its_mode(registry, tmp_path):
    import os
    import stat

    path = tmp_path / "shared.json"
    workflow = load_workflow(write_workflow(tmp_path / "source.json", [{"id": "n", "type": "testpack.numbers"}]))
    save_workflow(workflow, path, registry)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    save_workflow(workflow, path, registry)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_secret_parameters_are_never_written_into_the_file(registry, tmp_path):
    path = write_workflow(tmp_path / "w.json", [
        {"id": "p", "type": "testpack.private_numbers", "params": {"token": "s3cr3t", "count": 2}}])
    workflow = load_workflow(path)
    save_workflow(workflow, path, registry)
    assert "s3cr3t" not in path.read_text()
    assert json.loads(path.read_text())["nodes"][0]["params"] == {"count": 2}
    assert workflow.nodes["p"].params["token"] == "s3cr3t"  # the open workflow keeps it for this session


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "link to /dev/urandom"])
def test_a_workflow_path_that_is_a_pipe_or_a_device_is_refused_at_once_with_exit_2(cli, tmp_path, kind):
    import os

    if kind == "fifo":
        path = tmp_path / "flow.json"
        os.mkfifo(path)
        words = "is a named pipe (FIFO), not a workflow file"
    elif kind == "/dev/zero":
        path, words = "/dev/zero", "is a device, not a workflow file"
    else:
        path = tmp_path / "random.json"
        path.symlink_to("/dev/urandom")
        words = "is a device, not a workflow file"
    for command in ("run", "validate"):
        done = cli(command, path, timeout=20)  # used to wait forever, or read until MemoryError
        assert done.returncode == 2 and words in done.stderr, (command, done.returncode, done.stderr[-500:])
        assert "Traceback" not in done.stderr


def test_a_lone_surrogate_in_a_name_is_a_problem_and_run_json_still_prints_json(cli, tmp_path):
    path = tmp_path / "surrogate.json"
    path.write_text('{"version": "0.1.0", "nodes": [{"id": "n\\udc80", "type": "testpack.numbers", '
                    '"params": {}, "label": "x\\ud800"}], "edges": [], "meta": {"name": "\\ud83d\\ude00"}}')
    done = cli("run", path, "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 2 and report["status"] == "invalid"
    assert "lone surrogate" in report["problems"][0]["message"]


def test_run_json_prints_valid_json_when_a_node_error_holds_text_that_is_not_unicode(cli, tmp_path):
    path = write_workflow(tmp_path / "fails.json", [
        {"id": "n", "type": "testpack.numbers", "params": {}},
        {"id": "f", "type": "testpack.fail", "params": {}}], [edge("n", "f")])
    # a file name that is not UTF-8 reaches Python as lone surrogates (surrogateescape)
    argv = [sys.executable, "-m", "dataflow.cli", "run", str(path), "--json",
            "--set", b"f.message=bad name \xff.csv"]
    done = subprocess.run(argv, env=cli.env, capture_output=True, timeout=120)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["status"] == "failed"
    assert report["nodes"][1]["error"].endswith("bad name \udcff.csv")
