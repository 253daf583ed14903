"""What the buttons do: open, save, run, stop, undo... Each works on the session's state and
queues a notice instead of raising, so a node or plugin error never becomes an exception page."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from . import resources, session, storage
from .analysis import Analysis, analyse, owner
from .document import Document
from .kernel_api import (
    COMPONENT_NAME,
    LOOP,
    DataflowError,
    FilePath,
    NodeInstance,
    NodePlan,
    NodeSpec,
    RunResult,
    SchemaReport,
    Secret,
    Workflow,
    WorkflowError,
    build_report,
    chosen,
    compile_workflow,
    component_folder_list,
    component_spec,
    components_in,
    export_script,
    find_component,
    find_version,
    load_workflow,
    loop_node_spec,
    read_component,
    read_version,
    save_keeping_history,
    workflow_from_dict,
)
from .outputs import is_table
from .ports import LOOP_SPEC
from .runner import RunJob, table_shapes
from .status import NodeView, node_views
from .words import plural

log = logging.getLogger(__name__)


def doc() -> Document:
    return st.session_state.doc


def analysis() -> Analysis:
    """The analysis of the open workflow, recomputed only when it changed: what does not compile,
    and the column problems the schema pass finds in what does (shown at their parameters)."""
    d = doc()

    def compute() -> Analysis:
        result = analyse(_with_identity(d.workflow), resources.registry(), component_dirs=component_folders())
        for problem in schemas(result).problems:
            result.problems.setdefault(owner(problem.node, d.workflow) or problem.node, []).append(problem)
        return result
    return session.memo("analysis", (d.revision, st.session_state.runs.generation), compute)


def schemas(result: Analysis | None = None) -> SchemaReport:
    """Every table's columns in the valid part, from the schema pass (no data read but file headers)."""
    d = doc()
    result = result or analysis()

    def compute() -> SchemaReport:
        if result.graph is None or not result.graph.nodes:
            return SchemaReport()
        try:
            return resources.engine().schemas(result.graph)
        except Exception as exc:  # the pass never takes the page down
            log.warning("schema pass failed: %s", exc)
            return SchemaReport()
    return session.memo("schemas", (d.revision, st.session_state.runs.generation), compute)


def _with_identity(workflow: Workflow) -> Workflow:
    """The workflow as the engine sees it. The engine keys its run history (why a node is stale) by
    file, or by name for a workflow without one; an unsaved workflow is named after this document's
    own id there, so a new "Untitled" never inherits the stale reasons of an earlier one."""
    if workflow.path is not None:
        return workflow
    meta = {**workflow.meta, "name": f"{workflow.meta.get('name') or 'Untitled'} · {st.session_state.autosave_id}"}
    return dataclasses.replace(workflow, meta=meta)


def plans() -> dict[str, NodePlan]:
    """The engine's plan for the valid part, recomputed when the workflow changed or a run ended."""
    d = doc()
    result = analysis()

    def compute() -> dict[str, NodePlan]:
        if result.graph is None or not result.graph.nodes:
            return {}
        try:
            return resources.engine().plan(result.graph)
        except Exception as exc:  # a plan never takes the page down
            log.warning("plan failed: %s", exc)
            return {}
    return session.memo("plans", (d.revision, st.session_state.runs.generation), compute)


def views() -> dict[str, NodeView]:
    """Every node's status, with the run in progress if any."""
    job: RunJob | None = st.session_state.job
    live = job.snapshot().live if job is not None else None
    runs = st.session_state.runs
    return node_views(doc().workflow, analysis(), plans(), runs.results, runs.shapes, live)


# --- running ---------------------------------------------------------------------------

