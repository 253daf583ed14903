"""The app's own files, all in its private folder (`<cache dir>/app`, mode 0700):

- `settings.json`: the granted data folders the user added;
- `autosave/<id>.json`: each open workflow with unsaved changes, rewritten after every change, so a
  closed tab or a crash loses nothing (one file per open document, keyed by an id the session gives
  the document when it is created or opened; at most `MAX_AUTOSAVES` are kept, the oldest dropped);
- `autosave.json`: the single autosave of earlier versions, still offered until restored or discarded;
- `uploads/`: data files the user uploaded (granted automatically), checked on the server.

Example workflows and templates come from `workflows/` (or `DATAFLOW_WORKFLOWS_DIR`); the user's own
workflows are saved in the workspace (`DATAFLOW_WORKSPACE`, default `~/DataFlow`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

from .kernel_api import cache_dir, private_dir, sweep, temp_sibling

ROOT = Path(__file__).resolve().parents[1]
UPLOAD_EXTENSIONS = (".csv", ".tsv", ".txt", ".json", ".parquet", ".feather", ".arrow", ".xlsx", ".xls")
MAX_UPLOAD_BYTES = 200 << 20


def app_dir() -> Path:
    """The app's private folder."""
    return private_dir(cache_dir() / "app")


def uploads_dir() -> Path:
    return private_dir(app_dir() / "uploads")


def workflows_dir() -> Path:
    """Where templates and example workflows live: opened as untitled copies, never written."""
    configured = os.environ.get("DATAFLOW_WORKFLOWS_DIR")
    return Path(configured).expanduser().resolve() if configured else ROOT / "workflows"


