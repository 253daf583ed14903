"""The plugin index: which installed plugin gives which node type and executor, so that a run
imports only the plugins it uses (`load_registry(lazy=True)`, what `dataflow run` does).

After a full load, the loader writes `plugin-index.json` in the private cache folder
(`paths.cache_dir()`; a folder that cannot be written just means no index). It holds, in the
order the loader met them, every entry point of the groups `dataflow` and `dataflow.hookspecs`
(name, `module:attr`, distribution, version) and, for each plugin that may wait, what it gives:

    {"name": "db", "value": "dataflow_db.plugin", "distribution": "dataflow-db", "version": "0.1.0",
     "provides": {"nodes": ["db.read_sqlite", ...], "executors": []}}

A plugin may wait (`deferrable`) only when it loaded cleanly (no error, no problem, no conflict)
and implements nothing a run needs from every plugin: no hook but `register_nodes`,
`register_executors`, the hooks of the kernel's clients (the `dataflow.hookspecs` group, which
only clients collect, through `collect_contributions`, and a lazy registry loads everything
before that) and hooks it declares itself that no other plugin implements (the sklearn plugin's
`register_estimators`: its estimators load with its nodes, and asking a registry for a kind no
loaded plugin declares loads every deferred plugin). Every other plugin has `"provides": null`
and is loaded at once, as before: sources, cache tiers, serializers, components, observers of run
events, plugins whose hooks others implement, failed plugins (so their failure is said again)
and disabled ones (what they give is unknown).

The index is used only when it is certainly current: the same Python (`sys.version`,
`sys.prefix`), the same `sys.path`, and the same stamps (modification time in nanoseconds and
size) of every `sys.path` entry (installing or removing a distribution adds or removes a folder
there, which changes its folder's time), of each plugin distribution's `entry_points.txt`, and of
every module file of DataFlow and of the plugins that the full load imported (an editable
install's edit is seen, as Python's own bytecode cache sees it). Anything else, an unreadable
file or an unknown format included, is no index: the loader loads everything and writes it anew.

Nothing in the index is imported unless the installed metadata declares it: each entry names the
`entry_points.txt` that declares it, a stamped file, and on every read that file must still hold
the same name and `module:attr` in the same group. So a changed index file can make DataFlow
import only what a full load would import anyway (the cache folder is private, mode 0700).

Even a current index only says where to look first: a lookup the index cannot answer, or that
the named plugin did not answer after all, loads every deferred plugin (`Registry.load_for`).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import hookspecs
from .files import atomic_write
from .paths import cache_dir

if TYPE_CHECKING:
    import pluggy

    from .registry import PluginRecord, Registry

log = logging.getLogger(__name__)

FORMAT = 1
FILE_NAME = "plugin-index.json"
#: the contribution kinds a deferred plugin may give: looked up by id, never listed by a run
LOOKUP_KINDS = ("nodes", "executors")
#: the kernel's hooks that a deferred plugin may implement (those of LOOKUP_KINDS)
LOOKUP_HOOKS = frozenset(f"register_{kind}" for kind in LOOKUP_KINDS)


@dataclass(frozen=True)
class IndexedEntryPoint:
    """An entry point as the index keeps it; `load()` imports it as `EntryPoint.load` does."""

    name: str
    value: str
    distribution: str | None = None
    version: str | None = None
    #: kind -> ids this plugin gave at the full load, or None when it must load at once
    provides: dict[str, list[str]] | None = None
    #: the `entry_points.txt` that declares it (checked on every read: see `read_index`)
    declared_in: str | None = None

    def load(self) -> Any:
        module, _, attr = self.value.partition("[")[0].partition(":")
        obj = importlib.import_module(module.strip())
        for part in filter(None, attr.strip().split(".")):
            obj = getattr(obj, part)
        return obj


@dataclass(frozen=True)
class PluginIndex:
    """The entry points of both groups, in the order the full load met them."""

    hookspecs: list[IndexedEntryPoint]
    plugins: list[IndexedEntryPoint]


def index_file() -> Path | None:
    """Where the index lives, or None when the private cache folder cannot be made."""
    try:
        return cache_dir() / FILE_NAME
    except OSError:
        return None


def read_index(path: Path | None, spec_group: str, group: str) -> PluginIndex | None:
    """The index at `path` when it is certainly current for this process and declares only entry
    points of `spec_group` (hookspecs) and `group` (plugins) that the installed metadata declares;
    else None."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != FORMAT or data.get("python") != _python() or data.get("path") != sys.path:
            return None
        if any(_stamp(file) != stamp for file, stamp in data["stamps"].items()):
            return None
        index = PluginIndex([IndexedEntryPoint(**entry) for entry in data["hookspecs"]],
                            [IndexedEntryPoint(**entry) for entry in data["plugins"]])
        declared: dict[str, set[tuple[str, str, str]]] = {}
        for kind, entries in ((spec_group, index.hookspecs), (group, index.plugins)):
            for entry in entries:
                if entry.declared_in not in data["stamps"]:
                    return None
                if entry.declared_in not in declared:
                    declared[entry.declared_in] = _declarations(Path(entry.declared_in))
                if (kind, entry.name, entry.value) not in declared[entry.declared_in]:
                    return None
        return index
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.debug("plugin index %s not used: %s", path, exc)
        return None


