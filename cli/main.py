"""The `dataflow` command line: run, validate, list nodes and plugins, manage the cache,
create and install node packs (`packs.py`).

Exit codes: 0 success, 1 a node failed, 2 the workflow (or the command line) is invalid,
130 the run was interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

from dataflow.kernel import (
    CancelToken,
    DataflowError,
    Engine,
    Graph,
    Problem,
    Registry,
    RunEvent,
    RunResult,
    SchemaReport,
    WorkflowError,
    compile_workflow,
    infer_schemas,
    load_registry,
    load_workflow,
)
from dataflow.kernel.access import granted_folders, resolve_file_params
from dataflow.kernel.tempfiles import temp_sibling

from .allocator import tune_for_batch
from .packs import add_pack_commands
from .terminal import PrintableFormatter, echo, printable

log = logging.getLogger("dataflow")
EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _stderr(message: str = "") -> None:
    echo(message, sys.stderr)


def _print_json(data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        # text the terminal cannot take (a lone surrogate in a node's error, from a file name
        # that is not UTF-8, say): JSON escapes keep the output valid and complete
        text = json.dumps(data, indent=2, ensure_ascii=True, default=str)
    echo(text)


# --- run ---------------------------------------------------------------------------------

def _parse_sets(values: list[str]) -> dict[tuple[str, str], str]:
    overrides = {}
    for text in values:
        target, sep, value = text.partition("=")
        node_id, dot, param = target.rpartition(".")
        if not sep or not dot or not node_id or not param:
            raise WorkflowError([_problem(f"--set {text!r}: write it as NODE.PARAM=VALUE, e.g. --set load.rows=100")])
        overrides[(node_id, param)] = value
    return overrides


def _problem(message: str) -> Problem:
    return Problem("usage", message)


class Progress:
    """Prints one line per finished node on stderr, and what a running node reports
    (`dataflow.sdk.progress`): on a terminal as one line rewritten in place at most
    `TERMINAL_INTERVAL` apart, otherwise as a line at most `LOG_INTERVAL` apart."""

    TERMINAL_INTERVAL, LOG_INTERVAL = 0.25, 2.0

    def __init__(self, quiet: bool, stream: Any = None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = self.TERMINAL_INTERVAL if self.live else self.LOG_INTERVAL
        self.last_report = -float("inf")
        self.transient = False  # a progress line is on the terminal, to be replaced

    def __call__(self, event: RunEvent) -> None:
        if self.quiet or event.node_id is None or event.kind in ("queued", "running"):
            return
        if event.kind == "progress":
            self._report(event)
            return
        self._clear()
        width = len(str(event.total))
        line = f"[{event.done:>{width}}/{event.total}] {event.kind:<8} {event.node_id} ({event.node_type})"
        if event.kind == "computed":
            line += f"  {event.seconds:.3f}s"
            if event.reason:
                line += f"  ({event.reason})"
        elif event.error:
            line += f"  {event.error}"
        echo(line, self.stream)

    def _report(self, event: RunEvent) -> None:
        now = time.monotonic()
        if now - self.last_report < self.interval:
            return
        self.last_report = now
        width = len(str(event.total))
        line = f"[{event.done:>{width}}/{event.total}] running  {event.node_id} ({event.node_type})"
        if event.fraction is not None:
            line += f"  {event.fraction:4.0%}"
        if event.message:
            line += f"  {event.message}"
        if self.live:  # our own control sequences around text made printable
            self.stream.write(f"\r\x1b[K{printable(line)}")
            self.stream.flush()
            self.transient = True
        else:
            echo(line, self.stream)

    def _clear(self) -> None:
        if self.transient:
            self.stream.write("\r\x1b[K")
            self.transient = False


def _worker_count(text: str) -> int:
    """`--workers`: a whole number of at least 1 (argparse reports anything else, exit 2)."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {count}")
    return count


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "node"


