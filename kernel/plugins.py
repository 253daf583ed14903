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

The hooks of a client of the kernel (the app's `register_viewers`) are declared by modules in
the entry-point group `dataflow.hookspecs`, added before any plugin registers, so that the
command line knows them too without importing the app; the app collects them with
`collect_contributions`. Once every plugin is loaded, pluggy's `check_pending` semantics hold
per plugin: a hook implementation no spec declares (`register_node` for `register_nodes`) and
not marked `optionalhook` is never called, and is reported as that plugin's problem, with a
"did you mean".

`DATAFLOW_TRACE_PLUGINS=1` prints to stderr each contribution as it is registered and each run
event as it is delivered to a plugin's observer, with the plugin's name.

`load_registry(lazy=True)` (what `dataflow run` uses) imports at once only the plugins a run may
need whatever its nodes are, and defers those that give nothing but node types and executors
until a lookup asks for one of their ids, as the plugin index (`pluginindex.py`) says; without a
current index it loads everything and writes one. `dataflow nodes`, `dataflow plugins`, the app
and every other client load everything.

The names of the built-in plugins are reserved (`BUILTIN_PLUGINS`): an entry point of another
distribution called `io` is never imported and is reported as failed, so no pack can replace a
built-in by taking its name, whatever the order in which entry points are found.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import pluggy

from . import hookspecs
from .context import current_registry
from .errors import did_you_mean
from .pluginindex import distribution_of, index_file, read_index, write_after_full_load
from .registry import EVENT_HOOKS, PluginRecord, Registry

log = logging.getLogger(__name__)
GROUP = "dataflow"
#: Entry-point group of modules that declare more hooks (added with pluggy's `add_hookspecs`).
SPEC_GROUP = "dataflow.hookspecs"
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
    lazy: bool = False,
) -> Registry:
    """Build a registry from the installed plugins (entry-point group `dataflow`) plus `extra`.

    `extra` holds `(name, module_or_object)` pairs registered as if installed (for tests and
    embedding). `allow` / `block` default to `DATAFLOW_PLUGINS` / `DATAFLOW_DISABLE_PLUGINS`.
    `lazy=True` (`dataflow run`) leaves `deferred`, unimported, the plugins that the plugin index
    (`pluginindex.py`) says give only node types and executors, until a lookup needs one of them;
    without a current index it loads every plugin and writes the index. A registry with `extra`
    plugins is never lazy.
    """
    allow = allow if allow is not None else _names_from_env("DATAFLOW_PLUGINS")
    block = block if block is not None else (_names_from_env("DATAFLOW_DISABLE_PLUGINS") or set())
    registry = Registry()
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    use_index = lazy and use_entry_points and not extra
    where = index_file() if use_index else None
    index = read_index(where, SPEC_GROUP, GROUP)
    if index is not None:
        spec_points, plugin_points = list(index.hookspecs), list(index.plugins)
    else:
        from importlib.metadata import entry_points  # the installed metadata: read only without an index

        spec_points = sorted(entry_points(group=SPEC_GROUP), key=lambda e: e.name)
        plugin_points = sorted(entry_points(group=GROUP), key=lambda e: e.name) if use_entry_points else []
    client_hooks = _add_declared_hookspecs(manager, registry, spec_points)

    # (record, entry point or plugin object, installed): an entry point is told by where it came
    # from, not by its class (on Python 3.11 the importlib_metadata backport, imported by Dask
    # among others, makes entry_points() return its own EntryPoint class)
    candidates: list[tuple[PluginRecord, Any, bool]] = [(_record_for(ep), ep, True) for ep in plugin_points]
    for name, obj in extra:
        candidates.append((PluginRecord(name=name, module=getattr(obj, "__name__", repr(obj))), obj, False))

    batch: list[tuple[PluginRecord, Any, bool]] = []
    waiting: dict[str, Any] = {}
    for record, source, installed in candidates:
        if installed and _takes_a_builtin_name(record):
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
        provides = getattr(source, "provides", None) if index is not None else None
        if provides is not None:  # the index says a lookup will ask for it if it is needed
            record.status, registry.deferred_plugins[record.name], waiting[record.name] = "deferred", provides, source
            continue
        batch.append((record, source, installed))
    _load_batch(manager, registry, batch)

    def load_deferred(names: list[str]) -> None:
        later = [(registry.plugins[name], waiting.pop(name), True) for name in names
                 if registry.deferred_plugins.pop(name, None) is not None]
        for record, _, _ in later:
            record.status = "loaded"
        _load_batch(manager, registry, later)

    registry.load_deferred = load_deferred
    registry.manager = manager
    if use_index and index is None:
        write_after_full_load(where, manager, registry, client_hooks, spec_points, candidates)
    return registry


