"""`dataflow install` planning: pip's dry run classified against what DataFlow needs (no real install)."""

from __future__ import annotations

import json
from importlib import metadata

from dataflow.kernel.install import Change, _action, _problem, plan_install, protected_requirements


def test_changes_are_classified_by_version():
    assert _action(None, "1.0") == "new"
    assert _action("1.0", "1.2") == "upgrade"
    assert _action("2.0", "1.9") == "downgrade"
    assert _action("1.0", "1.0") == "reinstall"


def test_what_dataflow_and_its_plugins_need_is_protected():
    protected = protected_requirements()
    assert {"dataflow-workbench", "pandas", "pluggy", "pyarrow", "dataflow-cache", "numpy"} <= set(protected)
    assert "hypothesis" not in protected  # a test tool, not a dependency


def test_downgrading_or_leaving_the_declared_range_of_a_protected_package_is_refused():
    protected = protected_requirements()
    pandas = metadata.version("pandas")
    down = Change("pandas", "2.0.0", pandas, "downgrade", requested=False)
    assert "would be downgraded" in _problem(down, protected) and "needs it" in _problem(down, protected)
    outside = Change("pluggy", "99.0", metadata.version("pluggy"), "upgrade", requested=False)
    assert _problem(outside, protected) is None  # pluggy>=1.5 allows it
    unrelated = Change("left-pad", "1.0", "2.0", "downgrade", requested=True)
    assert _problem(unrelated, protected) is None


def test_a_dry_run_of_a_local_pack_lists_it_as_new_and_installs_nothing(tmp_path, capsys):
    from dataflow.kernel.cli import main
    from dataflow.sdk.template import create_pack

    folder = create_pack("dry-pack", tmp_path)
    plan = plan_install([str(folder)])
    assert [(c.name, c.action, c.problem) for c in plan.changes if c.requested] == [("dry-pack", "new", None)]
    assert main(["install", str(folder), "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "dry-run"
    assert not any(d.metadata["Name"] == "dry-pack" for d in metadata.distributions())
