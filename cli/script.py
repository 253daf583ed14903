"""`dataflow export W.json -o script.py`: the workflow as one plain Python script.

One block per node in the graph's order, the node's label as a comment, the workflow's parameters
as constants at the top. A node type whose plugin registers an exporter (`register_exporters`,
`scripthooks.py`) becomes that plain code; any other is a call into its plugin's own function,
and the script's header lists those plugins. Components are exported as the nodes inside them; a
loop node as a function of its body called once per item, its results collected as the engine does.
An output an exporter gives as a plain stand-in (`Code.plain_outputs`, the sklearn plugin's model
as a dict) is only read by exporters that take it (`NodeCode.plain_inputs`): when a call would read
it, the script is built again with its producer as a call too (once per such producer).

Nothing from the workflow file reaches the script but as a Python literal (`repr` of JSON data)
or inside a comment written with `repr` (a label holding a newline and code stays a comment): the
script does exactly what the workflow does. Run it from the workflow's folder, where its relative
paths are; `--output-dir DIR` writes the outputs nothing consumes as `dataflow run --output-dir`
names them (tables as Parquet, metrics as JSON, charts as HTML).
"""

from __future__ import annotations

import argparse
import keyword
import re
from pathlib import Path
from typing import Any

from dataflow.kernel import Graph, GraphNode, Registry, WorkflowError, compile_workflow, load_workflow
from dataflow.kernel.loops import body_graph
from dataflow.kernel.plugins import collect_contributions

from . import EXIT_INVALID, EXIT_OK
from .loading import load_plugins
from .scripthooks import Code, Exporter, NodeCode
from .terminal import echo, echo_stderr
from .values import given_values, parse_text_value


def cmd_export(args: argparse.Namespace) -> int:
    """Write the script (exit 0) or say why the workflow cannot be exported (exit 2)."""
    registry = load_plugins()
    target = Path(args.output)
    if target.suffix != ".py":
        echo_stderr(f"error: {args.output}: the script's name must end in .py")
        return EXIT_INVALID
    try:
        workflow = load_workflow(args.workflow)
        overrides, params = given_values(args, workflow)
        graph = compile_workflow(workflow, registry, overrides, parse_text=parse_text_value, params=params)
    except WorkflowError as exc:
        echo_stderr(f"error: {exc}")
        return EXIT_INVALID
    from dataflow.kernel.files import atomic_write

    try:
        script = export_script(graph, registry)
    except ValueError as exc:  # a loop whose body cannot be written as a function (a list parameter looped)
        echo_stderr(f"error: {args.workflow}: cannot be exported: {exc}")
        return EXIT_INVALID
    atomic_write(target, script.encode("utf-8"))
    echo(f"wrote {target}: {len(graph.nodes)} nodes; run it from {graph.workflow.folder or 'the workflow folder'}")
    return EXIT_OK


def exporters(registry: Registry) -> dict[str, Exporter]:
    """Every plugin's exporters, by node type."""
    return collect_contributions(registry, "register_exporters", _check_exporter)


def _check_exporter(plugin: str, type_id: object, exporter: object = None) -> tuple[str, Exporter]:
    if not isinstance(type_id, str) or not callable(exporter):
        raise TypeError("register_exporters expects register(type_id, exporter_function)")
    return type_id, exporter


def export_script(graph: Graph, registry: Registry) -> str:
    """The whole script for a compiled graph."""
    found = exporters(registry)
    calls: set[str] = set()
    while True:  # a call fed a producer's plain stand-in makes that producer a call too; at most once per node
        names = _Names()
        constants = {name: names.constant(name) for name in graph.workflow.parameters}
        script = _Script(registry, found, names, calls)
        script.choices = {name: list(declared["choices"]) for name, declared in graph.workflow.parameters.items()
                          if declared.get("type") == "choice" and isinstance(declared.get("choices"), list)}
        variables: dict[tuple[str, str], str] = {}
        blocks = script.blocks(graph, variables, constants, "    ")
        if script.conflict is None:
            break
        calls.add(script.conflict)
    standard = ["import argparse", "import json", "from pathlib import Path"]
    sinks = [n for n in graph.order if n not in graph.consumer_counts]
    return "\n".join([
        _header(graph, script.called), "", *standard, "", *sorted(set(script.imports) - set(standard)), "",
        *(f"{constant} = {_literal(_param_value(graph, name))}" for name, constant in constants.items()),
        "" if constants else "", "",
        "def main(output_dir: Path | None = None) -> dict:",
        '    """Compute every node; write the outputs nothing consumes into `output_dir` when given."""',
        *blocks,
        "    outputs = {",
        *(f"        ({n!r}, {p!r}, {t!r}): {variables[(n, p)]},"
          for n in sinks for p, t in graph.nodes[n].spec.output_types.items()),
        "    }",
        "    if output_dir is not None:",
        "        write_outputs(outputs, output_dir)",
        "    return outputs",
        "", "", _WRITE_OUTPUTS, *(["", "", _LOOP_HELPERS] if script.loops else []), "", "",
        'if __name__ == "__main__":',
        "    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])",
        '    parser.add_argument("--output-dir", type=Path, help="write the outputs nothing consumes here")',
        "    main(parser.parse_args().output_dir)",
        ""])


