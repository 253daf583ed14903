"""`dataflow install`: pip's dry run classified against what DataFlow needs, then the real install,
pinned to the plan (real installs go into a test folder through PIP_TARGET, never into the venv)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from dataflow.cli.install import (
    Change,
    InstallError,
    _action,
    _problem,
    apply_install,
    plan_install,
    protected_requirements,
)
from tests.helpers import PACKS


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
    from dataflow.cli.main import main
    from dataflow.sdk.template import create_pack

    folder = create_pack("dry-pack", tmp_path)
    plan = plan_install([str(folder)])
    assert [(c.name, c.action, c.problem) for c in plan.changes if c.requested] == [("dry-pack", "new", None)]
    assert main(["install", str(folder), "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "dry-run"
    assert not any(d.metadata["Name"] == "dry-pack" for d in metadata.distributions())


@pytest.fixture
def pip_target(tmp_path, monkeypatch) -> Path:
    """Send pip's real installs into a folder of this test (`PIP_TARGET`), never into the venv;
    without dependencies, so nothing but the pack itself is resolved (no index needed)."""
    target = tmp_path / "target"
    monkeypatch.setenv("PIP_TARGET", str(target))
    monkeypatch.setenv("PIP_NO_DEPS", "1")
    return target


def _set_version(folder: Path, old: str, new: str) -> None:
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'version = "{old}"', f'version = "{new}"'))


def test_the_real_install_is_pinned_to_the_versions_the_dry_run_showed(tmp_path, pip_target):
    from dataflow.sdk.template import create_pack

    folder = create_pack("pinned-pack", tmp_path)
    plan = plan_install([str(folder)])
    assert plan.constraints() == "pinned-pack==0.1.0\n"
    _set_version(folder, "0.1.0", "0.2.0")  # the pack changes after the user approved the plan
    with pytest.raises(InstallError, match="as planned .*check again") as refused:
        apply_install(plan)
    assert "pinned-pack 0.2.0" in str(refused.value)
    assert not list(pip_target.glob("pinned_pack*"))
    _set_version(folder, "0.2.0", "0.1.0")
    apply_install(plan)
    assert [p.name for p in pip_target.glob("pinned_pack-*.dist-info")] == ["pinned_pack-0.1.0.dist-info"]


def test_force_installs_a_refused_change_that_is_otherwise_not_installed(pack_site, pip_target, capsys):
    from dataflow.cli.main import main

    pack = PACKS / "testpack"  # the installed dataflow-testpack 1.2.3, a plugin: replacing it is refused
    assert main(["install", str(pack), "--yes", "--json"]) == 2
    refused = json.loads(capsys.readouterr().out)
    assert refused["status"] == "refused" and refused["plan"]["refused"] == ["dataflow-testpack"]
    assert "would be replaced by another build" in refused["plan"]["changes"][0]["problem"]
    assert not pip_target.exists()
    assert main(["install", str(pack), "--yes", "--force", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "installed"
    assert (pip_target / "dataflow_testpack" / "plugin.py").is_file()
    assert (pip_target / "dataflow_testpack-1.2.3.dist-info").is_dir()
