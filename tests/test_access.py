"""File parameters may only name paths inside granted folders, checked after resolving symlinks."""

from __future__ import annotations

import os

import pytest

from tests.helpers import write_workflow


@pytest.fixture
def layout(tmp_path):
    project = tmp_path / "project"
    outside = tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "inside.txt").write_text("1\n2\n")
    (outside / "secret.txt").write_text("7\n")
    return project, outside


def read_workflow(project, path):
    return write_workflow(project / "flow.json", [
        {"id": "r", "type": "testpack.read_numbers", "params": {"path": str(path)}},
        {"id": "t", "type": "testpack.total"}], [{"source": "r", "target": "t"}])


def test_a_file_in_the_workflows_folder_is_read(cli, layout):
    project, _ = layout
    code, out = cli.json("run", read_workflow(project, "inside.txt"))
    assert code == 0, out
    assert [n["status"] for n in out["nodes"]] == ["computed", "computed"]


@pytest.mark.parametrize("path", ["../outside/secret.txt", "{outside}/secret.txt", "link.txt", "linkdir/secret.txt"])
def test_paths_leading_out_of_the_granted_folders_are_refused_with_how_to_grant(cli, layout, path):
    project, outside = layout
    (project / "link.txt").symlink_to(outside / "secret.txt")
    (project / "linkdir").symlink_to(outside, target_is_directory=True)
    code, out = cli.json("run", read_workflow(project, path.format(outside=outside)))
    assert code == 1
    first = out["nodes"][0]
    assert first["status"] == "failed"
    assert "parameter 'path'" in first["error"] and "outside the granted data folders" in first["error"]
    assert "--data-dir" in first["error"] and "DATAFLOW_DATA_DIRS" in first["error"]
    assert "Traceback" not in first["error"]
    assert out["nodes"][1]["status"] == "skipped"


def test_granting_a_folder_on_the_command_line_or_in_the_environment_allows_it(cli, layout):
    project, outside = layout
    flow = read_workflow(project, outside / "secret.txt")
    code, out = cli.json("run", flow, "--data-dir", outside)
    assert code == 0, out
    cli.env["DATAFLOW_DATA_DIRS"] = os.pathsep.join(["/nonexistent", str(outside)])
    code, out = cli.json("run", flow)
    assert code == 0 and out["nodes"][0]["status"] == "cached"


def test_a_refused_path_stays_refused_when_the_file_outside_changes(cli, layout):
    project, outside = layout
    flow = read_workflow(project, outside / "secret.txt")
    cli.json("run", flow)
    (outside / "secret.txt").write_text("8\n")  # a change there must not matter: the node still fails
    code, out = cli.json("run", flow)
    assert code == 1 and out["nodes"][0]["status"] == "failed"


def test_a_file_of_the_wrong_kind_is_refused_before_the_node_runs(cli, layout):
    project, _ = layout
    (project / "numbers.csv").write_text("1\n")
    code, out = cli.json("run", read_workflow(project, "numbers.csv"))
    assert code == 1, out
    assert out["nodes"][0]["error"] == "parameter 'path': 'numbers.csv' is not a .txt file"
