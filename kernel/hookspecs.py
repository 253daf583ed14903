"""Every hook of the kernel. The signatures here are the contract; `docs/hookspecs.md` is made from them.

A plugin is a module registered under the entry-point group `dataflow`, whose functions marked
`@hookimpl` are named after the hooks below:

    # pyproject.toml of a node pack
    [project.entry-points.dataflow]
    mypack = "mypack.plugin"

    # mypack/plugin.py
    from dataflow.sdk import hookimpl
    from . import nodes

    @hookimpl
    def register_nodes(register):
        register(nodes.clean_prices)

An implementation may take fewer arguments than its hook declares, never others. No hook here
is `firstresult`: every plugin's implementation is called, and what it returns is ignored.

**Registration hooks** are called once per plugin when plugins load. Each receives a `register`
callback built by the kernel: it validates each contribution (a wrong one raises `TypeError`),
ties it to the plugin, and reports an id that two plugins claim on both of them (neither is
loaded). A registration hook that raises makes its plugin "failed": it contributes nothing.

In the signatures, `Register[X]` is the callback `Callable[[X], None]`: call it once per
contribution of type `X`; `NodeFunction` is a function decorated with `dataflow.sdk.node`.

**Event hooks** (`on_*`) observe a run. Each implementation is called on its own under a guard:
one that raises is logged with its plugin's name and never breaks the run.

**Other hooks** are added with pluggy's `add_hookspecs`: a plugin's own domain hooks by its
module's `hookspecs` attribute (the sklearn plugin's `register_estimators`), the app's hooks
(`dataflow.ui.hookspecs`: `register_viewers`) by the entry-point group `dataflow.hookspecs`.
A hook that no spec declares (`register_node` for `register_nodes`) is never called: it is
reported as its plugin's problem by `dataflow plugins` and on the app's Plugins page, unless
it is marked `@hookimpl(optionalhook=True)` (a hook of a plugin that may not be installed).

`DATAFLOW_TRACE_PLUGINS=1` prints on stderr each contribution registered and each event
delivered to an observer, with the plugin's name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

if TYPE_CHECKING:
    from .cache import CacheTier
    from .executor import Executor
    from .serializer import Serializer
    from .sources import SourceConnector
    from .workflow import Workflow

PROJECT = "dataflow"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

T = TypeVar("T")
#: The callback a registration hook receives: `register(contribution)`; returns None.
Register = Callable[[T], None]
#: A node: a plain function decorated with `dataflow.sdk.node`.
NodeFunction = Callable[..., Any]


# --- registration: what a plugin contributes ------------------------------------------

@hookspec
def register_nodes(register: Register[NodeFunction]) -> None:
    """Contribute node types.

    :param register: call it once per function decorated with `@node`. The node type id is
    `<entry point name>.<function name>`, or `@node(type_id=...)`.

    :returns: nothing (ignored).

        @hookimpl
        def register_nodes(register):
            register(filter_rows)      # -> "mypack.filter_rows"
    """


@hookspec
def register_sources(register: Register[SourceConnector]) -> None:
    """Contribute data-source connectors (file formats, databases) for the generic read/write nodes.

    :param register: call it with a `dataflow.sdk.SourceConnector` instance; its `id` is unique,
    its `extensions` pick it for a file, its `port_type` is what `read` returns.

    :returns: nothing (ignored).

        @hookimpl
        def register_sources(register):
            register(TsvConnector())   # id "tsv", extensions (".tsv",)
    """


@hookspec
def register_caches(register: Register[type[CacheTier]]) -> None:
    """Contribute cache tiers.

    :param register: call it with a `dataflow.sdk.CacheTier` subclass (the class, not an
    instance). The engine builds each tier with the run's `CacheSettings` and consults them
    in ascending `order` (memory first, then disk).

    :returns: nothing (ignored).

        @hookimpl
        def register_caches(register):
            register(MemoryTier)       # id "memory", order 0
    """


@hookspec
def register_serializers(register: Register[Serializer]) -> None:
    """Contribute serializers: how values of a port type are checked, stored, sized and exported.

    :param register: call it with a `dataflow.sdk.Serializer` instance; one per `port_type`.

    :returns: nothing (ignored).

        @hookimpl
        def register_serializers(register):
            register(ArrowTableSerializer())   # port_type "table"
    """


@hookspec
def register_executors(register: Register[type[Executor]]) -> None:
    """Contribute execution back ends.

    :param register: call it with a `dataflow.sdk.Executor` subclass (the class); `dataflow run
    --executor ID` picks one by its `id`.

    :returns: nothing (ignored).

        @hookimpl
        def register_executors(register):
            register(ThreadExecutor)   # id "threads"
    """


@hookspec
def register_components(register: Register[Path]) -> None:
    """Ship components (workflows used as one node, see docs/components.md) with a pack.

    :param register: call it with the path of a folder holding component files (`<name>.json`,
    each with a `"component"` object); they become node types `component.<name>`, found after the
    workflow's own `components` folder and the folders the user named.

    :returns: nothing (ignored).

        @hookimpl
        def register_components(register):
            register(Path(__file__).parent / "components")   # -> component.clean_sensor_data, ...
    """


# --- run events: observers that never break a run ---------------------------------------

@hookspec
def on_run_start(run_id: str, workflow: Workflow, node_ids: list[str]) -> None:
    """A run begins.

    :param run_id: this run's id, the same in every event of the run.

    :param workflow: the `Workflow` being run.

    :param node_ids: the ids of the nodes the run will report on, in the order it plans them.

    :returns: nothing (ignored).

        @hookimpl
        def on_run_start(run_id, workflow, node_ids):
            log.info("run %s: %d nodes", run_id, len(node_ids))
    """


@hookspec
def on_run_end(run_id: str, status: str, seconds: float) -> None:
    """A run ended.

    :param run_id: the run's id.

    :param status: "ok", "failed" (some node failed) or "cancelled".

    :param seconds: the run's wall-clock time.

    :returns: nothing (ignored).

        @hookimpl
        def on_run_end(run_id, status, seconds):
            notify(f"run {status} in {seconds:.1f}s")
    """


@hookspec
def on_node_start(run_id: str, node_id: str, node_type: str) -> None:
    """A node starts computing; a node answered from the cache does not start.

    :param run_id: the run's id.

    :param node_id: the node's id in the workflow.

    :param node_type: its type id ("transform.filter_rows").

    :returns: nothing (ignored).

        @hookimpl
        def on_node_start(run_id, node_id, node_type):
            timers[node_id] = time.perf_counter()
    """


@hookspec
def on_node_end(run_id: str, node_id: str, node_type: str, status: str, seconds: float) -> None:
    """A node is done without error.

    :param run_id, node_id, node_type: as in `on_node_start`.

    :param status: "computed", "cached" or "skipped" (an upstream node failed, or the run was stopped).

    :param seconds: the time it took to compute; 0 when cached or skipped.

    :returns: nothing (ignored).

        @hookimpl
        def on_node_end(run_id, node_id, node_type, status, seconds):
            metrics.observe(node_type, seconds)
    """


@hookspec
def on_node_error(run_id: str, node_id: str, node_type: str, error: str) -> None:
    """A node failed; its downstream will be skipped, independent branches go on.

    :param run_id, node_id, node_type: as in `on_node_start`.

    :param error: the node's error message, as `dataflow run` shows it ("ValueError: boom").

    :returns: nothing (ignored).

        @hookimpl
        def on_node_error(run_id, node_id, node_type, error):
            alerts.append((node_id, error))
    """