def _export_outputs(result: RunResult, graph: Graph, registry: Registry, folder: Path) -> list[dict[str, str]]:
    """Write the outputs of the nodes nothing consumes into `folder`; return what was written.

    Two outputs whose names map to one file (node ids `a b` and `a_b`, or `x.y` and output `y`
    of node `x`; compared ignoring case, as some file systems do) never overwrite each other: the
    later one (in the graph's order) gets a `-2`, `-3`... suffix, and a note says so."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    taken: dict[str, tuple[str, str]] = {}  # lower-cased file name -> (file name, the output written there)
    for node_id in [n for n in graph.order if n in result.outputs]:  # the graph's order: the same names every run
        outputs, spec = result.outputs[node_id], graph.nodes[node_id].spec
        for port in spec.outputs:
            serializer = registry.serializers.get(port.type.name)
            if serializer is None or serializer.export_suffix is None:
                _stderr(f"note: output '{port.name}' of node '{node_id}' ({port.type.name}) cannot be exported; skipped")
                continue
            stem = _safe_name(node_id) if len(spec.outputs) == 1 else f"{_safe_name(node_id)}.{_safe_name(port.name)}"
            name, number = f"{stem}{serializer.export_suffix}", 1
            while name.lower() in taken:
                number += 1
                name = f"{stem}-{number}{serializer.export_suffix}"
            if number > 1:
                first, holder = taken[f"{stem}{serializer.export_suffix}".lower()]
                _stderr(f"note: output '{port.name}' of node '{node_id}' is written as {name}: "
                        f"{first} already holds {holder}")
            taken[name.lower()] = (name, f"output '{port.name}' of node '{node_id}'")
            target = folder / name
            temp = temp_sibling(target, f".tmp{serializer.export_suffix}")
            try:
                serializer.export(outputs[port.name], Path(temp))
                os.replace(temp, target)
            except Exception as exc:
                Path(temp).unlink(missing_ok=True)
                _stderr(f"error: could not export output '{port.name}' of node '{node_id}' to {target}: {exc}")
                continue
            written.append({"node": node_id, "port": port.name, "path": str(target)})
    return written


def cmd_run(args: argparse.Namespace) -> int:
    tune_for_batch()  # this process exits when the run ends: let nodes reuse freed memory
    registry = _registry()
    try:
        workflow = load_workflow(args.workflow)
        graph = compile_workflow(workflow, registry, _parse_sets(args.set), text_overrides=True)
        engine = Engine.open(registry, executor=args.executor, max_workers=args.workers,
                             use_cache=not args.no_cache, data_dirs=args.data_dir, memory_tiers=False)
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
        progress._clear()
        _stderr("stopping: running nodes are abandoned, no new ones start (Ctrl-C again to abort)")

    signal.signal(signal.SIGINT, interrupt)
    try:
        with engine:
            result = engine.run(graph, targets=args.only or None, use_cache=not args.no_cache,
                                listener=progress, cancel=token, keep_outputs=bool(args.output_dir))
    except DataflowError as exc:
        return _invalid(WorkflowError([_problem(str(exc))], args.workflow), args.json)
    finally:
        signal.signal(signal.SIGINT, previous)
        progress._clear()
    files = _export_outputs(result, graph, registry, Path(args.output_dir)) if args.output_dir else []
    for node in result.nodes.values():
        for warning in node.warnings:
            _stderr(f"warning: node '{node.id}': {warning}")
        if node.status == "failed" and args.verbose and node.traceback:
            _stderr(node.traceback)
    if args.json:
        _print_json({**result.to_dict(), "files": files})
    elif not args.quiet:
        counts: dict[str, int] = {}
        for node in result.nodes.values():
            counts[node.status] = counts.get(node.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in counts.items())
        _stderr(f"run {result.status} in {result.seconds:.2f}s: {summary}")
        for item in files:
            _stderr(f"wrote {item['path']}")
    for node in result.failed:
        if not args.json:
            _stderr(f"error: node '{node.id}' ({node.type}) failed: {node.error}")
    if result.status == "cancelled":
        return EXIT_INTERRUPTED
    return EXIT_FAILED if result.status == "failed" else EXIT_OK


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
        _print_json({"status": "invalid", "problems": [p.to_dict() for p in error.problems], "nodes": []})
    else:
        _stderr(f"error: {error}")
    return EXIT_INVALID


class _NoLoadWarnings(logging.Filter):
    """Drops the plugin loader's warning lines while the CLI loads plugins: it says the same itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.WARNING