def start_run(targets: list[str] | None = None) -> None:
    """Start a run of the valid part (or of `targets` and their upstream) in the background."""
    if st.session_state.job is not None and not st.session_state.job.finished:
        session.notify("warning", "A run is already in progress.")
        return
    result = analysis()
    if result.graph is None or not result.graph.nodes:
        session.notify("warning", "Nothing can run yet: " + _problems_text(result))
        return
    if targets:
        targets = [t for t in targets if result.runnable(t)]
        if not targets:
            session.notify("warning", "The selected node cannot run until its problems are fixed.")
            return
    elif result.problem_count:
        session.notify("info", f"Running the valid part; {plural(result.problem_count, 'problem')} keep some nodes out.")
    resources.grant(resources.engine(), granted_folders())   # the engine starts with the settings only
    graph = result.graph
    keep = [n for n, node in graph.nodes.items() if any(p.type.name == "table" for p in node.spec.outputs)]
    if targets:
        keep = [n for n in keep if n in graph.ancestors(targets)]
    st.session_state.job = RunJob(resources.engine(), graph, targets, keep).start()


def _problems_text(result: Analysis) -> str:
    problems = [p.message for ps in result.problems.values() for p in ps] + [p.message for p in result.general]
    return problems[0] if problems else "add nodes from the palette."


def stop_run() -> None:
    """Stop the run in progress: it ends within moments (a node computing is abandoned)."""
    job: RunJob | None = st.session_state.job
    if job is not None and not job.finished:
        job.stop()   # the run panel says "Stopping…" until the run has ended (run_view.py)


def finish_run() -> bool:
    """Fold a finished run into the session's memory; True if a run just finished."""
    job: RunJob | None = st.session_state.job
    if job is None or not job.finished:
        return False
    snap = job.snapshot()
    runs = st.session_state.runs
    st.session_state.job = None
    if snap.error:
        session.notify("error", f"The run failed to start: {snap.error}")
    if snap.result is not None:
        result = snap.result
        for node_id, new in result.nodes.items():
            old = runs.results.get(node_id)
            if new.status == "cached" and old is not None and old.key == new.key and old.seconds:
                new.seconds = old.seconds   # keep the time it took when it was computed
            runs.results[node_id] = new
        new_shapes = table_shapes(result, is_table)
        if new_shapes:
            runs.shapes.update(new_shapes)
            storage.save_shapes(runs.shapes)
        result.outputs.clear()
        for line in snap.log:
            node_id = line.split(":", 1)[0]
            runs.log.setdefault(node_id, []).append(line)
            del runs.log[node_id][:-50]
        counts: dict[str, int] = {}
        for r in result.nodes.values():
            counts[r.status] = counts.get(r.status, 0) + 1
        parts = ", ".join(f"{v} {k}" for k, v in counts.items())
        runs.count += 1
        runs.last_summary = f"Run {runs.count} {result.status} in {result.seconds:.2f} s: {parts}"
        if result.status == "cancelled":
            abandoned = [r.id for r in result.nodes.values() if r.error and "while this node was running" in r.error]
            session.notify("info", "Run stopped. " + (
                f"Stopped while computing, not cached, runs again next time: {', '.join(abandoned)}."
                if abandoned else "No node was computing."))
        failed = result.failed
        if failed:
            session.notify("error", f"{plural(len(failed), 'node')} failed: " + "; ".join(
                f"{r.id}: {r.error}" for r in failed[:3]))
    runs.generation += 1
    return True


# --- files -----------------------------------------------------------------------------

def _release_own_autosave() -> None:
    """The open document is being replaced: forget its autosave file. A file that holds unsaved
    work is kept (it is offered back in the next session); only a clean document's is removed."""
    if not doc().dirty:
        storage.clear_autosave(st.session_state.autosave_id)
    st.session_state.autosaved_revision = None


def _discard_own_autosave() -> None:
    """Remove the open document's autosave: its work has just been saved to a file."""
    storage.clear_autosave(st.session_state.autosave_id)
    st.session_state.autosaved_revision = None


REPLACE_LABELS = {"new": "start a new workflow", "open": "open {}", "template": "start from the template {}",
                  "upload": "open {}"}


def replace_document(kind: str, arg: object = None) -> bool:
    """New (`kind` "new"), Open ("open", a path), "Use this template" ("template", a path) or an
    uploaded workflow ("upload", (name, bytes)): done at once when the open workflow has no unsaved
    changes, else remembered in `confirm_replace` for the unsaved-changes prompt (save, discard,
    cancel). True when done now."""
    if doc().dirty:
        st.session_state.confirm_replace = (kind, arg)
        return False
    return _do_replace(kind, arg)


