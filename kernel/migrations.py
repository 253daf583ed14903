"""Upgrades of the workflow file format, applied on load, oldest first; and of a node saved with an
older version of its type, applied when the workflow is compiled (`upgrade_node`).

Each migration turns the raw dict of one format version into the next one. When the format
changes, bump `CURRENT_VERSION` and register the step:

    @migration("0.1.0", "0.2.0")
    def _rename_meta_plugins(data):
        data["meta"]["node_types"] = data["meta"].pop("plugins", {})
        return data
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import Problem

if TYPE_CHECKING:
    from .spec import NodeSpec
    from .workflow import NodeInstance

CURRENT_VERSION = "0.2.0"
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[str, tuple[str, Migration]] = {}


def migration(from_version: str, to_version: str) -> Callable[[Migration], Migration]:
    """Register `fn` as the step from `from_version` to `to_version`."""

    def decorate(fn: Migration) -> Migration:
        if from_version in MIGRATIONS:
            raise ValueError(f"a migration from {from_version} is already registered")
        MIGRATIONS[from_version] = (to_version, fn)
        return fn

    return decorate


def migrate(data: dict[str, Any], registry: dict[str, tuple[str, Migration]] | None = None,
            target: str = CURRENT_VERSION) -> tuple[dict[str, Any], list[str]]:
    """Apply migrations until `data["version"]` is `target`; return the data and the steps taken.

    Raises ValueError when no path leads from the file's version to `target`.
    """
    steps = MIGRATIONS if registry is None else registry
    applied: list[str] = []
    version = data.get("version")
    while version != target:
        if version not in steps or len(applied) > 100:
            raise ValueError(
                f"format version {version!r} cannot be read by this DataFlow (it reads {target}); "
                "upgrade DataFlow if the file comes from a newer one")
        to_version, fn = steps[version]
        data = fn(data)
        data["version"] = to_version
        applied.append(f"{version} -> {to_version}")
        version = to_version
    return data, applied


@migration("0.1.0", "0.2.0")
def _node_type_versions(data: dict[str, Any]) -> dict[str, Any]:
    """0.2.0 records on each node the version of its node type (`"version": 2`), so that a newer
    pack can migrate the node's parameters and an older one can say the file needs a newer one.
    A 0.1.0 file did not record it: a `version` key on its nodes was no field of the format (kept
    as an extra key then), so it moves to `x-version`, and the nodes are read as saved by the
    installed versions, as 0.1.0 read them."""
    for node in data.get("nodes", []) if isinstance(data.get("nodes"), list) else []:
        if isinstance(node, dict) and "version" in node:
            node["x-version"] = node.pop("version")
    return data


def upgrade_node(node: NodeInstance, spec: NodeSpec, overrides: dict[str, Any] | None, problems: list[Problem]) -> None:
    """Bring a node saved with an older version of its type up to the installed one, in the workflow
    itself so that saving writes it: each version's migration of the parameters in turn, then
    parameters renamed (`@node(renamed=...)`) moved to their new names. A node saved with a newer
    version than the installed one is a problem naming the package to upgrade."""
    saved = node.version
    if saved is not None and saved > spec.version:
        where = f"node '{node.id}' ({spec.type_id})"
        package = f" ({spec.plugin})" if spec.plugin else ""
        problems.append(Problem("node_version", f"{where} was saved with version {saved} of its type; the installed "
                                f"plugin{package} has version {spec.version}: upgrade it to open this file",
                                node=node.id))
        return
    for version, step in spec.migrations:
        if saved is not None and saved <= version:
            try:
                migrated = step(dict(node.params))
            except Exception as exc:
                problems.append(Problem("node_version", f"node '{node.id}' ({spec.type_id}): its parameters could "
                                        f"not be brought from version {version} to {version + 1}: "
                                        f"{type(exc).__name__}: {exc}", node=node.id))
                return
            if not isinstance(migrated, dict):
                problems.append(Problem("node_version", f"node '{node.id}' ({spec.type_id}): the migration from "
                                        f"version {version} returned {type(migrated).__name__}, not the parameters",
                                        node=node.id))
                return
            node.params = migrated
    if saved is not None:
        node.version = spec.version
    for old, new in spec.renamed:
        if old in node.params:
            value = node.params.pop(old)
            node.params.setdefault(new, value)
        if overrides and old in overrides:
            overrides.setdefault(new, overrides.pop(old))
