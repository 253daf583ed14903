"""The registry: every node type, source, cache tier, serializer and executor, and who gave it.

Contributions arrive through the `register` callbacks of the hooks in `hookspecs.py`, and of
the `register_<kind>` hooks plugins add (`add_kind`: the sklearn plugin's estimators). Each is
validated, tied to its plugin, and committed only when no other plugin claims the same id:
two plugins declaring one id are both reported and neither wins, so a workflow never runs
a node that silently changed owner.

A registry built from the plugin index (`load_registry(lazy=True)`) holds some plugins
`deferred`: not imported until a lookup needs them. Its node and executor tables (`LookupTable`)
load the plugin the index names for an id on first lookup, and every deferred plugin before they
are listed, counted or asked for an id the index does not know, so they answer as a registry of
every plugin would.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import CacheTier
from .executor import Executor
from .serializer import Serializer
from .sources import SourceConnector
from .spec import NODE_ATTRIBUTE, NodeSpec

log = logging.getLogger(__name__)

KINDS = ("nodes", "sources", "caches", "serializers", "executors", "components")
EVENT_HOOKS = ("on_run_start", "on_run_end", "on_node_start", "on_node_end", "on_node_error")


@dataclass
class PluginRecord:
    """What `dataflow plugins` shows for one plugin."""

    name: str
    module: str = ""
    distribution: str | None = None
    version: str | None = None
    status: str = "loaded"  # "loaded", "failed", "disabled", or "deferred" (lazy registries: not imported yet)
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    unknown_hooks: list[str] = field(default_factory=list)  # hooks it implements that no spec declares
    contributions: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "loaded"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "module": self.module, "distribution": self.distribution,
                "version": self.version, "status": self.status, "ok": self.ok, "error": self.error,
                "problems": list(self.problems), "unknown_hooks": list(self.unknown_hooks),
                "contributions": {k: list(v) for k, v in self.contributions.items()}}


def _check_node(plugin: str, obj: Any) -> tuple[str, NodeSpec]:
    spec = obj if isinstance(obj, NodeSpec) else getattr(obj, NODE_ATTRIBUTE, None)  # the spec `@node` attached
    if not isinstance(spec, NodeSpec):
        raise TypeError(f"register_nodes got {obj!r}, which is not decorated with @node")
    type_id = spec.type_id or f"{plugin}.{spec.name}"
    return type_id, dataclasses.replace(spec, type_id=type_id, plugin=plugin)


def _check_instance(base: type, what: str) -> Callable[[str, Any], tuple[str, Any]]:
    def check(plugin: str, obj: Any) -> tuple[str, Any]:
        if not isinstance(obj, base) or not getattr(obj, "id", None):
            raise TypeError(f"register_{what} expects a {base.__name__} instance with an id, got {obj!r}")
        key = obj.port_type if base is Serializer else obj.id
        return key, obj
    return check


def _check_class(base: type, what: str) -> Callable[[str, Any], tuple[str, Any]]:
    def check(plugin: str, obj: Any) -> tuple[str, Any]:
        if not (isinstance(obj, type) and issubclass(obj, base)) or not getattr(obj, "id", None):
            raise TypeError(f"register_{what} expects a {base.__name__} subclass with an id, got {obj!r}")
        return obj.id, obj
    return check


def _check_components(plugin: str, folder: Any) -> tuple[str, Path]:
    """A folder of component files (`components.py`) that a pack ships."""
    if not isinstance(folder, (str, Path)) or not Path(folder).is_dir():
        raise TypeError(f"register_components expects the path of a folder of component files, got {folder!r}")
    path = Path(folder).resolve()
    return f"{plugin}:{path}", path


CHECKS: dict[str, Callable[..., tuple[str, Any]]] = {
    "nodes": _check_node,
    "sources": _check_instance(SourceConnector, "sources"),
    "caches": _check_class(CacheTier, "caches"),
    "serializers": _check_instance(Serializer, "serializers"),
    "executors": _check_class(Executor, "executors"),
    "components": _check_components,
}
Check = Callable[..., tuple[str, Any]]


class LookupTable(MutableMapping):
    """id -> contribution, for the kinds a run looks up by id (nodes, executors). A lookup that
    misses first asks the registry to load what could give it (`Registry.load_for`); iterating or
    counting loads every deferred plugin first. With nothing deferred it is a plain mapping."""

    __slots__ = ("kind", "loaded", "registry")

    def __init__(self, registry: Registry, kind: str) -> None:
        self.registry, self.kind = registry, kind
        #: what the plugins imported so far gave
        self.loaded: dict[str, Any] = {}

    def __getitem__(self, item_id: str) -> Any:
        try:
            return self.loaded[item_id]
        except KeyError:
            if not self.registry.deferred_plugins:
                raise
        self.registry.load_for(self.kind, item_id)
        return self.loaded[item_id]

    def __contains__(self, item_id: object) -> bool:
        if item_id in self.loaded or not self.registry.deferred_plugins:
            return item_id in self.loaded
        self.registry.load_for(self.kind, item_id)  # type: ignore[arg-type]
        return item_id in self.loaded

    def __iter__(self) -> Iterator[str]:
        self.registry.load_for(self.kind, None)
        return iter(self.loaded)

    def __len__(self) -> int:
        self.registry.load_for(self.kind, None)
        return len(self.loaded)

    def __setitem__(self, item_id: str, value: Any) -> None:
        self.loaded[item_id] = value

    def __delitem__(self, item_id: str) -> None:
        del self.loaded[item_id]

    def __repr__(self) -> str:
        return f"LookupTable({self.kind}: {len(self.loaded)} loaded, {len(self.registry.deferred_plugins)} plugins deferred)"


class Registry:
    """Everything the installed plugins contribute, looked up by id."""

    def __init__(self) -> None:
        self.plugins: dict[str, PluginRecord] = {}
        self.nodes: MutableMapping[str, NodeSpec] = LookupTable(self, "nodes")
        self.sources: dict[str, SourceConnector] = {}
        self.caches: dict[str, type[CacheTier]] = {}
        self.serializers: dict[str, Serializer] = {}
        self.executors: MutableMapping[str, type[Executor]] = LookupTable(self, "executors")
        #: folders of component files that packs ship (`register_components`), by "<plugin>:<folder>"
        self.components: dict[str, Path] = {}
        #: contributions of the kinds plugins add (`add_kind`) or the app collects
        #: (`plugins.collect_contributions`): kind -> id -> contribution
        self.extra: dict[str, dict[str, Any]] = {}
        #: kind -> (the plugin that added it, its check)
        self.added_kinds: dict[str, tuple[str, Check]] = {}
        self.owners: dict[tuple[str, str], str] = {}
        self.conflicts: list[tuple[str, str, list[str]]] = []
        self.manager: Any = None
        self.observers: dict[str, list[tuple[str, Callable[..., Any]]]] = {name: [] for name in EVENT_HOOKS}
        #: plugins not imported yet (a lazy registry): name -> kind -> the ids the index says it gives
        self.deferred_plugins: dict[str, dict[str, list[str]]] = {}
        #: imports deferred plugins by name and commits what they give (set by the loader)
        self.load_deferred: Callable[[list[str]], None] = lambda names: None
        self._loading = threading.RLock()

    # --- building -------------------------------------------------------------------

    def add_kind(self, kind: str, check: Check, plugin: str) -> None:
        """Collect `register_<kind>` contributions for a hook `plugin` added; `check(plugin, *args)`
        validates what `register` got and returns `(id, contribution)`. A kind taken is a ValueError."""
        if kind in KINDS or kind in self.added_kinds:
            owner = "the kernel" if kind in KINDS else self.describe_plugin(self.added_kinds[kind][0])
            raise ValueError(f"the contribution kind '{kind}' is already declared by {owner}")
        if not callable(check):
            raise TypeError(f"the check of contribution kind '{kind}' must be callable, got {check!r}")
        self.added_kinds[kind] = (plugin, check)
        self.extra[kind] = {}

    def load_for(self, kind: str, item_id: str | None) -> None:
        """Import the deferred plugin the index names for `item_id` of `kind`; when `item_id` is
        None, no deferred plugin is named for it, or the one named did not give it after all,
        import every deferred plugin. Nothing happens when nothing is deferred."""
        with self._loading:
            if not self.deferred_plugins:
                return
            if item_id is not None:
                named = [p for p, gives in self.deferred_plugins.items() if item_id in gives.get(kind, ())]
                if named:
                    self.load_deferred(named)
                    if item_id in self.contributions(kind).loaded:
                        return
            self.load_everything()

    def load_everything(self) -> None:
        """Import every deferred plugin: the registry is then what a full load makes."""
        with self._loading:
            if self.deferred_plugins:
                self.load_deferred(list(self.deferred_plugins))

    def kinds(self) -> tuple[str, ...]:
        """Every contribution kind: the kernel's, then those plugins added."""
        return KINDS + tuple(self.added_kinds)

    def check_for(self, kind: str) -> Check:
        """The check of one contribution of `kind`."""
        return CHECKS[kind] if kind in CHECKS else self.added_kinds[kind][1]

    def contributions(self, kind: str) -> dict[str, Any]:
        """Everything registered under `kind`, by id (empty when no loaded plugin declares the kind).
        A kind no loaded plugin declares may be a deferred plugin's: every deferred plugin loads first."""
        if kind in KINDS:
            return getattr(self, kind)
        if kind not in self.extra:
            self.load_everything()
        return self.extra.get(kind, {})

    def commit(self, staged: dict[str, dict[str, list[tuple[str, Any]]]]) -> None:
        """Add staged contributions (plugin -> kind -> [(id, obj)]), rejecting ids claimed twice,
        also against another plugin that gave the id in an earlier commit (a lazy registry's)."""
        claims: dict[tuple[str, str], list[tuple[str, Any]]] = {}
        for plugin, kinds in staged.items():
            for kind, items in kinds.items():
                for item_id, obj in items:
                    owner = self.owners.get((kind, item_id))
                    if owner not in (None, plugin) and (kind, item_id) not in claims:  # an earlier commit's
                        del self.owners[(kind, item_id)]
                        self.plugins[owner].contributions[kind].remove(item_id)
                        table = self.contributions(kind)
                        claims[(kind, item_id)] = [(owner, getattr(table, "loaded", table).pop(item_id))]
                    claims.setdefault((kind, item_id), []).append((plugin, obj))
        for (kind, item_id), claimants in claims.items():
            plugins = [p for p, _ in claimants]
            if len(claimants) > 1:
                self.conflicts.append((kind, item_id, plugins))
                for plugin in plugins:
                    others = ", ".join(self.describe_plugin(p) for p in plugins if p != plugin) or "itself"
                    self.plugins[plugin].problems.append(
                        f"{kind[:-1]} '{item_id}' is also declared by {others}; neither is loaded "
                        f"(uninstall one, or block it with DATAFLOW_DISABLE_PLUGINS)")
                continue
            plugin, obj = claimants[0]
            self.contributions(kind)[item_id] = obj
            self.owners[(kind, item_id)] = plugin
            self.plugins[plugin].contributions.setdefault(kind, []).append(item_id)

    def describe_plugin(self, name: str) -> str:
        record = self.plugins.get(name)
        if record and record.distribution:
            return f"plugin '{name}' ({record.distribution} {record.version})"
        return f"plugin '{name}'"

    # --- queries --------------------------------------------------------------------

    def provenance(self, type_id: str) -> dict[str, str | None] | None:
        """Which plugin, distribution and version provide a node type (saved in workflow meta)."""
        plugin = self.owners.get(("nodes", type_id))
        if plugin is None:
            return None
        record = self.plugins[plugin]
        return {"plugin": plugin, "distribution": record.distribution, "version": record.version}

    def why_missing(self, type_id: str) -> str:
        """Explain why a node type is unknown: a failed or disabled plugin, a conflict, or nothing installed."""
        for kind, item_id, plugins in self.conflicts:
            if kind == "nodes" and item_id == type_id:
                return f"it is declared by several plugins ({', '.join(plugins)}), so none is loaded"
        prefix = type_id.split(".", 1)[0]
        record = self.plugins.get(prefix)
        if record is not None and record.status == "failed":
            return f"plugin '{prefix}' failed to load: {record.error}"
        if record is not None and record.status == "disabled":
            return f"plugin '{prefix}' is disabled by DATAFLOW_PLUGINS / DATAFLOW_DISABLE_PLUGINS"
        if record is not None:
            return f"plugin '{prefix}' is installed but has no such node"
        return "no installed plugin provides it"

    def emit(self, event: str, **kwargs: Any) -> None:
        """Call every observer of `event` on its own; a raising observer is logged, never propagated."""
        for plugin, fn in self.observers[event]:
            try:
                fn(**kwargs)
            except Exception as exc:
                log.warning("plugin '%s' raised in %s and was ignored: %s", plugin, event, exc)