class _Script:
    """What the blocks of a script gather while they are written: imports, the plugins called,
    whether a loop needs the loop helpers, and the first producer whose plain stand-in a call would
    read (`conflict`: the script is then built again with that producer as a call)."""

    def __init__(self, registry: Registry, found: dict[str, Exporter], names: _Names, calls: set[str]):
        self.registry, self.found, self.names, self.calls = registry, found, names, calls
        self.imports: dict[str, None] = {}
        self.called: dict[str, set[str]] = {}
        self.loops = False
        self.conflict: str | None = None
        self.stand_ins: set[tuple[str, str]] = set()  # (node, port) whose variable holds a plain stand-in
        #: the values a workflow parameter can take, by its name: a choice parameter's choices, or the values a
        #: loop gives its body (an exporter may write code for each, keyed by the constant's value)
        self.choices: dict[str, list[Any]] = {}

    def blocks(self, graph: Graph, variables: dict[tuple[str, str], str], constants: dict[str, str],
               indent: str, given: frozenset[str] = frozenset()) -> list[str]:
        """One block per node of `graph` in order (the `given` nodes' variables are set by the caller);
        stops at the first conflict."""
        blocks = []
        for node_id in graph.order:
            if node_id in given:
                continue
            node = graph.nodes[node_id]
            outputs = {p.name: variables.setdefault((node_id, p.name),
                                                    self.names.value(node_id, p.name, len(node.spec.outputs)))
                       for p in node.spec.outputs}
            code = _node_code(node, outputs, variables, constants, graph, self.stand_ins, self.choices)
            if node.loop is not None:
                lines = self.loop(node, code)
            else:
                made = self.found.get(node.spec.type_id) if node_id not in self.calls else None
                result = made(code) if made is not None else None
                if result is None:
                    fed = [source for source, source_port in node.inputs.values() if (source, source_port) in self.stand_ins]
                    if fed:
                        self.conflict = fed[0]
                        return blocks
                    result = _call(node, code, self.names)
                    self.called.setdefault(node.spec.plugin or node.spec.fn.__module__.split(".")[0],
                                           set()).add(node.spec.type_id)
                self.stand_ins.update((node_id, port) for port in result.plain_outputs)
                self.imports.update(dict.fromkeys(result.imports))
                lines = result.lines
            if self.conflict is not None:
                return blocks
            label = node.label if node.label != node.spec.label else ""
            blocks.append("\n".join([f"{indent}# {node_id!r} ({node.spec.type_id})" + (f": {label!r}" if label else ""),
                                     *(f"{indent}{line}" for line in lines)]))
        return blocks

    def loop(self, node: GraphNode, code: NodeCode) -> list[str]:
        """A loop node: its body as a function of its inputs and looped parameters, called once per
        item, and the results collected as the engine collects them (`kernel/loops.py`)."""
        self.loops = True
        self.imports.update(dict.fromkeys(["import itertools", "import pandas as pd"]))
        loop = node.loop.loop
        try:
            body = body_graph(node, self.registry)
        except ValueError as exc:
            raise ValueError(f"loop node '{node.id}': {exc}") from None
        ports = [n[3:] for n in body.order if n.startswith("in.")]
        args = {port: self.names.value(f"{node.id}_{port}_in", "value", 1) for port in ports}
        looped = {name: self.names.value(f"{node.id}_{name}", "value", 1) for name in sorted(loop.looped_params)}
        variables = {(f"in.{port}", "value"): arg for port, arg in args.items()}
        fed = {f"in.{port}": node.inputs[port] for port in ports if port in node.inputs}
        self.stand_ins.update((given, "value") for given, source in fed.items() if source in self.stand_ins)
        function = self.names.value(f"{node.id}_iteration", "", 1)
        outer, self.choices = self.choices, {name: list(values) for name, values in loop.values}
        try:
            inner = [line for block in self.blocks(body, variables, looped, "    ", frozenset(f"in.{p}" for p in ports))
                     for line in block.split("\n")]
        finally:
            self.choices = outer
        if self.conflict in fed:  # a call inside reads a stand-in handed in: its producer outside becomes a call
            self.conflict = fed[self.conflict][0]
        if self.conflict is not None:
            return []
        ends = {port: variables[(f"body{path}", inner_port)] for port, (path, inner_port) in node.loop.ends.items()}
        lines = [f"def {function}({', '.join([*args.values(), *looped.values()])}):", *inner,
                 "    return {" + ", ".join(f"{port!r}: {var}" for port, var in ends.items()) + "}", ""]
        call_args = ["part" if loop.over == "groups" and p == loop.port else code.inputs[p] for p in ports]
        results = self.names.value(f"{node.id}_results", "", 1)
        if loop.over == "files":
            lines += [f"{results} = []",
                      f"for name in loop_files({loop.folder!r}, {loop.pattern!r}):",
                      f"    {results}.append(({{{loop.item_column!r}: name}}, {function}("
                      + ", ".join([*call_args, f"str(Path({loop.folder!r}) / name)"]) + ")))"]
        elif loop.over == "values":
            names = [name for name, _ in loop.values]
            lists = ", ".join(repr(list(values)) for _, values in loop.values)
            combine = f"zip({lists})" if loop.combine == "zip" else f"itertools.product({lists})"
            lines += [f"{results} = []",
                      f"for row in {combine}:",
                      f"    item = dict(zip({names!r}, row))",
                      f"    {results}.append((item, {function}(" + ", ".join(
                          [*call_args, *(f"item[{n!r}]" for n in sorted(loop.looped_params))]) + ")))"]
        else:
            lines += [f"{results} = []",
                      f"for label, part in loop_groups({code.inputs[loop.port]}, {list(loop.keys)!r}):",
                      f"    {results}.append((label, {function}(" + ", ".join(call_args) + ")))"]
        for port, var in code.outputs.items():
            kind = node.loop.body.output_types[port]
            lines.append(f"{var} = collect_{kind}([(label, result[{port!r}]) for label, result in {results}])")
        return lines