def _registry(report: bool = True) -> Registry:
    """The installed plugins, each failure or problem said once on stderr, as a `warning:` line
    (the loader's log line saying the same is left out; `--verbose` still shows its traceback).
    `report=False` for `dataflow plugins`, whose table says it."""
    loader_log, quiet = logging.getLogger("dataflow.kernel.plugins"), _NoLoadWarnings()
    loader_log.addFilter(quiet)
    try:
        registry = load_registry()
    finally:
        loader_log.removeFilter(quiet)
    if report:
        _report_plugin_failures(registry)
    return registry


def _report_plugin_failures(registry: Registry) -> None:
    for record in registry.plugins.values():
        if record.status == "failed":
            _stderr(f"warning: plugin '{record.name}' failed to load: {record.error} (see `dataflow plugins`)")
        for problem in record.problems:
            _stderr(f"warning: plugin '{record.name}': {problem}")


# --- validate, nodes, plugins, cache -------------------------------------------------------

def cmd_validate(args: argparse.Namespace) -> int:
    registry = _registry()
    try:
        graph = compile_workflow(load_workflow(args.workflow), registry)
        report = _schema_report(graph, args.data_dir)
        if report.problems:
            raise WorkflowError(report.problems, args.workflow)
    except WorkflowError as exc:
        if args.json:
            _print_json({"valid": False, "problems": [p.to_dict() for p in exc.problems]})
        else:
            _stderr(f"error: {exc}")
        return EXIT_INVALID
    if args.verbose:
        for note in report.notes:
            _stderr(f"note: {note}")
    if args.json:
        _print_json({"valid": True, "problems": [], "nodes": len(graph.nodes), "edges": len(graph.workflow.edges),
                     "notes": report.notes})
    else:
        echo(f"{args.workflow}: valid ({len(graph.nodes)} nodes, {len(graph.workflow.edges)} edges)")
    return EXIT_OK


def _schema_report(graph: Graph, data_dirs: list[str]) -> SchemaReport:
    """The schema pass with the file access `dataflow run --data-dir` would grant."""
    base = graph.workflow.folder
    folders = granted_folders(base, data_dirs)
    return infer_schemas(graph, lambda node: resolve_file_params(node, base, folders, graph.workflow.path))


def cmd_nodes(args: argparse.Namespace) -> int:
    registry = _registry()
    specs = sorted(registry.nodes.values(), key=lambda s: (s.category, s.type_id))
    if args.plugin:
        specs = [s for s in specs if s.plugin == args.plugin]
    if args.json:
        _print_json([s.to_dict() for s in specs])
        return EXIT_OK
    category = None
    for spec in specs:
        if spec.category != category:
            category = spec.category
            echo(f"\n{category}")
        ins = ", ".join(f"{p.name}: {p.type.name}{'?' if p.optional else ''}" for p in spec.inputs)
        outs = ", ".join(f"{p.name}: {p.type.name}" for p in spec.outputs)
        echo(f"  {spec.type_id:<32} {spec.description}")
        echo(f"  {'':<32} ({ins}) -> ({outs})")
    return EXIT_OK


def cmd_plugins(args: argparse.Namespace) -> int:
    registry = _registry(report=False)
    records = list(registry.plugins.values())
    if args.json:
        _print_json([r.to_dict() for r in records])
        return EXIT_OK
    for r in records:
        counts = ", ".join(f"{len(v)} {k}" for k, v in r.contributions.items()) or "nothing"
        echo(f"{r.name:<16} {r.distribution or '-':<28} {r.version or '-':<10} {r.status:<8} {counts}")
        if r.error:
            echo(f"{'':<16} error: {r.error}")
        for problem in r.problems:
            echo(f"{'':<16} problem: {problem}")
    return EXIT_OK


