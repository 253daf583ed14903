"""The workflow file: a JSON document of nodes, edges and meta. Parsed strictly, saved atomically.

    {"version": "0.1.0",
     "nodes": [{"id": "load", "type": "samples.dataset", "params": {"name": "iris"},
                "position": {"x": 0, "y": 0}, "label": "Iris"}],
     "edges": [{"source": "load", "source_port": "table", "target": "split", "target_port": "table"}],
     "meta": {"name": "Iris", "description": "...", "node_types": {"samples.dataset":
              {"plugin": "samples", "distribution": "dataflow-samples", "version": "0.1.0"}}}}

A port name may be left out (null or absent) where exactly one port fits. Parsing refuses what
Python's `json` would quietly accept: NaN and Infinity, numbers that overflow, duplicate keys,
nesting deeper than `MAX_DEPTH`, files over `MAX_BYTES`. A workflow never holds code or pickles.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, WorkflowError
from .migrations import CURRENT_VERSION, migrate
from .tempfiles import temp_sibling

MAX_BYTES = 50 << 20
MAX_DEPTH = 64
FREE_FORM_DEPTH = MAX_DEPTH - 4  # parameters sit 4 levels down: document, nodes, node, params


@dataclass
class NodeInstance:
    """A node placed in a workflow. `params` holds only what the file says (defaults are not filled in)."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    position: dict[str, float] | None = None
    label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "params": self.params}
        if self.position is not None:
            data["position"] = self.position
        if self.label is not None:
            data["label"] = self.label
        return {**data, **self.extra}


@dataclass
class Edge:
    """A connection from an output port to an input port; a port may be None (inferred)."""

    source: str
    target: str
    source_port: str | None = None
    target_port: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "source_port": self.source_port,
                "target": self.target, "target_port": self.target_port}

    def describe(self) -> str:
        return f"{self.source}.{self.source_port or '?'} -> {self.target}.{self.target_port or '?'}"


@dataclass
class Workflow:
    """A workflow in memory. `path` is where it was read from, used to resolve relative file paths."""

    nodes: dict[str, NodeInstance] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    version: str = CURRENT_VERSION
    path: Path | None = None
    migrations: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "nodes": [n.to_dict() for n in self.nodes.values()],
                "edges": [e.to_dict() for e in self.edges], "meta": self.meta}


# --- parsing ------------------------------------------------------------------------------

def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"the key {twice!r} appears twice in one object")
    return result


