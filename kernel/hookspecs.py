"""Every hook a DataFlow plugin can implement. The signatures here are the contract.

Contribution hooks take a `register` callback built by the kernel: it validates each
contribution, ties it to the plugin that gave it, and reports a duplicate id naming both
plugins (neither wins). Event hooks (`on_*`) are observers: the kernel calls each
implementation on its own under a guard, so a raising observer is logged and never breaks
a run.

Modules in the entry-point group `dataflow.hookspecs` add hooks (the app's `register_viewers`
in `dataflow.ui.hookspecs`, a plugin's own); a hook no spec declares is reported as its
plugin's problem.

A plugin is a module registered under the entry-point group `dataflow`:

    # pyproject.toml of a node pack
    [project.entry-points.dataflow]
    mypack = "mypack.plugin"

    # mypack/plugin.py
    from dataflow.sdk import hookimpl
    from . import nodes

    @hookimpl
    def register_nodes(register):
        register(nodes.clean_prices)
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "dataflow"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- registration: what a plugin contributes ------------------------------------------

@hookspec
def register_nodes(register: Any) -> None:
    """Contribute node types: call `register(fn)` with each function decorated by `@node`.

    The type id is `<entry point name>.<function name>` unless `@node(type_id=...)` names one.

        @hookimpl
        def register_nodes(register):
            register(filter_rows)      # -> "mypack.filter_rows"
    """


@hookspec
def register_sources(register: Any) -> None:
    """Contribute data-source connectors (file formats, databases) used by the generic read/write nodes.

    `register(connector)` takes an instance of `dataflow.sdk.SourceConnector` with a unique `id`.

        @hookimpl
        def register_sources(register):
            register(TsvConnector())   # id "tsv", extensions (".tsv",)
    """


@hookspec
def register_caches(register: Any) -> None:
    """Contribute cache tiers: call `register(TierClass)` with a `dataflow.sdk.CacheTier` subclass.

    The engine builds every registered tier with the run's `CacheSettings` and consults them
    in ascending `order` (memory first, then disk).

        @hookimpl
        def register_caches(register):
            register(MemoryTier)       # id "memory", order 0
    """


@hookspec
def register_serializers(register: Any) -> None:
    """Contribute serializers: `register(serializer)` with a `dataflow.sdk.Serializer` instance.

    One serializer per port type says how its values are checked, stored, sized and exported.

        @hookimpl
        def register_serializers(register):
            register(ArrowTableSerializer())   # port_type "table"
    """


@hookspec
def register_executors(register: Any) -> None:
    """Contribute execution back ends: `register(ExecutorClass)` with a `dataflow.sdk.Executor` subclass.

    `dataflow run --executor ID` picks one by its `id`.

        @hookimpl
        def register_executors(register):
            register(ThreadExecutor)   # id "threads"
    """


@hookspec
def register_estimators(register: Any) -> None:
    """Contribute models to the built-in train nodes: `register(factory)` for each factory
    decorated with `@estimator` (see `dataflow.kernel.estimators`).

        @estimator(kind="classifier", label="XGBoost")
        def xgboost(*, n_estimators: Annotated[int, Bounds(1, 5000)] = 100):
            \"\"\"Gradient-boosted trees from xgboost.\"\"\"
            from xgboost import XGBClassifier
            return XGBClassifier(n_estimators=n_estimators)

        @hookimpl
        def register_estimators(register):
            register(xgboost)
    """


# --- run events: observers that never break a run ---------------------------------------

@hookspec
def on_run_start(run_id: str, workflow: Any, node_ids: list[str]) -> None:
    """A run begins: `workflow` is the `Workflow`, `node_ids` the nodes it will report on.

        @hookimpl
        def on_run_start(run_id, workflow, node_ids):
            log.info("run %s: %d nodes", run_id, len(node_ids))
    """


@hookspec
def on_run_end(run_id: str, status: str, seconds: float) -> None:
    """A run ended with `status` "ok", "failed" or "cancelled" after `seconds`.

        @hookimpl
        def on_run_end(run_id, status, seconds):
            notify(f"run {status} in {seconds:.1f}s")
    """


@hookspec
def on_node_start(run_id: str, node_id: str, node_type: str) -> None:
    """A node starts computing (cache hits do not start).

        @hookimpl
        def on_node_start(run_id, node_id, node_type):
            timers[node_id] = time.perf_counter()
    """


@hookspec
def on_node_end(run_id: str, node_id: str, node_type: str, status: str, seconds: float) -> None:
    """A node finished: `status` is "computed", "cached" or "skipped".

        @hookimpl
        def on_node_end(run_id, node_id, node_type, status, seconds):
            metrics.observe(node_type, seconds)
    """


@hookspec
def on_node_error(run_id: str, node_id: str, node_type: str, error: str) -> None:
    """A node failed with the message `error`; its downstream will be skipped.

        @hookimpl
        def on_node_error(run_id, node_id, node_type, error):
            alerts.append((node_id, error))
    """