def cmd_cache(args: argparse.Namespace) -> int:
    registry = _registry()
    try:
        engine = Engine.open(registry, executor="sequential" if "sequential" in registry.executors
                             else next(iter(registry.executors), "sequential"))
    except DataflowError as exc:
        _stderr(f"error: {exc}")
        return EXIT_INVALID
    with engine:
        if args.action == "clear":
            removed = engine.cache.clear()
            history = engine.history_dir / "history"
            for file in history.glob("*.json") if history.exists() else []:
                file.unlink(missing_ok=True)
            echo(f"removed {removed} cache entries from {engine.history_dir}")
            return EXIT_OK
        info = {"directory": str(engine.history_dir), "tiers": engine.cache.stats()}
    if args.json:
        _print_json(info)
    else:
        echo(f"cache folder: {info['directory']}")
        for tier in info["tiers"]:
            figures = ", ".join(f"{k} {v}" for k, v in tier.items() if k not in ("tier", "persistent"))
            echo(f"  {tier['tier']:<8} {figures}")
    return EXIT_OK


# --- entry point ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                        help="log details and show tracebacks")
    parser = argparse.ArgumentParser(prog="dataflow", description="Run and inspect DataFlow workflows.",
                                     parents=[common])
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", parents=[common], help="run a workflow headless")
    run.add_argument("workflow", help="the workflow JSON file")
    run.add_argument("--set", action="append", default=[], metavar="NODE.PARAM=VALUE",
                     help="override a parameter (repeatable), validated like the app does")
    run.add_argument("--only", action="append", default=[], metavar="NODE",
                     help="run this node and what it needs, nothing else (repeatable)")
    run.add_argument("--executor", default="threads", help="execution back end: sequential, threads, processes")
    run.add_argument("--workers", type=_worker_count, default=None, help="worker count for pool executors (1 or more)")
    run.add_argument("--no-cache", action="store_true", help="compute every node; read and write no cache")
    run.add_argument("--json", action="store_true", help="print one JSON object with every node's result")
    run.add_argument("--output-dir", metavar="DIR",
                     help="write outputs of nodes nothing consumes: tables as Parquet, metrics as JSON, figures as HTML")
    run.add_argument("--data-dir", action="append", default=[], metavar="FOLDER",
                     help="grant file nodes access to FOLDER (repeatable; the workflow's folder and "
                          "DATAFLOW_DATA_DIRS are always granted)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    run.set_defaults(handler=cmd_run)

    validate = sub.add_parser("validate", parents=[common], help="report every problem in a workflow without running it")
    validate.add_argument("workflow")
    validate.add_argument("--json", action="store_true")
    validate.add_argument("--data-dir", action="append", default=[], metavar="FOLDER",
                          help="grant file nodes access to FOLDER, as `run --data-dir` does (their headers are "
                               "read to check column parameters)")
    validate.set_defaults(handler=cmd_validate)

    nodes = sub.add_parser("nodes", parents=[common], help="list every node type")
    nodes.add_argument("--json", action="store_true")
    nodes.add_argument("--plugin", help="only the nodes of this plugin")
    nodes.set_defaults(handler=cmd_nodes)

    plugins = sub.add_parser("plugins", parents=[common], help="list plugins, their versions, and the ones that failed to load")
    plugins.add_argument("--json", action="store_true")
    plugins.set_defaults(handler=cmd_plugins)

    cache = sub.add_parser("cache", parents=[common], help="show or clear the cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--json", action="store_true")
    cache.set_defaults(handler=cmd_cache)
    add_pack_commands(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `dataflow` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.verbose = getattr(args, "verbose", False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler])
    if args.version:
        from importlib.metadata import version

        echo(f"dataflow {version('dataflow-workbench')}")
        return EXIT_OK
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_INVALID
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        _stderr("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