def _do_replace(kind: str, arg: object) -> bool:
    if kind == "new":
        new_workflow()
        return True
    if kind == "open":
        return open_path(Path(arg))
    if kind == "template":
        return use_template(Path(arg))
    if kind == "upload":
        name, data = arg
        return open_upload(name, data)
    raise ValueError(f"unknown replacement {kind!r}")


def replace_label(kind: str, arg: object) -> str:
    """What the pending replacement does, in words ("open mine.json")."""
    what = Path(arg).name if kind in ("open", "template") else (arg[0] if kind == "upload" else "")
    return REPLACE_LABELS[kind].format(what)


def confirm_replace(choice: str, name: str = "") -> None:
    """The unsaved-changes prompt's answer: "save" (to the file, or Save as `name` when it has
    none) then replace; "discard" replaces (the autosave of the dropped work is kept and offered
    in the next session); "cancel" keeps the open workflow."""
    pending, st.session_state.confirm_replace = st.session_state.confirm_replace, None
    if pending is None or choice == "cancel":
        return
    if choice == "save":
        saved = save() if doc().workflow.path is not None else save_as(storage.workspace_dir(), name)
        if not saved:
            st.session_state.confirm_replace = pending    # ask again; the notice says why
            return
    _do_replace(*pending)


def new_workflow() -> None:
    _release_own_autosave()
    session.open_document(Document())


def _load(path: Path) -> Workflow | None:
    """Read a workflow file, or queue why it cannot be opened."""
    try:
        return load_workflow(path)
    except WorkflowError as exc:
        session.notify("error", f"Could not open {path.name}: " + "; ".join(p.message for p in exc.problems))
    except OSError as exc:
        session.notify("error", f"Could not open {path.name}: {exc}")
    return None


def open_path(path: Path) -> bool:
    """Open a workflow file; placeholders keep nodes whose plugin is missing."""
    workflow = _load(path)
    if workflow is None:
        return False
    _open(Document.opened(workflow))
    return True


def use_template(path: Path) -> bool:
    """Start an untitled copy of a template: it has no file (Save needs Save as), so the shipped
    file is never written. Its relative input file paths are made absolute against the template's
    folder, so they still name the sample data shipped next to it (that folder is granted while the
    copy is open, see `granted_folders`); relative output paths stay relative to wherever the copy
    is saved."""
    workflow = _load(path)
    if workflow is None:
        return False
    specs = resources.registry().nodes
    for node in workflow.nodes.values():
        spec = specs.get(node.type)
        for param in spec.params if spec else ():
            value = node.params.get(param.name)
            if isinstance(param.widget, FilePath) and param.widget.mode == "read" and isinstance(value, str) \
                    and value and not Path(value).expanduser().is_absolute():
                node.params[param.name] = str(path.parent.resolve() / value)
        loop = node.extra.get(LOOP)
        if isinstance(loop, dict) and loop.get("over") == "files" and isinstance(loop.get("folder"), str) \
                and loop["folder"] and not Path(loop["folder"]).expanduser().is_absolute():
            loop["folder"] = str(path.parent.resolve() / loop["folder"])  # a loop's folder, as a read path
    workflow.meta["name"] = str(workflow.meta.get("name") or path.stem)
    workflow.path = None
    copy = Document.opened(workflow)
    copy.revision = 1        # unsaved: shown with the unsaved-changes marker and autosaved
    _open(copy)
    st.session_state.template_folder = str(path.parent.resolve())
    session.notify("info", f"Started a copy of the template {path.name}; use Save as to keep it.")
    return True


def _open(document: Document) -> None:
    _release_own_autosave()
    session.open_document(document)
    workflow = document.workflow
    missing = analysis().missing
    if missing:
        session.notify("warning", "Some node types are not installed and are kept as placeholders: " + "; ".join(
            f"{t}: {hint}" for t, hint in missing.items()))
    if workflow.migrations:
        session.notify("info", "The file was upgraded from an older format: " + ", ".join(workflow.migrations))


