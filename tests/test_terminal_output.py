"""Text from a workflow file never reaches the terminal raw, and an install hint is never a shell command."""

from __future__ import annotations

import json

from tests.helpers import write_workflow

ESCAPES = ("\x1b", "\x07", "\x9b", "\u202e", "\r")


def _hostile_workflow(tmp_path):
    return write_workflow(tmp_path / "flow.json", [
        {"id": "a\x1b[2Jb\u202e", "type": "nope\x1b]0;pwned\x07.x"},
        {"id": "c\r", "type": "other.y"},
        {"id": "d", "type": "gone.z"}],
        node_types={"nope\x1b]0;pwned\x07.x": {"distribution": "x; touch marker", "version": "1"},
                    "other.y": {"distribution": "dataflow-other", "version": "1.0\x9b31m"},
                    "gone.z": {"distribution": "$(touch marker)"}})


def test_escape_sequences_from_a_workflow_are_printed_as_visible_escapes(cli, tmp_path):
    flow = _hostile_workflow(tmp_path)
    for args in (("validate", flow), ("run", flow)):
        done = cli(*args)
        assert done.returncode == 2
        assert not any(c in done.stdout + done.stderr for c in ESCAPES), repr(done.stderr)
        assert "node 'a\\u001b[2Jb\\u202e' has type 'nope\\u001b]0;pwned\\u0007.x'" in done.stderr


def test_json_output_escapes_them_too_and_keeps_the_data(cli, tmp_path):
    done = cli("run", _hostile_workflow(tmp_path), "--json")
    assert not any(c in done.stdout for c in ESCAPES)
    problems = json.loads(done.stdout)["problems"]
    assert problems[0]["node"] == "a\x1b[2Jb\u202e"


def test_a_runtime_error_quoting_a_path_is_printed_safely(cli, tmp_path):
    flow = write_workflow(tmp_path / "flow.json", [
        {"id": "read\x1b[31m", "type": "io.read_file", "params": {"path": "missing\x1b]0;t\x07.csv"}}])
    done = cli("run", flow)
    assert done.returncode == 1
    assert not any(c in done.stdout + done.stderr for c in ESCAPES), repr(done.stderr)
    assert "read\\u001b[31m" in done.stderr and "missing\\u001b]0;t\\u0007.csv" in done.stderr


def test_the_pip_install_hint_names_only_a_valid_distribution(cli, tmp_path):
    done = cli("validate", _hostile_workflow(tmp_path))
    assert "install it with `pip install dataflow-other`" in done.stderr
    assert "saved with dataflow-other:" in done.stderr  # a version that is not one is left out
    assert "touch" not in done.stderr and "pip install x" not in done.stderr and "$(" not in done.stderr
    assert not (tmp_path / "marker").exists()