def _depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when no container nests deeper than `limit` (walked level by level, containers only)."""
    containers = (dict, list)
    level = [value] if type(value) in containers else []
    for _ in range(limit):
        if not level:
            return True
        below = []
        for item in level:
            values = item.values() if type(item) is dict else item
            below.extend(v for v in values if type(v) in containers)
        level = below
    return not level


def parse_json_strict(text: str | bytes, source: str = "workflow", *, check_depth: bool = True) -> Any:
    """Parse JSON the strict way; raise WorkflowError with line and column on any problem.

    `check_depth=False` leaves the nesting limit to the caller (a workflow checks only its
    free-form parts: parameters, meta and extra keys; its own structure is shallow by shape)."""
    if len(text) > MAX_BYTES:
        raise WorkflowError([Problem("too_large", f"{source} is larger than {MAX_BYTES >> 20} MB")], source)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WorkflowError([Problem("encoding", f"{source} is not UTF-8 text (byte {exc.start})")],
                                source) from None
    try:
        data = json.loads(text, parse_constant=_no_constants, parse_float=_finite_float,
                          object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise WorkflowError([Problem("json", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")],
                            source) from None
    except ValueError as exc:
        raise WorkflowError([Problem("json", f"invalid JSON: {exc}")], source) from None
    except RecursionError:
        raise WorkflowError([Problem("json", "the JSON is nested too deeply")], source) from None
    if check_depth and not _depth_ok(data):
        raise WorkflowError([Problem("json", f"the JSON is nested deeper than {MAX_DEPTH} levels")], source)
    if _SURROGATE_ESCAPE.search(text):  # only an escape can put a lone surrogate into the data
        where = _lone_surrogate(data)
        if where is not None:
            raise WorkflowError([Problem("encoding", f"the text at {where} holds a lone surrogate escape "
                                         "(\\ud800-\\udfff without its pair), which is not valid Unicode; "
                                         "remove it")], source)
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(data: Any) -> str | None:
    """Where in `data` a key or text holds a lone surrogate (`nodes[2].label`), or None."""
    stack: list[tuple[Any, str]] = [(data, "the top level")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    return f"a key of {where}"
                stack.append((item, key if where == "the top level" else f"{where}.{key}"))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def workflow_from_dict(data: Any, source: str = "workflow", path: Path | None = None) -> Workflow:
    """Check the document's shape and build a Workflow; every shape problem is reported together."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise WorkflowError([Problem("schema", "the top level must be a JSON object")], source)
    if not isinstance(data.get("version"), str):
        problems.append(Problem("schema", "'version' must be a string such as \"0.1.0\""))
        raise WorkflowError(problems, source)
    try:
        data, applied = migrate(dict(data))
    except ValueError as exc:
        raise WorkflowError([Problem("version", str(exc))], source) from None
    raw_nodes, raw_edges, meta = data.get("nodes"), data.get("edges", []), data.get("meta", {})
    unknown = sorted(set(data) - {"version", "nodes", "edges", "meta"})
    if unknown:
        problems.append(Problem("schema", f"unknown top-level keys: {', '.join(unknown)}"))
    if not isinstance(raw_nodes, list):
        problems.append(Problem("schema", "'nodes' must be a list"))
        raw_nodes = []
    if not isinstance(raw_edges, list):
        problems.append(Problem("schema", "'edges' must be a list"))
        raw_edges = []
    if not isinstance(meta, dict):
        problems.append(Problem("schema", "'meta' must be an object"))
        meta = {}

    if not _depth_ok(meta, FREE_FORM_DEPTH):
        problems.append(Problem("json", f"'meta' is nested deeper than {FREE_FORM_DEPTH} levels"))
        meta = {}
    workflow = Workflow(meta=meta, version=data["version"], path=path, migrations=applied)
    for index, raw in enumerate(raw_nodes):
        node = _node_from(raw, index, problems)
        if node is None:
            continue
        if node.id in workflow.nodes:
            problems.append(Problem("duplicate_id", f"node id '{node.id}' is used twice", node=node.id))
            continue
        workflow.nodes[node.id] = node
    for index, raw in enumerate(raw_edges):
        edge = _edge_from(raw, index, problems)
        if edge is not None:
            workflow.edges.append(edge)
    if problems:
        raise WorkflowError(problems, source)
    return workflow


_NODE_KEYS = frozenset({"id", "type", "params", "position", "label"})


def _node_from(raw: Any, index: int, problems: list[Problem]) -> NodeInstance | None:
    if not isinstance(raw, dict):
        problems.append(Problem("schema", f"node #{index + 1} must be an object"))
        return None
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not node_id.strip() or len(node_id) > 200:
        problems.append(Problem("schema", f"node #{index + 1} needs an 'id': a non-empty string of at most 200 "
                                          "characters"))
        return None
    where = f"node '{node_id}'"
    ok = True
    if not isinstance(raw.get("type"), str) or not raw["type"]:
        problems.append(Problem("schema", f"{where} needs a 'type' string such as \"transform.filter\"", node=node_id))
        ok = False
    params = raw.get("params", {})
    if not isinstance(params, dict):
        problems.append(Problem("schema", f"{where}: 'params' must be an object", node=node_id))
        ok = False
    position = raw.get("position")
    if position is not None and not (isinstance(position, dict) and _is_number(position.get("x"))
                                     and _is_number(position.get("y"))):
        problems.append(Problem("schema", f"{where}: 'position' must be {{\"x\": number, \"y\": number}}",
                                node=node_id))
        ok = False
    label = raw.get("label")
    if label is not None and not isinstance(label, str):
        problems.append(Problem("schema", f"{where}: 'label' must be a string", node=node_id))
        ok = False
    if not ok:
        return None
    extra = {} if raw.keys() <= _NODE_KEYS else {k: v for k, v in raw.items() if k not in _NODE_KEYS}
    if not _depth_ok(params, FREE_FORM_DEPTH) or (extra and not _depth_ok(extra, FREE_FORM_DEPTH)):
        problems.append(Problem("json", f"{where}: its parameters are nested deeper than {FREE_FORM_DEPTH} levels",
                                node=node_id))
        return None
    return NodeInstance(node_id, raw["type"], params, position, label, extra)