def open_upload(name: str, data: bytes) -> bool:
    """Open a workflow file the user uploaded (stored in the upload folder first)."""
    problem = storage.check_upload(name, len(data), extensions=(".json",), max_bytes=50 << 20)
    if problem:
        session.notify("error", problem)
        return False
    path = storage.store_upload(name, data, storage.private_dir(storage.app_dir() / "opened"))
    return open_path(path)


def store_data_upload(upload) -> Path | None:
    """Store an uploaded data file (the uploader's file: `name`, `size`, `getvalue()`) in the upload
    folder, which every run may read; or queue why it is refused (checked here, whatever the browser said)."""
    problem = storage.check_upload(upload.name, upload.size)
    if problem:
        session.notify("error", problem)
        return None
    path = storage.store_upload(upload.name, upload.getvalue())
    session.notify("success", f"Uploaded to {path} (granted); pick it in a file parameter or type this path.")
    st.session_state.runs.generation += 1
    return path


def shareable(workflow: Workflow) -> Workflow:
    """A copy of `workflow` without the values of secret parameters (`Secret` widgets): they stay in
    this session only and are never written to a file (the kernel's save writes every parameter)."""
    specs = resources.registry().nodes
    nodes = {}
    for node_id, node in workflow.nodes.items():
        spec = specs.get(node.type)
        secret = {p.name for p in spec.params if isinstance(p.widget, Secret)} if spec else set()
        params = {k: v for k, v in node.params.items() if k not in secret} if secret else node.params
        nodes[node_id] = NodeInstance(node.id, node.type, params, node.position, node.label, node.extra)
    return dataclasses.replace(workflow, nodes=nodes, edges=list(workflow.edges))


def save(path: Path | None = None, done: str | None = None) -> bool:
    """Save the open workflow (to `path`, or where it came from). Atomic; clears the autosave. The
    file it replaces is kept in the workflow's history (`dataflow history`); `done` is the notice."""
    d = doc()
    target = path or d.workflow.path
    if target is None:
        session.notify("warning", "Choose a name with Save as first.")
        return False
    try:
        not_kept = save_keeping_history(shareable(d.workflow), target, resources.registry())
    except (OSError, DataflowError, ValueError) as exc:
        session.notify("error", f"Could not save: {exc}")
        return False
    d.saved_as(Path(target))
    st.session_state.memo.clear()   # the file's folder may have changed (history identity, paths)
    _discard_own_autosave()
    session.notify("success", done or f"Saved {Path(target).name}")
    if not_kept:
        session.notify("warning", f"Saved, but the version it replaced could not be kept in the history: {not_kept}")
    return True


def restore_version(version_id: str) -> None:
    """Bring back a version from the open workflow's history: it replaces the open workflow (one
    undo step: Undo brings back what was open) and is saved, the file it replaces kept as a version."""
    d = doc()
    path = d.workflow.path
    if path is None:
        return
    try:
        version = find_version(path, version_id)
        workflow = read_version(version, path)
    except (WorkflowError, OSError) as exc:
        session.notify("error", f"Could not restore that version: {exc}")
        return
    d.replace_workflow(workflow)
    save(done=f"Restored the version of {version.when()} ({version.short}) and saved it; Undo brings back "
              "what you had")


def save_as(folder: Path, name: str) -> bool:
    """Save under a new file name in `folder` (the workflows folder or a granted data folder)."""
    file_name = storage.safe_filename(name.strip())
    if not file_name.endswith(".json"):
        file_name += ".json"
    if not name.strip():
        session.notify("warning", "Type a file name.")
        return False
    if not doc().workflow.meta.get("name") or doc().workflow.meta.get("name") == "Untitled":
        doc().workflow.meta["name"] = Path(file_name).stem
    return save(folder / file_name)


