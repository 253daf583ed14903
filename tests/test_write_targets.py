"""A workflow writes data files only: never a program, a dotfile, its own file or DataFlow's private files.

Each hostile target below was written by `io.write_file` before (issue 15, item 4): `conftest.py`
planted next to a test suite, `~/.bashrc`, an existing `run.sh` overwritten with its execute bit
kept, the workflow overwriting itself, the app's `settings.json` rewritten to grant `/`. Now each
is a node error, and the file it aimed at is not created or changed (the markers).
"""

from __future__ import annotations

import os
import stat

import pytest

from tests.helpers import write_workflow


@pytest.fixture
def places(tmp_path, cache_dir):
    """A project folder with a workflow, a home folder, and the private folder with the app's settings."""
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    (project / "in.csv").write_text("a,b\n1,2\n3,4\n")
    for name in ("run.sh", "tool.csv"):
        (project / name).write_text("#!/bin/sh\necho hi\n")
        (project / name).chmod(0o755)
    (home / ".profile").write_text("# profile\n")
    (project / "profile.csv").symlink_to(home / ".profile")
    settings = cache_dir / "app" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"data_dirs": []}')
    return project, home, settings


def _targets(project, home, settings):
    """id -> (path, format, what the error says)."""
    return {
        "conftest": (project / "conftest.py", "csv", "does not end in an extension of the CSV"),
        "python_as_json": (project / "evil.py", "json", "does not end in an extension of the JSON"),
        "makefile": (project / "Makefile", "csv", "does not end in an extension"),
        "bashrc": (home / ".bashrc", "csv", "hidden file"),
        "hidden_csv": (project / ".hidden.csv", "csv", "hidden file"),
        "dotfile_through_link": (project / "profile.csv", "csv", "hidden file"),
        "existing_run_sh": (project / "run.sh", "csv", "executable"),
        "executable_named_csv": (project / "tool.csv", "csv", "executable"),
        "the_workflow_itself": (project / "flow.json", "json", "this workflow's own file"),
        "private_settings": (settings, "json", "DataFlow's private folder"),
        "private_new_file": (settings.parent / "uploads.csv", "csv", "DataFlow's private folder"),
        "a_folder": (project, "csv", "folder"),
        "version_history": (project / ".dataflow-history" / "flow.json" / "forged.json", "json",
                            "inside a workflow's version history"),
    }


def test_hostile_write_targets_are_node_errors_and_leave_their_files_alone(cli, places, tmp_path):
    project, home, settings = places
    targets = _targets(project, home, settings)
    before = {p: (p.read_bytes(), stat.S_IMODE(os.lstat(p).st_mode)) for p, *_ in targets.values()
              if p.is_file()}
    nodes = [{"id": "data", "type": "io.read_file", "params": {"path": "in.csv"}},
             {"id": "fine", "type": "io.write_file", "params": {"path": "result.csv"}}]
    nodes += [{"id": name, "type": "io.write_file", "params": {"path": str(path), "format": fmt}}
              for name, (path, fmt, _) in targets.items()]
    edges = [{"source": "data", "target": n["id"]} for n in nodes[1:]]
    flow = write_workflow(project / "flow.json", nodes, edges)
    before[flow] = (flow.read_bytes(), stat.S_IMODE(flow.stat().st_mode))
    # the home folder and the folder above the private one are granted: neither grant opens the private folder
    code, out = cli.json("run", flow, "--data-dir", home, "--data-dir", tmp_path)
    assert code == 1, out
    status = {n["id"]: n for n in out["nodes"]}
    assert status["fine"]["status"] == "computed", status["fine"]
    assert (project / "result.csv").read_text() == "a,b\n1,2\n3,4\n"
    assert not stat.S_IMODE((project / "result.csv").stat().st_mode) & 0o111
    for name, (_, _, says) in targets.items():
        assert status[name]["status"] == "failed", (name, status[name])
        assert says in status[name]["error"] and "parameter 'path'" in status[name]["error"], (name, status[name])
    for path in (project / "conftest.py", project / "evil.py", project / "Makefile", home / ".bashrc",
                 project / ".hidden.csv", settings.parent / "uploads.csv"):
        assert not path.exists(), path  # the markers: nothing was planted
    for path, (data, mode) in before.items():
        assert path.read_bytes() == data and stat.S_IMODE(os.lstat(path).st_mode) == mode, path


def test_reading_inside_the_private_folder_is_refused_even_under_a_grant(cli, places, tmp_path):
    project, _, settings = places
    flow = write_workflow(project / "flow.json", [
        {"id": "peek", "type": "io.read_file", "params": {"path": str(settings)}}])
    code, out = cli.json("run", flow, "--data-dir", tmp_path)
    assert code == 1
    assert "inside DataFlow's private folder" in out["nodes"][0]["error"]
