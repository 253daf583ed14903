"""The schema pass: every table's columns through the whole workflow, before a row is read.

KNIME calls this the configure pass. In topological order, each node's output schemas are
computed from its input schemas and its parameters by the function the node declared
(`@node(schema=...)`); a source's function reads no more than its file's header or metadata and
first rows. Along the way every parameter's widget checks its value against the input schemas
(`ParamWidget.check_schema`): a column that is not there ("did you mean"), a required one left
empty, one of the wrong kind, a formula whose columns or kinds do not fit. All problems come back
together, tied to the node and parameter, so `dataflow validate` and the app show them at once.
A schema is whatever the node's function returns for a port (the SDK's `TableSchema` for tables):
the kernel hands it on and never looks inside.

What is unknown stays unknown: a node that declares nothing, whose function raises, returns
something that is not a dict by output name (a multi-output node) or takes longer than `SLOW_SECONDS` twice in a row (the first call
may import a module once), has unknown outputs, and nothing is claimed about what follows it (the
failure is a note for `validate --verbose`).

Results are memoised by a Merkle key per node (its cache key's head, its inputs' schema keys and
a source's file fingerprint), so after a change only the changed node and what follows it are
computed again, and an edited file re-reads its header.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import NodeError, Problem
from .graph import Graph, GraphNode
from .keys import hash_key, source_fingerprint
from .spec import NodeSpec

#: a schema function that takes longer than this counts as unknown (and is noted)
SLOW_SECONDS = 0.05
_MEMO_LIMIT = 20_000

@dataclass
class SchemaReport:
    """What the pass found: each node's output schemas, the problems and the notes."""

    #: node id -> output port -> what the node declared (a `TableSchema` for a table), or None
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: schema functions that failed, returned something else or ran long (validate --verbose)
    notes: list[str] = field(default_factory=list)

    def input_schema(self, graph: Graph, node_id: str, port: str) -> Any:
        """The schema of what feeds input `port` of `node_id`, or None when unknown."""
        wired = graph.nodes[node_id].inputs.get(port)
        return None if wired is None else self.outputs.get(wired[0], {}).get(wired[1])

    def problems_of(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node == node_id]


@dataclass(frozen=True, slots=True)
class _Outcome:
    key: str
    outputs: dict[str, Any]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]


def infer_schemas(graph: Graph, resolve_params: Callable[[GraphNode], dict[str, Any]],
                  memo: dict[tuple[str, str], Any] | None = None) -> SchemaReport:
    """Run the schema pass over a compiled graph.

    `resolve_params(node)` returns the parameters the node would be called with (file paths
    resolved and checked: `Engine.call_params`); a NodeError there leaves the node's outputs
    unknown, as the run will report it. `memo` (a dict the caller keeps between calls) makes a
    repeated pass cost a key per node.
    """
    memo = {} if memo is None else memo
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    report = SchemaReport()
    keys: dict[str, str] = {}
    for node_id in graph.order:
        node = graph.nodes[node_id]
        try:
            params = resolve_params(node)
        except NodeError:
            params = None
        fingerprint = ""
        if params is not None and node.spec.reads_sources:
            fingerprint = source_fingerprint(node.spec, params)
        inputs = {port: f"{keys[source]}:{source_port}" for port, source, source_port in node.key_inputs}
        key = hash_key(node.key_head, inputs, fingerprint if params is not None else "refused")
        keys[node_id] = key
        outcome = memo.get((node_id, key))
        if outcome is None:
            outcome = memo[(node_id, key)] = _node_outcome(node, params, report, key)
        report.outputs[node_id] = outcome.outputs
        report.problems.extend(outcome.problems)
        report.notes.extend(outcome.notes)
    return report


def _node_outcome(node: GraphNode, params: dict[str, Any] | None, report: SchemaReport, key: str) -> _Outcome:
    spec = node.spec
    schemas = {port: report.outputs[source].get(source_port) for port, (source, source_port) in node.inputs.items()}
    problems = column_problems(node.id, spec, node.params, schemas)
    outputs: dict[str, Any] = {p.name: None for p in spec.outputs}
    notes: list[str] = []
    tables_known = all(schemas.get(p.name) is not None for p in spec.inputs
                       if p.type.name == "table" and p.name in node.inputs)
    if spec.schema is not None and params is not None and tables_known and not problems:
        try:
            outputs.update(_declared(node, spec, params, schemas))
        except NodeError as exc:
            problems.append(Problem("schema", f"node '{node.id}' ({spec.type_id}): {exc}", node=node.id,
                                    param=exc.param))
        except _Unknown as exc:
            notes.append(f"node '{node.id}' ({spec.type_id}): {exc}; its output columns are unknown")
        except Exception as exc:  # a plugin's mistake must not break validation
            notes.append(f"node '{node.id}' ({spec.type_id}): the schema function raised "
                         f"{type(exc).__name__}: {exc}; its output columns are unknown")
    return _Outcome(key, outputs, tuple(problems), tuple(notes))


class _Unknown(Exception):
    """The declared schema cannot be used (too slow, or not a schema)."""


def _declared(node: GraphNode, spec: NodeSpec, params: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    args = [schemas.get(p.name) for p in spec.inputs]
    for _attempt in range(2):  # a first call may pay for importing a module (pyarrow: 150 ms) once
        started = time.perf_counter()
        result = spec.schema(*args, **params)
        elapsed = time.perf_counter() - started
        if elapsed <= SLOW_SECONDS:
            break
    else:
        raise _Unknown(f"the schema function took {elapsed * 1000:.0f} ms (limit {SLOW_SECONDS * 1000:.0f} ms)")
    if not spec.multi_output:
        result = {spec.outputs[0].name: result} if spec.outputs else {}
    elif result is not None and not isinstance(result, Mapping):
        raise _Unknown(f"the schema function returned {type(result).__name__}, not a dict by output name")
    return {port.name: (result or {}).get(port.name) for port in spec.outputs}


def column_problems(node_id: str, spec: NodeSpec, params: Mapping[str, Any],
                    schemas: Mapping[str, Any]) -> list[Problem]:
    """Each widget's problem with its parameter's value against the schema of the table it refers
    to (`ParamWidget.check_schema`: a column not in the table, a formula whose kinds do not fit)."""
    problems: list[Problem] = []
    first_table = next((p.name for p in spec.inputs if p.type.name == "table"), None)
    for param in spec.params:
        widget = param.widget
        if widget is None:
            continue
        port = getattr(widget, "port", None) or first_table
        try:
            problem = widget.check_schema(params.get(param.name), schemas.get(port) if port else None)
        except Exception:  # a pack's widget written for known schemas only; the run will tell
            continue
        if problem:
            problems.append(Problem(type(widget).__name__.lower(), f"node '{node_id}', parameter '{param.name}': "
                                    f"{problem}", node=node_id, param=param.name))
    return problems
