"""`dataflow run`: run a workflow headless, with progress lines, a summary and an exit code."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from typing import Any

from dataflow.kernel import (
    CancelToken,
    DataflowError,
    Engine,
    Graph,
    Problem,
    WorkflowError,
    compile_workflow,
    load_workflow,
)

from . import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK
from .allocator import tune_for_batch
from .commands import SCHEDULER_ENV
from .export import export_outputs
from .loading import load_plugins
from .progress import Progress
from .terminal import echo_stderr, print_json
from .values import given_values, parse_text_value

#: executors that plugins outside the default install provide: id -> the distribution to install
EXECUTOR_PACKAGES = {"dask": "dataflow-dask"}


def _problem(message: str) -> Problem:
    return Problem("usage", message)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the workflow; exit 0 when every node ran, 1 when one failed, 2 when it is invalid,
    130 when Ctrl-C stopped it."""
    tune_for_batch()  # this process exits when the run ends: let nodes reuse freed memory
    registry = load_plugins(lazy=True)  # only the plugins of the workflow's node types and executor
    try:
        _check_executor(args, registry)
        workflow = load_workflow(args.workflow)
        overrides, params = given_values(args, workflow)
        graph = compile_workflow(workflow, registry, overrides, parse_text=parse_text_value, params=params)
        engine = Engine.open(registry, executor=args.executor, max_workers=args.workers,
                             use_cache=not args.no_cache, data_dirs=args.data_dir, memory_tiers=False)
        if hasattr(engine.executor, "announce") and not args.quiet:
            engine.executor.announce = echo_stderr  # where a cluster executor says it started (its dashboard)
        _check_schemas(engine, graph, args.only or None, not args.no_cache)
    except WorkflowError as exc:
        return _invalid(exc, args.json)
    except DataflowError as exc:
        return _invalid(WorkflowError([_problem(str(exc))], args.workflow), args.json)
    token = CancelToken()
    progress = Progress(args.quiet)
    previous = signal.getsignal(signal.SIGINT)

    def interrupt(signum, frame):
        if token.cancelled:
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        token.cancel()
        progress.clear()
        echo_stderr("stopping: running nodes are abandoned, no new ones start (Ctrl-C again to abort)")

    signal.signal(signal.SIGINT, interrupt)
    try:
        with engine:
            result = engine.run(graph, targets=args.only or None, use_cache=not args.no_cache,
                                listener=progress, cancel=token, keep_outputs=bool(args.output_dir))
    except DataflowError as exc:
        return _invalid(WorkflowError([_problem(str(exc))], args.workflow), args.json)
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.clear()
    files = export_outputs(result, graph, registry, Path(args.output_dir)) if args.output_dir else []
    for node in result.nodes.values():
        for warning in node.warnings:
            echo_stderr(f"warning: node '{node.id}': {warning}")
        if node.status == "failed" and args.verbose and node.traceback:
            echo_stderr(node.traceback)
    if args.json:
        print_json({**result.to_dict(), "files": files})
    elif not args.quiet:
        counts: dict[str, int] = {}
        for node in result.nodes.values():
            counts[node.status] = counts.get(node.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        echo_stderr(f"run {result.status} in {result.seconds:.2f}s: {summary}")
        for item in files:
            echo_stderr(f"wrote {item['path']}")
    for node in result.failed:
        if not args.json:
            echo_stderr(f"error: node '{node.id}' ({node.type}) failed: {node.error}")
    if result.status == "cancelled":
        return EXIT_INTERRUPTED
    return EXIT_FAILED if result.status == "failed" else EXIT_OK


def _check_executor(args: argparse.Namespace, registry: Any) -> None:
    """Raise WorkflowError for an executor that is not installed (naming the package that brings
    it) or a `--scheduler` without the Dask executor; pass `--scheduler` on to it."""
    if args.executor not in registry.executors and args.executor in EXECUTOR_PACKAGES:
        package = EXECUTOR_PACKAGES[args.executor]
        raise WorkflowError([_problem(f"executor '{args.executor}' is not installed: it comes with the "
                                      f"{package} plugin (pip install {package}, or plugins/{args.executor} "
                                      "of the DataFlow source)")])
    if args.scheduler:
        if args.executor != "dask":
            raise WorkflowError([_problem("--scheduler applies to --executor dask only")])
        os.environ[SCHEDULER_ENV] = args.scheduler


def _check_schemas(engine: Engine, graph: Graph, targets: list[str] | None, use_cache: bool) -> None:
    """Raise WorkflowError when a node that would compute has a column parameter that does not fit
    its input's columns (the schema pass), before a row is read. A cached node ran with exactly
    these parameters and inputs, so a fully cached run reads no file header."""
    plans = engine.plan(graph, targets, use_cache=use_cache)
    computing = {node_id for node_id, plan in plans.items() if not plan.cached}
    if not computing:
        return
    problems = [p for p in engine.schemas(graph).problems if p.node in computing]
    if problems:
        engine.close()
        raise WorkflowError(problems, str(graph.workflow.path) if graph.workflow.path else None)


def _invalid(error: WorkflowError, as_json: bool) -> int:
    if as_json:
        print_json({"status": "invalid", "problems": [p.to_dict() for p in error.problems], "nodes": []})
    else:
        echo_stderr(f"error: {error}")
    return EXIT_INVALID