def autosave() -> None:
    """Keep the open document's autosave file (`autosave/<id>.json` in the app folder) in step:
    written when the document has unsaved changes not yet in it (or the file went missing, e.g.
    another tab restored or discarded it), removed when the document has none."""
    ss = st.session_state
    d = doc()
    if not d.dirty:
        if ss.autosaved_revision is not None:
            storage.clear_autosave(ss.autosave_id)
            ss.autosaved_revision = None
        return
    if ss.autosaved_revision == d.revision and storage.autosave_path(ss.autosave_id).exists():
        return
    try:
        storage.write_autosave(shareable(d.workflow).to_dict(), d.workflow.path, d.name, ss.autosave_id)
        ss.autosaved_revision = d.revision
    except (OSError, ValueError) as exc:
        log.warning("autosave failed: %s", exc)


def _offer(record_id: str | None) -> dict | None:
    return next((r for r in st.session_state.autosave_offers if r.get("id") == record_id), None)


def _drop_offer(record_id: str | None) -> None:
    st.session_state.autosave_offers = [r for r in st.session_state.autosave_offers if r.get("id") != record_id]


def restore_autosave(record_id: str | None) -> None:
    """Open the offered autosave `record_id` (None: the old single file) as an unsaved document.
    It is autosaved under this document's own id first, then its old file is removed, so two tabs
    never share a file and a crash in between leaves one copy or two, never none. The document open
    before keeps its autosave, if it had one (it is offered in the next session)."""
    record = _offer(record_id)
    if record is None:
        return
    try:
        path = Path(record["path"]) if record.get("path") else None
        workflow = workflow_from_dict(record["workflow"], "autosave", path)
    except (WorkflowError, TypeError, KeyError) as exc:
        session.notify("error", f"The autosaved workflow could not be restored: {exc}")
        return
    _drop_offer(record_id)
    restored = Document.opened(workflow)
    restored.revision = 1   # unsaved: it differs from the file
    session.open_document(restored)
    autosave()
    if st.session_state.autosaved_revision is not None:
        storage.clear_autosave(record_id)
    session.notify("success", "Restored your unsaved work.")


def discard_autosave(record_id: str | None) -> None:
    _drop_offer(record_id)
    storage.clear_autosave(record_id)


def specs() -> dict[str, NodeSpec]:
    """Every node type the open workflow may use, by type id: the plugins' nodes, and the components
    found beside it, beside the template it came from, and in the workspace (`component.<name>`)."""
    d = doc()
    nodes = resources.registry().nodes
    folders = (*component_folder_list(d.workflow.folder, component_folders()),)
    stamp = tuple((str(f), f.stat().st_mtime_ns if f.is_dir() else None) for f in folders)
    found = session.memo("component_specs", stamp, lambda: {
        type_id: component_spec(c) for type_id, c in components_in(folders).items()})
    loops = [node for node in d.workflow.nodes.values() if LOOP in node.extra]
    if loops:  # each loop node's own spec: its collected outputs (`ports.spec_of` finds it)
        key = (stamp, tuple((n.id, n.type, json.dumps(n.extra[LOOP], sort_keys=True, default=str)) for n in loops))
        found = {**found, **session.memo("loop_specs", key, lambda: _loop_specs(loops, d.workflow, folders))}
    return {**nodes, **found} if found else nodes


def _loop_specs(loops: list[NodeInstance], workflow: Workflow, folders: tuple[Path, ...]) -> dict[str, NodeSpec]:
    made = {}
    for node in loops:
        built = loop_node_spec(node, resources.registry(), workflow, folders, [], compile_workflow)
        if built is not None:
            made[f"{LOOP_SPEC}{node.id}"] = built[0]
    return made


def report_maker() -> Callable[[], bytes]:
    """What builds the open workflow's one-file report when its download is clicked, as `dataflow
    report` writes it: the last run's statuses and the cached outputs of the nodes the report shows
    (those not cached are left out). Streamlit calls it outside the page's session, so it holds
    what it needs from the session now."""
    graph, engine = analysis().graph, resources.engine()
    results = dict(st.session_state.runs.results)

    def make() -> bytes:
        if graph is None:
            return b""
        outputs = {}
        for node_id in chosen(graph):
            try:
                entry = engine.load_outputs(graph, node_id)
            except Exception:  # an unreadable entry: the report leaves the node out, as one not run
                entry = None
            if entry is not None:
                outputs[node_id] = entry.outputs
        nodes = {n: results[n] for n in graph.order if n in results}
        status = "failed" if any(r.status == "failed" for r in nodes.values()) else "ok"
        seconds = sum(r.seconds or 0.0 for r in nodes.values())
        return build_report(graph, RunResult("app", status, seconds, nodes, outputs)).encode("utf-8")
    return make