def write_index(path: Path | None, index: PluginIndex, files: Iterable[str]) -> None:
    """Write `index` stamped with `files` (besides `sys.path`); a failure is logged, not raised."""
    if path is None:
        return
    stamps = {entry: _stamp(entry) for entry in [*sys.path, *files] if entry}
    data = {"format": FORMAT, "python": _python(), "path": list(sys.path), "stamps": stamps,
            "hookspecs": [vars(e) for e in index.hookspecs], "plugins": [vars(e) for e in index.plugins]}
    try:
        atomic_write(path, json.dumps(data, indent=1).encode(), durable=False, mode=0o600)
    except OSError as exc:
        log.debug("plugin index %s not written: %s", path, exc)


def write_after_full_load(where: Path | None, manager: pluggy.PluginManager, registry: Registry,
                          client_hooks: set[str], spec_points: list[Any],
                          candidates: list[tuple[PluginRecord, Any, bool]]) -> None:
    """Write the plugin index after a full load: every entry point, and what each deferrable plugin gave."""
    plugins = [IndexedEntryPoint(ep.name, ep.value, record.distribution, record.version,
                                 _deferrable(manager, registry, record, client_hooks), entry_points_file(ep))
               for record, ep, installed in candidates if installed]
    specs = [IndexedEntryPoint(ep.name, ep.value, *distribution_of(ep), None, entry_points_file(ep))
             for ep in spec_points]
    packages = {ep.value.partition(":")[0].partition(".")[0].strip() for ep in [*specs, *plugins]}
    files = [*module_files(packages), *filter(None, (ep.declared_in for ep in [*specs, *plugins]))]
    write_index(where, PluginIndex(specs, plugins), files)


def _deferrable(manager: pluggy.PluginManager, registry: Registry, record: PluginRecord,
                client_hooks: set[str]) -> dict[str, list[str]] | None:
    """What a plugin that may wait gives (kind -> ids), or None when it must load at once (see
    `pluginindex.py`: it failed, has a problem, implements a hook a run calls, or adds hooks that
    another plugin implements)."""
    plugin = manager.get_plugin(record.name) if record.ok and not record.problems else None
    if plugin is None or registry.plugins.get(record.name) is not record:
        return None
    specs = getattr(plugin, "hookspecs", None)
    own = {name for name in dir(specs) if hasattr(getattr(specs, name), f"{hookspecs.PROJECT}_spec")} if specs else set()
    if not {caller.name for caller in manager.get_hookcallers(plugin) or []} <= LOOKUP_HOOKS | client_hooks | own:
        return None
    if any(impl.plugin_name != record.name for hook in own for impl in getattr(manager.hook, hook).get_hookimpls()):
        return None
    return {kind: list(record.contributions.get(kind, [])) for kind in LOOKUP_KINDS}


def module_files(packages: set[str]) -> list[str]:
    """The source files of the imported modules of these top-level packages, DataFlow's included."""
    wanted = {*packages, "dataflow"}
    return sorted({module.__file__ for name, module in list(sys.modules.items())
                   if name.partition(".")[0] in wanted and getattr(module, "__file__", None)})


def entry_points_file(entry_point: Any) -> str | None:
    """The `entry_points.txt` that declares `entry_point`: in its distribution's metadata folder
    (importlib's `PathDistribution`), else as its distribution's file list names it."""
    dist = getattr(entry_point, "dist", None)
    try:
        folder = getattr(dist, "_path", None)
        if folder is not None:
            return str(Path(folder) / "entry_points.txt")
        found = [f for f in (dist.files or ()) if f.name == "entry_points.txt"] if dist is not None else []
        return str(dist.locate_file(found[0])) if found else None
    except Exception:  # a distribution with unreadable metadata: its folder's stamp still counts
        return None


def _declarations(path: Path) -> set[tuple[str, str, str]]:
    """(group, name, value) of every entry point an `entry_points.txt` declares."""
    found, group = set(), ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
        elif "=" in line and not line.startswith(("#", ";")):
            name, _, value = line.partition("=")
            found.add((group, name.strip(), value.strip()))
    return found


def _python() -> str:
    return f"{sys.version} {sys.prefix}"


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def distribution_of(ep: Any) -> tuple[str | None, str | None]:
    """(distribution name, version) of an entry point, importlib's or the index's."""
    if isinstance(ep, IndexedEntryPoint):
        return ep.distribution, ep.version
    dist = getattr(ep, "dist", None)
    return (dist.metadata["Name"], dist.version) if dist is not None else (None, None)