def _header(graph: Graph, called: dict[str, set[str]]) -> str:
    name = str(graph.workflow.meta.get("name") or (graph.workflow.path.stem if graph.workflow.path else "workflow"))
    lines = [f'"""{_doc_text(name)}: exported by `dataflow export` from {_doc_text(graph.workflow.path or "a workflow")}.',
             "", "Run it from the workflow's folder (its relative paths are as in the workflow):",
             "    python this_script.py --output-dir out/"]
    if called:
        lines += ["", "These node types are calls into their plugin's own function, so the script needs those",
                  "packages installed (they have no plain version yet, or none for these settings):"]
        lines += [f"    {plugin}: {', '.join(sorted(types))}" for plugin, types in sorted(called.items())]
    return "\n".join(lines) + '\n"""'


def _doc_text(value: Any) -> str:
    """Text for the script's docstring: printable, no quotes or backslashes that could end it."""
    return re.sub(r'[^\w .,:;()/+\-]', "_", str(value))[:200]


def _param_value(graph: Graph, name: str) -> Any:
    """A workflow parameter's value in this compile (a node bound to it holds it), else its default."""
    for node in graph.nodes.values():
        for param, bound in (node.bindings or {}).items():
            if bound == name:
                return node.params[param]
    return graph.workflow.parameters[name].get("default")


def _node_code(node: GraphNode, outputs: dict[str, str], variables: dict[tuple[str, str], str],
               constants: dict[str, str], graph: Graph, stand_ins: set[tuple[str, str]],
               choices: dict[str, list[Any]]) -> NodeCode:
    bound = node.bindings or {}
    literals = {name: constants[bound[name]] if name in bound else _literal(value) for name, value in node.params.items()}
    inputs = {port: variables[(source, source_port)] for port, (source, source_port) in node.inputs.items()}
    sources = {port: graph.nodes[source].spec.type_id for port, (source, _) in node.inputs.items()}
    source_params = {port: dict(graph.nodes[source].params) for port, (source, _) in node.inputs.items()}
    source_bound = {port: sorted(graph.nodes[source].bindings or {}) for port, (source, _) in node.inputs.items()}
    plain = frozenset(port for port, fed in node.inputs.items() if fed in stand_ins)
    return NodeCode(node.id, node.spec.type_id, dict(node.params), literals, inputs, outputs,
                    {"folder": str(graph.workflow.folder) if graph.workflow.folder else None, "sources": sources,
                     "source_params": source_params, "source_bound": source_bound,
                     "choices": {name: choices[bound[name]] for name in bound if bound[name] in choices}},
                    plain)


