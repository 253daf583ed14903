"""`dataflow history`, `dataflow diff` and `dataflow restore`: a workflow file's kept versions
(`versions.py`), what changed between two of them (`workflow_diff.py`), and bringing one back."""

from __future__ import annotations

import argparse
from pathlib import Path

from dataflow.kernel import Problem, Workflow, WorkflowError, load_workflow

from . import EXIT_INVALID, EXIT_OK
from .commands import CURRENT
from .terminal import echo, echo_stderr, print_json
from .versions import (
    Version,
    find_version,
    history_dir,
    list_versions,
    no_history,
    read_version,
    restore,
    snapshot,
)
from .workflow_diff import diff_workflows, plural


def _fail(exc: WorkflowError, as_json: bool) -> int:
    if as_json:
        print_json({"ok": False, "problems": [p.to_dict() for p in exc.problems]})
    else:
        echo_stderr(f"error: {exc}")
    return EXIT_INVALID


def cmd_history(args: argparse.Namespace) -> int:
    """List the versions, newest first, each with what it changed from the one before; exit 2 when
    there are none or one is damaged (the others are still listed)."""
    try:
        versions = list_versions(args.workflow)
        if not versions:
            raise no_history(args.workflow)
    except WorkflowError as exc:
        return _fail(exc, args.json)
    loaded: list[Workflow | WorkflowError] = []
    for version in versions:
        try:
            loaded.append(read_version(version, args.workflow))
        except WorkflowError as exc:
            loaded.append(exc)
    current = snapshot(args.workflow)
    rows = []
    for n, (version, workflow) in enumerate(zip(versions, loaded, strict=True)):
        before = loaded[n + 1] if n + 1 < len(loaded) else None
        if isinstance(workflow, WorkflowError):
            summary, damaged = "damaged", str(workflow.problems[0])
        elif isinstance(before, Workflow):
            summary, damaged = diff_workflows(before, workflow).summary(), None
        elif before is None:
            summary = f"oldest kept: {plural(len(workflow.nodes), 'node')}, {plural(len(workflow.edges), 'edge')}"
            damaged = None
        else:
            summary, damaged = "(the version before it is damaged)", None
        rows.append({"id": version.id, "short": version.short, "time": version.iso(), "summary": summary,
                     "current": current is not None and current.id == version.id, "damaged": damaged,
                     "file": str(version.path)})
    pending = _pending(args.workflow, loaded[0])
    bad = [r for r in rows if r["damaged"]]
    if args.json:
        print_json({"workflow": str(Path(args.workflow).resolve()), "folder": str(history_dir(args.workflow)),
                    "unsaved_since_latest": pending, "versions": rows})
    else:
        echo(f"History of {args.workflow}: {plural(len(rows), 'version')}, newest first "
             f"(kept in {history_dir(args.workflow)})")
        if pending is not None:
            echo(f"  {'(current file)':19}  {'':8}  {pending} since the latest version")
        for row, version in zip(rows, versions, strict=True):
            mark = "  = current file" if row["current"] else ""
            echo(f"  {version.when()}  {row['short']}  {row['summary']}{mark}")
    for row in bad:
        echo_stderr(f"error: {row['damaged']}")
    return EXIT_INVALID if bad else EXIT_OK


def _pending(path: str, latest: Workflow | WorkflowError) -> str | None:
    """What the current file changed since the latest version (None: no file, or nothing to compare)."""
    if isinstance(latest, WorkflowError) or snapshot(path) is None:
        return None
    return diff_workflows(latest, load_workflow(path)).summary()


def _side(path: str, ref: str, versions: list[Version]) -> tuple[str, Workflow]:
    """(a name for it, the workflow) of `ref`: `current` is the file, anything else a version."""
    if ref == CURRENT:
        return "current file", load_workflow(path)
    if not versions:
        raise no_history(path)
    version = find_version(path, ref, versions)
    return f"version {version.short} ({version.when()})", read_version(version, path)


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed from version A to version B; exit 2 when one cannot be read."""
    try:
        versions = list_versions(args.workflow)
        old_name, old = _side(args.workflow, args.old, versions)
        new_name, new = _side(args.workflow, args.new, versions)
    except WorkflowError as exc:
        return _fail(exc, args.json)
    diff = diff_workflows(old, new)
    if args.json:
        print_json({"old": old_name, "new": new_name, **diff.to_dict()})
        return EXIT_OK
    echo(f"{args.workflow}: {old_name} -> {new_name}: {diff.summary()}")
    for line in diff.lines():
        echo(f"  {line}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Write version VERSION over the workflow file, keeping the file as it was as a version first."""
    try:
        version, kept = restore(args.workflow, args.ref)
    except WorkflowError as exc:
        return _fail(exc, args.json)
    except OSError as exc:
        return _fail(WorkflowError([Problem("write", f"could not restore: {exc}")], args.workflow), args.json)
    if args.json:
        print_json({"ok": True, "restored": version.id, "time": version.iso(), "kept": kept.id if kept else None})
        return EXIT_OK
    echo(f"{args.workflow}: restored version {version.short} ({version.when()})")
    if kept is not None:
        echo(f"  the file as it was is kept as version {kept.short}; `dataflow restore {args.workflow} {kept.short}` "
             "brings it back")
    return EXIT_OK
