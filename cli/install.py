"""Installing node packs safely: ask pip for a dry run first, refuse to break DataFlow.

Dependency conflicts between node packs are the most common complaint in ComfyUI's tracker.
So `dataflow install PACKAGE` (and the app's Plugins page) works in two steps:

1. `pip install --dry-run --report` says what pip *would* install. Each item is classified
   against what is installed now: new, upgrade, downgrade or reinstall.
2. A change is refused when it touches a *protected* distribution (DataFlow itself, every
   installed plugin, and everything they depend on, transitively) and is a downgrade, or moves
   it to a version outside what DataFlow or a plugin declared (`pandas>=2.2`, ...). `force`
   overrides that. Only then does pip install for real, held to the plan by a constraints file
   (`-c`) of the planned `name==version` pairs: if the index or a local folder changed since
   the dry run, pip fails instead of installing something the user did not see.

pip reads its usual environment variables (PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX, ...),
so a private index or a wheel folder works the same way as with pip itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataflow.kernel import DataflowError

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# `packaging` is imported where it is used: every `dataflow` command and the app's Plugins page
# import this module, and should not pay about 20 ms for what only an install needs.

ROOT_DISTRIBUTION = "dataflow-workbench"
GROUP = "dataflow"


class InstallError(DataflowError):
    """pip could not resolve or install the packages; the message carries pip's own words."""


@dataclass(slots=True)
class Change:
    """One distribution pip would install: `action` is new, upgrade, downgrade or reinstall."""

    name: str
    version: str
    installed: str | None
    action: str
    requested: bool
    problem: str | None = None  # why it is refused, when it is

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "installed": self.installed, "action": self.action,
                "requested": self.requested, "problem": self.problem}


@dataclass(slots=True)
class InstallPlan:
    """What installing `packages` would change, and what of it is refused."""

    packages: list[str]
    changes: list[Change] = field(default_factory=list)

    @property
    def refused(self) -> list[Change]:
        return [c for c in self.changes if c.problem]

    def constraints(self) -> str:
        """A pip constraints file pinning every planned change: `name==version`, one per line."""
        return "".join(f"{c.name}=={c.version}\n" for c in self.changes if "?" not in (c.name, c.version))

    def to_dict(self) -> dict[str, Any]:
        return {"packages": self.packages, "changes": [c.to_dict() for c in self.changes],
                "refused": [c.name for c in self.refused]}


def _pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)


def _pip_error(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.lstrip().startswith("ERROR")]
    return "\n".join(errors or lines[-5:]) or f"pip exited with {done.returncode}"


def plan_install(packages: list[str]) -> InstallPlan:
    """Ask pip what installing `packages` would do, classify every change, mark the refused ones."""
    if not packages:
        raise InstallError("name at least one package to install")
    done = _pip("install", "--dry-run", "--quiet", "--report", "-", *packages)
    if done.returncode != 0:
        raise InstallError(f"pip cannot install {' '.join(packages)}:\n{_pip_error(done)}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise InstallError(f"pip's dry-run report could not be read: {exc}") from exc
    protected = protected_requirements()
    plan = InstallPlan(list(packages))
    for item in report.get("install", []):
        meta = item.get("metadata") or {}
        name, version = meta.get("name", "?"), meta.get("version", "?")
        installed = _installed_version(name)
        change = Change(name, version, installed, _action(installed, version), bool(item.get("requested")))
        change.problem = _problem(change, protected)
        plan.changes.append(change)
    return plan


def apply_install(plan: InstallPlan, *, force: bool = False) -> None:
    """Install the plan's packages with pip, pinned to the versions the plan lists; refused changes
    need `force`."""
    if plan.refused and not force:
        raise InstallError("refusing to install: " + "; ".join(c.problem or "" for c in plan.refused)
                           + " (use --force to install anyway)")
    with tempfile.TemporaryDirectory(prefix="dataflow-install-") as folder:
        constraints = Path(folder) / "constraints.txt"
        constraints.write_text(plan.constraints(), encoding="utf-8")
        done = _pip("install", "--quiet", "-c", str(constraints), *plan.packages)
    if done.returncode != 0:
        raise InstallError(f"pip failed to install {' '.join(plan.packages)} as planned (if a package changed "
                           f"since the check, check again):\n{_pip_error(done)}")


def protected_requirements() -> dict[str, list[tuple[str, Requirement | None]]]:
    """Every distribution DataFlow and the installed plugins need: canonical name -> [(needed by,
    requirement)]. DataFlow and the plugin distributions themselves are protected too."""
    from packaging.utils import canonicalize_name

    roots = {ROOT_DISTRIBUTION}
    for ep in metadata.entry_points(group=GROUP):
        if ep.dist is not None:
            roots.add(ep.dist.metadata["Name"])
    protected: dict[str, list[tuple[str, Requirement | None]]] = {}
    queue = [name for name in roots if _installed_version(name)]
    for name in queue:
        protected.setdefault(canonicalize_name(name), []).append(("DataFlow" if name in roots else name, None))
    seen: set[str] = set()
    while queue:
        name = queue.pop()
        key = canonicalize_name(name)
        if key in seen:
            continue
        seen.add(key)
        for requirement in _requirements(name):
            target = canonicalize_name(requirement.name)
            protected.setdefault(target, []).append((name, requirement))
            if _installed_version(requirement.name):
                queue.append(requirement.name)
    return protected


def _requirements(name: str) -> list[Requirement]:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        lines = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return []
    found = []
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            found.append(requirement)
    return found


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _action(installed: str | None, version: str) -> str:
    if installed is None:
        return "new"
    from packaging.version import InvalidVersion, Version

    try:
        old, new = Version(installed), Version(version)
    except InvalidVersion:
        return "reinstall" if installed == version else "upgrade"
    return "upgrade" if new > old else "downgrade" if new < old else "reinstall"


def _problem(change: Change, protected: dict[str, list[tuple[str, Requirement | None]]]) -> str | None:
    from packaging.utils import canonicalize_name

    needs = protected.get(canonicalize_name(change.name))
    if not needs or change.action == "new":
        return None
    who = ", ".join(sorted({by for by, _ in needs}))
    if change.action == "reinstall":
        return f"{change.name} {change.version} would be replaced by another build, and {who} needs it"
    if change.action == "downgrade":
        return f"{change.name} would be downgraded from {change.installed} to {change.version}, and {who} needs it"
    for by, requirement in needs:
        if requirement is not None and requirement.specifier and not requirement.specifier.contains(
                change.version, prereleases=True):
            return (f"{change.name} would change from {change.installed} to {change.version}, but {by} "
                    f"needs {requirement}")
    return None