def _load_batch(manager: pluggy.PluginManager, registry: Registry,
                batch: list[tuple[PluginRecord, Any, bool]]) -> None:
    """Import and register these plugins, then collect what they contribute and observe."""
    for record, source, installed in batch:
        _import_and_register(manager, record, source, installed)
        if record.ok:
            _add_hookspecs(manager, registry, record)
    names = {record.name for record, _, _ in batch}
    _report_unknown_hooks(manager, registry, names)
    staged: dict[str, dict[str, list[tuple[str, Any]]]] = {}
    for kind in registry.kinds():
        for plugin, items in _call_each(manager, registry, f"register_{kind}", registry.check_for(kind),
                                        only=names).items():
            staged.setdefault(plugin, {})[kind] = items
    registry.commit({p: kinds for p, kinds in staged.items() if registry.plugins[p].ok})
    for event in EVENT_HOOKS:
        for impl in getattr(manager.hook, event).get_hookimpls():
            if impl.plugin_name in names and registry.plugins[impl.plugin_name].ok:
                function = _traced(impl.plugin_name, event, impl.function) if _tracing() else impl.function
                registry.observers[event].append((impl.plugin_name, function))


def run_registry() -> Registry:
    """The registry a node reaches through the SDK (`connectors()`, `estimators()`): its run's,
    passed to it with its task; outside a run (a unit test calling a node, a worker process),
    the installed plugins, loaded once per process."""
    return current_registry() or installed_registry()


@functools.lru_cache(maxsize=1)
def installed_registry() -> Registry:
    """Every installed plugin, loaded once per process."""
    return load_registry()


def _record_for(ep: Any) -> PluginRecord:
    """The record of an installed entry point (importlib's, or the index's `IndexedEntryPoint`)."""
    distribution, version = distribution_of(ep)
    return PluginRecord(name=ep.name, module=ep.value, distribution=distribution, version=version)