def _call(node: GraphNode, code: NodeCode, names: _Names) -> Code:
    """The fallback: call the plugin's function, as the engine does (inputs by position)."""
    fn = node.spec.fn
    alias = names.function(fn.__module__, fn.__name__)
    args = [code.inputs.get(name, "None") for name in node.spec.input_names]
    args += [f"{name}={literal}" for name, literal in code.literals.items()]
    call = f"{alias}({', '.join(args)})"
    imports = [f"from {fn.__module__} import {fn.__name__}" + (f" as {alias}" if alias != fn.__name__ else "")]
    if not node.spec.multi_output:
        target = next(iter(code.outputs.values()), "_")
        return Code([f"{target} = {call}"], imports)
    result = names.value(node.id, "result", 2)
    return Code([f"{result} = {call}", *(f"{var} = {result}[{port!r}]" for port, var in code.outputs.items())], imports)


def _literal(value: Any) -> str:
    """JSON data as Python source (`repr` round-trips str, int, float, bool, None, list and dict)."""
    return repr(value)


#: names the exporters' imports may bind (docs/export.md): no variable of the script takes them
IMPORT_NAMES = ("pd", "np", "px", "go", "pio", "sklearn", "datasets", "duckdb", "sqlite3")


class _Names:
    """Python names for the script's variables, constants and imported functions, each used once."""

    def __init__(self) -> None:
        self.taken: set[str] = {"main", "write_outputs", "outputs", "output_dir", "argparse", "json", "Path", "parser",
                                *IMPORT_NAMES}
        self.functions: dict[tuple[str, str], str] = {}

    def _fresh(self, text: str) -> str:
        name = re.sub(r"\W+", "_", text.encode("ascii", "replace").decode()).strip("_").lower() or "node"
        name = f"n_{name}" if name[0].isdigit() or keyword.iskeyword(name) else name
        candidate, number = name, 1
        while candidate in self.taken:
            number += 1
            candidate = f"{name}_{number}"
        self.taken.add(candidate)
        return candidate

    def value(self, node_id: str, port: str, outputs: int) -> str:
        return self._fresh(node_id if outputs == 1 else f"{node_id}_{port}")

    def constant(self, name: str) -> str:
        return self._fresh(name).upper()

    def function(self, module: str, name: str) -> str:
        if (module, name) not in self.functions:
            self.functions[(module, name)] = self._fresh(name) if name not in self.taken else self._fresh(f"{name}_fn")
        return self.functions[(module, name)]


_WRITE_OUTPUTS = '''def write_outputs(outputs: dict, folder: Path) -> None:
    """Write tables as Parquet, metrics as JSON and charts as HTML, named as `dataflow run --output-dir` names them."""
    folder.mkdir(parents=True, exist_ok=True)
    ports = {}
    for node, port, _ in outputs:
        ports[node] = ports.get(node, 0) + 1
    for (node, port, kind), value in outputs.items():
        suffix = {"table": ".parquet", "metrics": ".json", "figure": ".html"}.get(kind)
        if suffix is None:
            continue
        stem = safe_name(node) if ports[node] == 1 else f"{safe_name(node)}.{safe_name(port)}"
        path = folder / f"{stem}{suffix}"
        if kind == "table":
            value.to_parquet(path)
        elif kind == "metrics":
            path.write_text(json.dumps(value, indent=2, default=str))
        else:
            value.write_html(path, include_plotlyjs=True)


def safe_name(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "node"'''


#: what a script with a loop needs: the engine's item listing, splitting and collecting as plain pandas
#: (dataflow_serializers/collect.py and kernel/loops.py do the same for `dataflow run`)
_LOOP_HELPERS = '''def loop_files(folder: str, pattern: str) -> list:
    """The names of the files of `folder` matching `pattern`, in order."""
    base = Path(folder).expanduser()
    return sorted(p.relative_to(base).as_posix() for p in base.glob(pattern) if p.is_file())


def loop_groups(frame, keys: list) -> list:
    """`frame`'s groups by the `keys` columns, each with its key values."""
    groups = []
    for key, part in frame.groupby(keys, sort=True, dropna=False, observed=True):
        values = key if isinstance(key, tuple) else (key,)
        label = {k: v.item() if hasattr(v, "item") else v for k, v in zip(keys, values)}
        groups.append((label, part.reset_index(drop=True)))
    return groups


def collect_table(items: list):
    """The iterations' tables one under the other, each led by the columns naming its item."""
    frames = []
    for label, frame in items:
        missing = {k: v for k, v in label.items() if k not in frame.columns}
        if missing:
            head = pd.DataFrame({k: [v] * len(frame) for k, v in missing.items()}, index=frame.index)
            frame = pd.concat([head, frame], axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def collect_series(items: list):
    return collect_table([(label, s.to_frame(name=s.name if s.name is not None else "value")) for label, s in items])


def collect_metrics(items: list):
    """One row per iteration: the columns naming the item, then its scores."""
    def cell(value):
        return json.dumps(value, default=str) if isinstance(value, (list, tuple, dict)) else value
    return pd.DataFrame([{**label, **{k: cell(v) for k, v in scores.items() if k not in label}}
                         for label, scores in items])'''