def script_maker() -> Callable[[], bytes]:
    """What writes the open workflow as a plain Python script when its download is clicked, as
    `dataflow export` writes it (Streamlit calls it outside the page's session)."""
    graph, registry = analysis().graph, resources.registry()
    return lambda: export_script(graph, registry).encode("utf-8") if graph is not None else b""


def selected_nodes() -> list[str]:
    """The nodes selected on the canvas (Ctrl+click selects several), else the one selected."""
    d = doc()
    several = [n.get("id") for n in st.session_state.sync.shown_nodes
               if n.get("selected") and n.get("id") in d.workflow.nodes]
    return several if len(several) > 1 else ([d.selected] if d.selected in d.workflow.nodes else [])


def make_component(name: str) -> bool:
    """Turn the selected nodes into a component saved as `components/<name>.json` in the workspace
    (one undo step; the file stays if the step is undone)."""
    name = name.strip()
    nodes = selected_nodes()
    if not COMPONENT_NAME.fullmatch(name):
        session.notify("warning", "Name the component with letters, digits, _ or - (e.g. clean_orders).")
        return False
    target = storage.workspace_dir() / "components" / f"{name}.json"
    if target.exists():
        session.notify("warning", f"A component named {name} exists already ({target}); choose another name.")
        return False
    if not nodes:
        session.notify("warning", "Select the nodes to put in the component first (Ctrl+click selects several).")
        return False
    document = doc().make_component(nodes, name, specs())
    try:
        save_keeping_history(workflow_from_dict(document, str(target), target), target)
    except (OSError, WorkflowError) as exc:
        doc().undo()
        session.notify("error", f"Could not save the component to {target}: {exc}")
        return False
    session.notify("success", f"Made component {name} of {len(nodes)} nodes ({target}); Undo takes it back.")
    return True


def find_component_file(node_id: str) -> Path | None:
    """The file of a component node's component, found where compiling finds it."""
    d = doc()
    node = d.workflow.nodes.get(node_id)
    if node is None or not node.type.startswith("component."):
        return None
    return find_component(node.type.removeprefix("component."), component_folder_list(d.workflow.folder,
                                                                                     component_folders()))


def expand_component(node_id: str) -> bool:
    """Replace a component node by the nodes inside it (one level), in one undo step."""
    path = find_component_file(node_id)
    if path is None:
        session.notify("warning", f"The component of node {node_id} was not found; it cannot be expanded.")
        return False
    try:
        component = read_component(path.stem, path)
    except ValueError as exc:
        session.notify("error", f"Cannot expand {node_id}: {exc}")
        return False
    added = doc().expand_component(node_id, component.workflow, component.inputs, component.outputs)
    session.notify("success", f"Expanded {node_id} into {len(added)} nodes; Undo takes it back.")
    return True


def component_folders() -> tuple[Path, ...]:
    """Where the open workflow's components are found besides its own folder's `components`: the
    template's (for an unsaved copy of one), the workspace's, then those the installed packs ship."""
    template = st.session_state.get("template_folder")
    return (*([Path(template) / "components"] if template else []), storage.workspace_dir() / "components",
            *resources.registry().components.values())


def granted_folders() -> list[str]:
    """The folders the engine may read and write besides the upload folder and the workflow's own:
    the settings' data folders, and while a copy of a template is open, the template's folder
    (the copy has no folder of its own and reads the sample data shipped next to the template)."""
    template = st.session_state.get("template_folder")
    return [*st.session_state.settings["data_dirs"], *([template] if template else [])]


def apply_settings() -> None:
    resources.grant(resources.engine(), granted_folders())
    st.session_state.runs.generation += 1