def _edge_from(raw: Any, index: int, problems: list[Problem]) -> Edge | None:
    if not isinstance(raw, dict):
        problems.append(Problem("schema", f"edge #{index + 1} must be an object", edge=index))
        return None
    source, target = raw.get("source"), raw.get("target")
    source_port, target_port = raw.get("source_port"), raw.get("target_port")
    if (isinstance(source, str) and source and isinstance(target, str) and target
            and (source_port is None or isinstance(source_port, str))
            and (target_port is None or isinstance(target_port, str))):
        return Edge(source, target, source_port or None, target_port or None)
    bad = [k for k in ("source", "target") if not isinstance(raw.get(k), str) or not raw.get(k)]
    bad += [k for k in ("source_port", "target_port") if raw.get(k) is not None and not isinstance(raw[k], str)]
    problems.append(Problem("schema", f"edge #{index + 1}: {', '.join(bad)} must be strings", edge=index))
    return None


def load_workflow(path: str | os.PathLike) -> Workflow:
    """Read and shape-check a workflow file (run `compile_workflow` to check it against plugins).

    Only a regular file is read, and at most `MAX_BYTES` of it: a FIFO (which would wait forever
    for a writer), a device such as `/dev/zero` (endless) or a link to one is refused without
    reading, as `WorkflowError`s that name the path."""
    path = Path(path)
    source = str(path)

    def invalid(code: str, message: str) -> WorkflowError:
        return WorkflowError([Problem(code, message)], source)

    try:
        # non-blocking: opening a FIFO for reading would otherwise wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise invalid("not_found", f"workflow file not found: {source}") from None
    except IsADirectoryError:
        raise invalid("not_found", f"{source} is a folder, not a workflow file") from None
    except PermissionError:
        raise invalid("not_found", f"no permission to read {source}") from None
    except (OSError, ValueError) as exc:  # a symlink loop, a name too long, a NUL byte
        raise invalid("not_found", f"cannot open {source}: {getattr(exc, 'strerror', None) or exc}") from None
    info = os.fstat(fd)
    mode = info.st_mode
    if stat.S_ISREG(mode) and info.st_size > MAX_BYTES:
        os.close(fd)
        raise invalid("too_large", f"{source} is {info.st_size >> 20} MB; the limit is {MAX_BYTES >> 20} MB")
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise invalid("not_found", f"{source} is a folder, not a workflow file")
        raise invalid("not_a_file", f"{source} is {_special_kind(mode)}, not a workflow file; "
                                    "give the path of a .json file")
    with os.fdopen(fd, "rb") as handle:
        try:
            text = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise invalid("not_found", f"cannot read {source}: {exc.strerror or exc}") from None
    if len(text) > MAX_BYTES:
        raise invalid("too_large", f"{source} grew beyond {MAX_BYTES >> 20} MB while being read")
    return workflow_from_dict(parse_json_strict(text, source, check_depth=False), source, path.resolve())


def _special_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def save_workflow(workflow: Workflow, path: str | os.PathLike, registry: Any = None) -> Path:
    """Write the workflow atomically (a temp file renamed over the target), recording in `meta`
    which plugin, distribution and version provide each node type when `registry` is given.
    With a registry, values of `Secret` parameters are left out of the file."""
    path = Path(path)
    if registry is not None:
        known = dict(workflow.meta.get("node_types") or {})
        for node in workflow.nodes.values():
            provenance = registry.provenance(node.type)
            if provenance is not None:
                known[node.type] = provenance
        workflow.meta["node_types"] = {t: known[t] for t in sorted(known)
                                       if any(n.type == t for n in workflow.nodes.values())}
    data = workflow.to_dict()
    if registry is not None:
        _drop_secrets(data, registry)
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write(path, text.encode("utf-8"))
    workflow.path = path.resolve()
    return path


def _drop_secrets(data: dict[str, Any], registry: Any) -> None:
    """Remove the values of `Secret` parameters from a workflow about to be written: a file is
    shared, a password is not (the in-memory workflow keeps them for the session)."""
    from .spec import Secret

    for node in data.get("nodes", []):
        spec = registry.nodes.get(node.get("type"))
        if spec is None:
            continue
        secrets = {p.name for p in spec.params if isinstance(p.widget, Secret)}
        if secrets and node.get("params"):
            node["params"] = {k: v for k, v in node["params"].items() if k not in secrets}


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, briefly, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write(path: Path, data: bytes, *, durable: bool = True, mode: int | None = None) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the new one, never half.

    `durable=False` skips the fsync, for files that are only a convenience (run history). The file
    keeps the mode of the file it replaces; a new one gets `mode`, else what the umask allows
    (0644 usually: workflow files are meant to be shared), not the temporary file's 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
    temp = temp_sibling(path)  # a killed writer's leftover goes at the next save
    try:
        os.chmod(temp, mode)
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
