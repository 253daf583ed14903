"""Load plugins one entry point at a time, so one broken plugin never takes the others down.

pluggy's own entry-point loader stops at the first plugin that fails, and a raising hook
implementation discards every other plugin's results. Here each entry point is imported in
its own guard, each hook implementation is called on its own, and every failure is recorded
with the plugin's name, distribution and version for `dataflow plugins` and the app.

A plugin module may add hooks of its own domain: its `hookspecs` attribute (a module or class
of `@hookspec` functions) is given to pluggy's `add_hookspecs`, and each kind named in that
object's `CONTRIBUTIONS` (kind -> check) is collected through `register_<kind>` like the
kernel's own kinds (`Registry.add_kind`).

`DATAFLOW_PLUGINS` (comma-separated names) loads only those plugins; `DATAFLOW_DISABLE_PLUGINS`
skips the ones it names. Both are escape hatches when a plugin misbehaves.

The names of the built-in plugins are reserved (`BUILTIN_PLUGINS`): an entry point of another
distribution called `io` is never imported and is reported as failed, so no pack can replace a
built-in by taking its name, whatever the order in which entry points are found.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import traceback
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs
from .context import current_registry
from .errors import did_you_mean
from .registry import EVENT_HOOKS, PluginRecord, Registry

log = logging.getLogger(__name__)
GROUP = "dataflow"
#: Entry-point name -> the distribution that provides that built-in plugin (reserved names).
BUILTIN_PLUGINS = {name: f"dataflow-{name}" for name in ("cache", "executors", "io", "plotly", "samples",
                                                         "serializers", "sklearn", "transform")}


def _names_from_env(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def load_registry(
    *,
    extra: Iterable[tuple[str, Any]] = (),
    use_entry_points: bool = True,
    allow: set[str] | None = None,
    block: set[str] | None = None,
) -> Registry:
    """Build a registry from the installed plugins (entry-point group `dataflow`) plus `extra`.

    `extra` holds `(name, module_or_object)` pairs registered as if installed (for tests and
    embedding). `allow` / `block` default to `DATAFLOW_PLUGINS` / `DATAFLOW_DISABLE_PLUGINS`.
    """
    allow = allow if allow is not None else _names_from_env("DATAFLOW_PLUGINS")
    block = block if block is not None else (_names_from_env("DATAFLOW_DISABLE_PLUGINS") or set())
    registry = Registry()
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)

    candidates: list[tuple[PluginRecord, Any]] = []
    if use_entry_points:
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            candidates.append((_record_for(ep), ep))
    for name, obj in extra:
        candidates.append((PluginRecord(name=name, module=getattr(obj, "__name__", repr(obj))), obj))

    for record, source in candidates:
        if isinstance(source, EntryPoint) and _takes_a_builtin_name(record):
            record.status, record.error = "failed", (
                f"the plugin name '{record.name}' is reserved for DataFlow's built-in {BUILTIN_PLUGINS[record.name]}; "
                f"{record.distribution or record.module} must give its entry point another name")
            registry.plugins[f"{record.name} ({record.distribution or record.module})"] = record
            log.warning("%s", record.error)
            continue
        if record.name in registry.plugins:
            first = registry.plugins[record.name]
            record.status, record.error = "failed", (
                f"the plugin name '{record.name}' is already used by {first.distribution or first.module}")
            registry.plugins[f"{record.name} ({record.distribution or record.module})"] = record
            continue
        registry.plugins[record.name] = record
        if (allow is not None and record.name not in allow) or record.name in block:
            record.status = "disabled"
            continue
        _import_and_register(manager, record, source)
        if record.ok:
            _add_hookspecs(manager, registry, record)

    _report_unknown_hooks(manager, registry)
    staged = _collect(manager, registry)
    registry.commit(staged)
    for event in EVENT_HOOKS:
        for impl in getattr(manager.hook, event).get_hookimpls():
            if registry.plugins[impl.plugin_name].ok:
                registry.observers[event].append((impl.plugin_name, impl.function))
    registry.manager = manager
    return registry


def run_registry() -> Registry:
    """The registry a node reaches through the SDK (`connectors()`, `estimators()`): its run's,
    passed to it with its task; outside a run (a unit test calling a node, a worker process),
    the installed plugins, loaded once per process."""
    return current_registry() or installed_registry()


@functools.lru_cache(maxsize=1)
def installed_registry() -> Registry:
    """Every installed plugin, loaded once per process."""
    return load_registry()


def _record_for(ep: EntryPoint) -> PluginRecord:
    dist = getattr(ep, "dist", None)
    return PluginRecord(
        name=ep.name,
        module=ep.value,
        distribution=dist.metadata["Name"] if dist is not None else None,
        version=dist.version if dist is not None else None,
    )


def _takes_a_builtin_name(record: PluginRecord) -> bool:
    """True when an entry point uses a built-in plugin's name but comes from another distribution."""
    owner = BUILTIN_PLUGINS.get(record.name)
    normal = re.sub(r"[-_.]+", "-", record.distribution or "").lower()
    return owner is not None and normal != owner


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _import_and_register(manager: pluggy.PluginManager, record: PluginRecord, source: Any) -> None:
    try:
        plugin = source.load() if isinstance(source, EntryPoint) else source
        manager.register(plugin, name=record.name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from a plugin's import must not stop the app either
        record.status, record.error = "failed", _describe(exc)
        log.warning("plugin '%s' failed to load: %s", record.name, record.error)
        log.debug("traceback of plugin '%s':\n%s", record.name, traceback.format_exc())


def _add_hookspecs(manager: pluggy.PluginManager, registry: Registry, record: PluginRecord) -> None:
    """Add the hooks a plugin declares (`plugin.hookspecs`) and the contribution kinds they collect;
    a spec or kind that clashes with one already known fails the plugin."""
    plugin = manager.get_plugin(record.name)
    specs = getattr(plugin, "hookspecs", None)
    if specs is None:
        return
    try:
        manager.add_hookspecs(specs)
        for kind, check in dict(getattr(specs, "CONTRIBUTIONS", {})).items():
            registry.add_kind(kind, check, record.name)
    except Exception as exc:
        manager.unregister(plugin)
        record.status, record.error = "failed", f"in its hookspecs: {_describe(exc)}"
        log.warning("plugin '%s' failed to add its hooks: %s", record.name, record.error)


def _report_unknown_hooks(manager: pluggy.PluginManager, registry: Registry) -> None:
    """pluggy's `check_pending`, per plugin and without raising: a hook implementation no spec
    knows (`register_nodez`) is never called, so it is the plugin's reported problem."""
    known = [name for name, caller in vars(manager.hook).items() if getattr(caller, "spec", None) is not None]
    for record in registry.plugins.values():
        plugin = manager.get_plugin(record.name) if record.ok else None
        for caller in (manager.get_hookcallers(plugin) or []) if plugin is not None else []:
            if caller.spec is None and not any(i.optionalhook for i in caller.get_hookimpls()):
                record.problems.append(f"hook '{caller.name}' is not a DataFlow hook (nor one a loaded plugin "
                                       f"adds), so it is never called{did_you_mean(caller.name, known)}")


def _collect(manager: pluggy.PluginManager, registry: Registry) -> dict[str, dict[str, list[tuple[str, Any]]]]:
    """Call each plugin's registration hooks on their own; drop everything from a plugin that raises."""
    staged: dict[str, dict[str, list[tuple[str, Any]]]] = {}
    for kind in registry.kinds():
        caller = getattr(manager.hook, f"register_{kind}", None)  # a kind a plugin added without its hook
        for impl in caller.get_hookimpls() if caller is not None else ():
            plugin = impl.plugin_name
            record = registry.plugins[plugin]
            if not record.ok:
                continue
            items = staged.setdefault(plugin, {}).setdefault(kind, [])
            seen: set[str] = set()

            def register(*args: Any, _kind=kind, _plugin=plugin, _items=items, _seen=seen) -> None:
                item_id, obj = registry.check_for(_kind)(_plugin, *args)
                if item_id in _seen:
                    raise ValueError(f"{_kind[:-1]} '{item_id}' is registered twice by plugin '{_plugin}'")
                _seen.add(item_id)
                _items.append((item_id, obj))

            try:
                impl.function(**{name: register for name in impl.argnames})
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                record.status, record.error = "failed", f"in register_{kind}: {_describe(exc)}"
                log.warning("plugin '%s' failed to register: %s", plugin, record.error)
                staged.pop(plugin, None)
    return {p: kinds for p, kinds in staged.items() if registry.plugins[p].ok}
