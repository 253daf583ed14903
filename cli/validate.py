"""`dataflow validate`: report every problem in a workflow, column parameters included, without
running it."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataflow.kernel import (
    CallPlace,
    Graph,
    SchemaReport,
    WorkflowError,
    compile_workflow,
    infer_schemas,
    load_workflow,
    resolve_params,
)

from . import EXIT_INVALID, EXIT_OK
from .loading import load_plugins
from .terminal import echo, echo_stderr, print_json
from .values import given_values, parse_text_value


def cmd_validate(args: argparse.Namespace) -> int:
    """Say whether the workflow is valid (exit 0) or list its problems (exit 2)."""
    registry = load_plugins()
    try:
        workflow = load_workflow(args.workflow)
        overrides, params = given_values(args, workflow)
        graph = compile_workflow(workflow, registry, overrides, parse_text=parse_text_value, params=params)
        report = _schema_report(graph, args.data_dir)
        if report.problems:
            raise WorkflowError(report.problems, args.workflow)
    except WorkflowError as exc:
        if args.json:
            print_json({"valid": False, "problems": [p.to_dict() for p in exc.problems]})
        else:
            echo_stderr(f"error: {exc}")
        return EXIT_INVALID
    if args.verbose:
        for note in report.notes:
            echo_stderr(f"note: {note}")
    if args.json:
        print_json({"valid": True, "problems": [], "nodes": len(graph.nodes), "edges": len(graph.workflow.edges),
                    "notes": report.notes})
    else:
        echo(f"{args.workflow}: valid ({len(graph.nodes)} nodes, {len(graph.workflow.edges)} edges)")
    return EXIT_OK


def _schema_report(graph: Graph, data_dirs: list[str]) -> SchemaReport:
    """The schema pass with the file access `dataflow run --data-dir` would grant."""
    place = CallPlace(graph.workflow.folder, graph.workflow.path, tuple(Path(d) for d in data_dirs))
    return infer_schemas(graph, lambda node: resolve_params(node.spec, node.params, place))