def _takes_a_builtin_name(record: PluginRecord) -> bool:
    """True when an entry point uses a built-in plugin's name but comes from another distribution."""
    owner = BUILTIN_PLUGINS.get(record.name)
    normal = re.sub(r"[-_.]+", "-", record.distribution or "").lower()
    return owner is not None and normal != owner


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _import_and_register(manager: pluggy.PluginManager, record: PluginRecord, source: Any, installed: bool) -> None:
    try:
        manager.register(source.load() if installed else source, name=record.name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from a plugin's import must not stop the app either
        record.status, record.error = "failed", _describe(exc)
        log.warning("plugin '%s' failed to load: %s", record.name, record.error)
        log.debug("traceback of plugin '%s':\n%s", record.name, traceback.format_exc())


def _add_declared_hookspecs(manager: pluggy.PluginManager, registry: Registry, points: list[Any]) -> set[str]:
    """Add every module of the `dataflow.hookspecs` group; one that fails is reported, not fatal.
    Returns the names of the hooks they declare (the clients' hooks).

    They are declarations, read whatever `DATAFLOW_PLUGINS` says, so that a hook of a disabled
    owner is not reported as a misspelling in the plugins that implement it."""
    before = set(vars(manager.hook))
    for ep in points:
        try:
            manager.add_hookspecs(ep.load())
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            record = _record_for(ep)
            record.name, record.status, record.error = f"{ep.name} (hookspecs)", "failed", _describe(exc)
            registry.plugins[record.name] = record
            log.warning("hookspecs '%s' failed to load: %s", ep.name, record.error)
    return set(vars(manager.hook)) - before


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


def _report_unknown_hooks(manager: pluggy.PluginManager, registry: Registry, names: set[str]) -> None:
    """pluggy's `check_pending`, per plugin of `names` and without raising: a hook implementation that
    no spec declares and is not marked `optionalhook` is never called, so it is the plugin's problem."""
    known = [name for name, caller in vars(manager.hook).items() if not name.startswith("_") and caller.has_spec()]
    for record in (registry.plugins[name] for name in names):
        plugin = manager.get_plugin(record.name) if record.ok else None
        for caller in (manager.get_hookcallers(plugin) or []) if plugin is not None else []:
            impl = next(i for i in caller.get_hookimpls() if i.plugin_name == record.name)
            if not caller.has_spec() and not impl.optionalhook:
                record.unknown_hooks.append(caller.name)
                record.problems.append(f"hook '{caller.name}' is declared by no hookspec of DataFlow or of a loaded "
                                       f"plugin, so it is never called{did_you_mean(caller.name, known)}")


def collect_contributions(registry: Registry, hook: str, check: Callable[..., tuple[str, Any]]) -> dict[str, Any]:
    """Call `hook` (a registration hook declared outside the kernel, e.g. the app's
    `register_viewers`) on every loaded plugin, each on its own, and return id -> contribution.

    `check(plugin, *args)` validates what a plugin passes to `register` and returns `(id, object)`.
    A plugin whose hook raises contributes nothing and gets a problem; an id claimed by two plugins
    is reported on both and neither wins. Contributions are listed in each plugin's record."""
    registry.load_everything()  # a client's hook is asked of every plugin
    kind = hook.removeprefix("register_")
    table = registry.extra.setdefault(kind, {})
    registry.commit({plugin: {kind: items} for plugin, items in _call_each(
        registry.manager, registry, hook, check, fail=False).items()})
    return table


def _call_each(manager: pluggy.PluginManager, registry: Registry, hook: str,
               check: Callable[..., tuple[str, Any]], fail: bool = True,
               only: set[str] | None = None) -> dict[str, list[tuple[str, Any]]]:
    """Call each loaded plugin's implementation of `hook` (of the plugins in `only`, when given) on
    its own with a `register` callback that validates with `check`; returns plugin -> [(id, object)].
    A plugin whose hook raises gives nothing and is marked failed (`fail`) or gets a problem."""
    staged: dict[str, list[tuple[str, Any]]] = {}
    what = hook.removeprefix("register_").removesuffix("s")  # "node", "viewer"
    caller = getattr(manager.hook, hook, None)
    for impl in caller.get_hookimpls() if caller is not None else []:
        plugin = impl.plugin_name
        record = registry.plugins[plugin]
        if not record.ok or (only is not None and plugin not in only):
            continue
        items: list[tuple[str, Any]] = []
        seen: set[str] = set()

        def register(*args: Any, _plugin=plugin, _items=items, _seen=seen) -> None:
            item_id, obj = check(_plugin, *args)
            if item_id in _seen:
                raise ValueError(f"{what} '{item_id}' is registered twice by plugin '{_plugin}'")
            _seen.add(item_id)
            _items.append((item_id, obj))
            _trace(f"plugin '{_plugin}' {hook} -> '{item_id}' ({', '.join(map(_brief, args))})")

        try:
            impl.function(**{name: register for name in impl.argnames})
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            error = f"in {hook}: {_describe(exc)}"
            if fail:
                record.status, record.error = "failed", error
            else:
                record.problems.append(error + "; it contributes nothing there")
            log.warning("plugin '%s' failed to register: %s", plugin, error)
            continue
        staged[plugin] = items
    return staged


# --- DATAFLOW_TRACE_PLUGINS -----------------------------------------------------------------------

def _tracing() -> bool:
    """True when `DATAFLOW_TRACE_PLUGINS` is set (to anything but "" or "0")."""
    return os.environ.get("DATAFLOW_TRACE_PLUGINS", "") not in ("", "0")


def _trace(message: str) -> None:
    """One `dataflow trace:` line on stderr when tracing is on."""
    if _tracing():
        print(f"dataflow trace: {message}", file=sys.stderr, flush=True)


def _traced(plugin: str, event: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (a plugin's observer of `event`) that first traces each event it receives."""
    def observer(**kwargs: Any) -> Any:
        _trace(f"plugin '{plugin}' {event}({', '.join(f'{k}={_brief(v)}' for k, v in kwargs.items())})")
        return function(**kwargs)
    return observer


def _brief(value: Any) -> str:
    """A short text for a traced value: scalars as repr, a list by its length, others by type."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str | int | bool) or value is None:
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    if isinstance(value, list | tuple):
        return f"[{len(value)} items]"
    name = getattr(value, "__qualname__", None) or type(value).__name__
    return f"{getattr(value, '__module__', '')}.{name}".lstrip(".")