def workspace_dir() -> Path:
    """Where the user's own workflows (and their `components`) are saved and opened from:
    `DATAFLOW_WORKSPACE`, else the templates' folder when `DATAFLOW_WORKFLOWS_DIR` names one of the
    user's own, else `~/DataFlow`; never the project's own `workflows/`."""
    configured = os.environ.get("DATAFLOW_WORKSPACE") or os.environ.get("DATAFLOW_WORKFLOWS_DIR")
    return Path(configured).expanduser().resolve() if configured else Path.home() / "DataFlow"


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` so that a crash leaves the old file or the new one, never half of one. The
    temporary file carries this process's id (`temp_sibling`): the next write of `path`, or
    `sweep_leftovers` when a session starts, removes it if this process is killed mid-write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_sibling(path)
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def sweep_leftovers(folder: Path) -> None:
    """Remove the temporary files in `folder` of writers that were killed (see `write_atomic`),
    whatever file they were writing: an autosave's file is never written again after its tab is gone."""
    with contextlib.suppress(OSError):
        for leftover in folder.glob(".*.tmp"):
            target = leftover.name[1:].rsplit(".", 2)[0]   # ".<target>.<pid>-<random>.tmp"
            sweep(folder / target)


# --- settings ------------------------------------------------------------------------------

def load_settings() -> dict[str, Any]:
    """The settings; defaults when the file is missing or unreadable."""
    path = app_dir() / "settings.json"
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    dirs = data.get("data_dirs")
    executor, scheduler = data.get("executor"), data.get("scheduler")
    return {"data_dirs": [str(d) for d in dirs if isinstance(d, str)] if isinstance(dirs, list) else [],
            # where nodes run (a registered executor's id) and, for `dask`, the scheduler ("": a local cluster)
            "executor": executor if isinstance(executor, str) and executor else "threads",
            "scheduler": scheduler if isinstance(scheduler, str) else ""}


def save_settings(settings: dict[str, Any]) -> None:
    write_atomic(app_dir() / "settings.json", json.dumps(settings, indent=2).encode("utf-8"))


def add_data_dir(settings: dict[str, Any], folder: str) -> str | None:
    """Grant a folder; returns an error message, or None on success. The folder must exist."""
    path = Path(folder).expanduser()
    if not folder.strip() or not path.is_absolute():
        return "give an absolute folder path, such as /home/me/data"
    resolved = path.resolve()
    if not resolved.is_dir():
        return f"{resolved} is not an existing folder"
    private = cache_dir().resolve()
    if resolved.is_relative_to(private):  # the engine refuses it anyway: say so here
        return f"{resolved} is inside DataFlow's private folder ({private}), which no grant may include"
    if str(resolved) in settings["data_dirs"]:
        return f"{resolved} is already granted"
    settings["data_dirs"].append(str(resolved))
    save_settings(settings)
    return None


def remove_data_dir(settings: dict[str, Any], folder: str) -> None:
    settings["data_dirs"] = [d for d in settings["data_dirs"] if d != folder]
    save_settings(settings)


# --- autosave ------------------------------------------------------------------------------

AUTOSAVE_ID = re.compile(r"[0-9a-f]{32}")
MAX_AUTOSAVES = 20


def new_autosave_id() -> str:
    """A fresh identity for an open document: two tabs, even on the same file, never share one."""
    return uuid.uuid4().hex


def autosave_path(doc_id: str | None = None) -> Path:
    """The autosave file of the document `doc_id`; None names the previous versions' single file."""
    if doc_id is None:
        return app_dir() / "autosave.json"
    if not AUTOSAVE_ID.fullmatch(doc_id):
        raise ValueError(f"not an autosave id: {doc_id!r}")
    return app_dir() / "autosave" / f"{doc_id}.json"


def write_autosave(workflow: dict[str, Any], path: Path | None, name: str, doc_id: str | None = None) -> None:
    """Remember an open workflow (and the file it belongs to) until it is saved or discarded.
    Atomic; then drops the oldest autosaves beyond `MAX_AUTOSAVES`."""
    record = {"id": doc_id, "saved_at": time.time(), "path": str(path) if path else None, "name": name,
              "workflow": workflow}
    target = autosave_path(doc_id)
    if doc_id is not None:
        private_dir(target.parent)
    write_atomic(target, json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    if doc_id is not None:
        _prune_autosaves()


def _read_record(file: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(file.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("workflow"), dict) else None


def read_autosave(doc_id: str | None = None) -> dict[str, Any] | None:
    """The autosaved record of `doc_id` (None: the old single file), or None when there is none
    (or it is unreadable)."""
    return _read_record(autosave_path(doc_id))


def clear_autosave(doc_id: str | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        autosave_path(doc_id).unlink()


def _autosave_files() -> list[Path]:
    """The per-document autosave files, newest first (by modification time)."""
    folder = app_dir() / "autosave"
    stamped = []
    for file in folder.glob("*.json") if folder.is_dir() else ():
        if AUTOSAVE_ID.fullmatch(file.stem):
            with contextlib.suppress(OSError):
                stamped.append((file.stat().st_mtime, file))
    return [file for _, file in sorted(stamped, reverse=True)]


def _prune_autosaves() -> None:
    for file in _autosave_files()[MAX_AUTOSAVES:]:
        with contextlib.suppress(OSError):
            file.unlink()


def list_autosaves(exclude: str | None = None) -> list[dict[str, Any]]:
    """Every readable autosave but `exclude`'s, most recent first, each with its `id` (None for the
    old single file): the unsaved work a new session offers back. Killed writes' leftovers go first."""
    sweep_leftovers(app_dir())
    sweep_leftovers(app_dir() / "autosave")
    found = [(f.stem, _read_record(f)) for f in _autosave_files() if f.stem != exclude]
    found.append((None, read_autosave()))
    records = [{**record, "id": doc_id} for doc_id, record in found if record is not None]
    return sorted(records, key=lambda r: r.get("saved_at") if isinstance(r.get("saved_at"), (int, float)) else 0,
                  reverse=True)


# --- table shapes ------------------------------------------------------------------------

MAX_SHAPES = 5000


def load_shapes() -> dict[str, tuple[int, int]]:
    """(rows, columns) of table outputs by cache key, remembered across sessions."""
    try:
        data = json.loads((app_dir() / "shapes.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: (int(v[0]), int(v[1])) for k, v in data.items()
            if isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v)}


def save_shapes(shapes: dict[str, tuple[int, int]]) -> None:
    """Keep the most recent MAX_SHAPES shapes (dicts keep insertion order)."""
    recent = dict(list(shapes.items())[-MAX_SHAPES:])
    with contextlib.suppress(OSError):
        write_atomic(app_dir() / "shapes.json", json.dumps({k: list(v) for k, v in recent.items()}).encode())


# --- uploads -------------------------------------------------------------------------------

def safe_filename(name: str) -> str:
    """A plain file name: no folders, only letters, digits, dot, dash and underscore."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return cleaned[:120]


def check_upload(name: str, size: int, extensions: tuple[str, ...] = UPLOAD_EXTENSIONS,
                 max_bytes: int = MAX_UPLOAD_BYTES) -> str | None:
    """Why an upload is refused (checked on the server, whatever the browser said), or None."""
    suffix = Path(name).suffix.lower()
    if suffix not in extensions:
        return f"'{name}': files of type '{suffix or 'none'}' are not accepted; allowed: {', '.join(extensions)}"
    if size > max_bytes:
        return f"'{name}' is {size / 2**20:.1f} MB; the limit is {max_bytes >> 20} MB"
    if size == 0:
        return f"'{name}' is empty"
    return None


def store_upload(name: str, data: bytes, folder: Path | None = None) -> Path:
    """Save an accepted upload in the upload folder; an existing name gets a numbered suffix."""
    folder = folder or uploads_dir()
    target = folder / safe_filename(name)
    stem, suffix, n = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem}_{n}{suffix}"
        n += 1
    write_atomic(target, data)
    return target


def list_workflows(folder: Path | None = None) -> list[Path]:
    """The workflow files (`*.json`) in `folder` (the templates' folder when None), by name."""
    folder = folder or workflows_dir()
    try:
        return sorted(p for p in folder.glob("*.json") if p.is_file())
    except OSError:
        return []


def describe_workflow(path: Path) -> dict[str, Any]:
    """Name, description, node count and node types of a workflow file for the templates gallery
    and the palette's ranking (never raises)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        meta = data.get("meta") or {}
        nodes = data.get("nodes") or []
        return {"name": str(meta.get("name") or path.stem), "description": str(meta.get("description") or ""),
                "nodes": len(nodes), "types": sorted({str(n.get("type")) for n in nodes if isinstance(n, dict)})}
    except (OSError, ValueError, AttributeError):
        return {"name": path.stem, "description": "(unreadable)", "nodes": 0, "types": []}
