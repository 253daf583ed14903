"""Version history of a workflow file: every save keeps the version it replaces.

Where (one folder per workflow file, beside it):

    work/
      sales.json
      .dataflow-history/
        sales.json/
          20261207T165211.402113Z-3f9a1c2b7d4e5f60a1b2c3d4e5f60718.json
          20261207T170502.000000Z-a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5.json

A version is one file named `<UTC time it was saved>-<id>.json`. The id is the first 32 hex
digits of the blake2b hash of the file's bytes (content-addressed): keeping a version that is
already there only renames it to the newer time, and a save that changes nothing keeps nothing.
The bytes are the workflow as DataFlow writes a file (2-space JSON), so a restored version is
byte for byte what was saved. At most `keep_limit()` versions are kept (`DEFAULT_KEEP`, or the
`DATAFLOW_HISTORY_KEEP` environment variable); the oldest go first.

A workflow inside DataFlow's own source tree (the shipped templates' folder) keeps its history
in the private folder instead (`<cache dir>/history/<hash of the path>-<name>/`): nothing is
ever written into the project. The history folders are never followed through a symbolic link,
and a version file that is a link, is not valid strict JSON or not a workflow, or whose bytes
do not match its id (truncated, edited) is reported as damaged (`WorkflowError`), never read on.

Only files that are valid workflows are kept: a hand-broken file that a save replaces is not
history. `save_keeping_history` is the save that keeps one (the app's Save); the kernel's
`save_workflow` knows nothing of it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from dataflow.kernel import (
    Problem,
    Workflow,
    WorkflowError,
    cache_dir,
    private_dir,
    save_workflow,
    workflow_from_dict,
)
from dataflow.kernel.files import atomic_write, parse_json_strict, read_regular_file
from dataflow.kernel.tempfiles import sweep

FOLDER = ".dataflow-history"
DEFAULT_KEEP = 100
KEEP_ENV = "DATAFLOW_HISTORY_KEEP"
SOURCE_TREE = Path(__file__).resolve().parents[1]
_NAME = re.compile(r"(\d{8}T\d{6}\.\d{6}Z)-([0-9a-f]{32})\.json")
_STAMP = "%Y%m%dT%H%M%S.%fZ"
MIN_PREFIX = 4


@dataclass(frozen=True)
class Version:
    """One kept version: its id (hash of its bytes), when it was saved (seconds since the epoch)
    and its file."""

    id: str
    time: float
    path: Path

    @property
    def short(self) -> str:
        return self.id[:8]

    def when(self) -> str:
        """The local time it was saved, to the second."""
        return datetime.datetime.fromtimestamp(self.time).strftime("%Y-%m-%d %H:%M:%S")

    def iso(self) -> str:
        return datetime.datetime.fromtimestamp(self.time).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Snapshot:
    """A workflow file as it is now, in the form a version is kept in."""

    data: bytes
    time: float

    @property
    def id(self) -> str:
        return version_id(self.data)


def version_id(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def keep_limit() -> int:
    """How many versions a workflow keeps: `DATAFLOW_HISTORY_KEEP` (a whole number >= 1), else 100."""
    text = os.environ.get(KEEP_ENV, "").strip()
    return int(text) if text.isdigit() and int(text) >= 1 else DEFAULT_KEEP


def _damaged(where: Path | str, why: str) -> WorkflowError:
    return WorkflowError([Problem("damaged_version", f"the history entry {where} is damaged: {why}")], str(where))


def history_dir(workflow_path: str | os.PathLike) -> Path:
    """The folder that holds the versions of this workflow file (it may not exist yet)."""
    path = Path(workflow_path).resolve()
    if path.is_relative_to(SOURCE_TREE):
        digest = hashlib.blake2b(str(path).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        return cache_dir() / "history" / f"{digest}-{path.name}"
    return path.parent / FOLDER / path.name


def _checked(folder: Path, create: bool) -> Path | None:
    """`folder` when it (and `.dataflow-history` above it) is a real folder, not a link; created
    when `create`; None when missing. A link there is refused: history is never written elsewhere."""
    for level in (folder.parent, folder):
        if level.is_symlink() or (level.exists() and not level.is_dir()):
            raise WorkflowError([Problem("history_folder", f"{level} is not a plain folder (a link or a file); "
                                                           "history is kept only in a real folder: move it away")],
                                str(level))
    if not folder.is_dir():
        if not create:
            return None
        if folder.is_relative_to(cache_dir()):
            private_dir(folder)
        else:
            folder.mkdir(parents=True, exist_ok=True)
    return folder


def snapshot(workflow_path: str | os.PathLike) -> Snapshot | None:
    """The file as a version would keep it; None when it is missing or not a valid workflow."""
    path = Path(workflow_path)
    try:
        raw = read_regular_file(path)
        data = parse_json_strict(raw, str(path), check_depth=False)
        workflow_from_dict(data, str(path), path)
        return Snapshot(_canonical(data), path.stat().st_mtime)
    except (WorkflowError, OSError):
        return None


def _canonical(data: object) -> bytes:
    """The bytes of a workflow document as DataFlow writes a file (what `save_workflow` writes)."""
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def list_versions(workflow_path: str | os.PathLike) -> list[Version]:
    """The kept versions, newest first; [] when there is no history. Files whose names are not
    versions (a temporary file, something put there by hand) are not listed."""
    folder = _checked(history_dir(workflow_path), create=False)
    if folder is None:
        return []
    found = [_parse(Path(entry.path)) for entry in os.scandir(folder)]
    return sorted((v for v in found if v is not None), key=lambda v: (v.time, v.id), reverse=True)


def _parse(path: Path) -> Version | None:
    """The version a history file's name describes, or None for a name that is not a version's."""
    match = _NAME.fullmatch(path.name)
    if match is None:
        return None
    try:
        stamp = datetime.datetime.strptime(match.group(1), _STAMP).replace(tzinfo=datetime.UTC)
    except ValueError:   # month 13 and the like
        return None
    return Version(match.group(2), stamp.timestamp(), path)


def no_history(workflow_path: str | os.PathLike) -> WorkflowError:
    return WorkflowError([Problem("no_history", f"{Path(workflow_path).name} has no history yet: a version is kept "
                                                "each time the file is saved over (Save in the app, `dataflow "
                                                "restore`)")], str(workflow_path))


def find_version(workflow_path: str | os.PathLike, ref: str, versions: list[Version] | None = None) -> Version:
    """The version `ref` names: `latest`, or an id or its first 4 or more hex digits; a
    `WorkflowError` naming the file says why none fits (no history, unknown, ambiguous)."""
    versions = list_versions(workflow_path) if versions is None else versions
    name = Path(workflow_path).name
    if not versions:
        raise no_history(workflow_path)
    if ref == "latest":
        return versions[0]
    ref = ref.strip().lower()
    fits = [v for v in versions if len(ref) >= MIN_PREFIX and v.id.startswith(ref)]
    fits = list({v.id: v for v in fits}.values())
    if len(fits) == 1:
        return fits[0]
    why = (f"'{ref}' fits {len(fits)} versions ({', '.join(v.short for v in fits)}): give more digits" if fits
           else f"no version '{ref}' in the history of {name} (give `latest` or an id of at least {MIN_PREFIX} "
                "digits; `dataflow history` lists them)")
    raise WorkflowError([Problem("unknown_version", why)], str(workflow_path))


def read_bytes(version: Version) -> bytes:
    """The bytes of a version, checked: a plain file whose hash is its id and that holds a workflow."""
    if version.path.is_symlink():
        raise _damaged(version.path, "it is a symbolic link, not a file")
    try:
        data = read_regular_file(version.path, "history entry")
    except WorkflowError as exc:
        raise _damaged(version.path, "; ".join(p.message for p in exc.problems)) from None
    if version_id(data) != version.id:
        raise _damaged(version.path, "its content does not match its id (truncated or edited)")
    return data


def read_version(version: Version, workflow_path: str | os.PathLike) -> Workflow:
    """A kept version as a workflow (relative paths in it resolve against `workflow_path`'s folder)."""
    return _as_workflow(version, read_bytes(version), workflow_path)


def _as_workflow(version: Version, data: bytes, workflow_path: str | os.PathLike) -> Workflow:
    try:
        return workflow_from_dict(parse_json_strict(data, str(version.path), check_depth=False),
                                  str(version.path), Path(workflow_path).resolve())
    except WorkflowError as exc:
        raise _damaged(version.path, "; ".join(p.message for p in exc.problems)) from None


def save_keeping_history(workflow: Workflow, path: str | os.PathLike, registry: object = None) -> str | None:
    """`save_workflow`, keeping the file it replaces as a version. Raises what `save_workflow`
    raises (nothing is saved then); returns why the old version could not be kept, or None (kept,
    or nothing to keep): the save itself went through either way."""
    before = snapshot(path)
    save_workflow(workflow, path, registry)
    try:
        keep(path, before)
    except (OSError, WorkflowError) as exc:
        return str(exc)
    return None


def keep(workflow_path: str | os.PathLike, before: Snapshot | None) -> Version | None:
    """After a save: keep `before` (the file as it was, from `snapshot`) unless the save left the
    content as it was. Returns the version kept, or None."""
    if before is None:
        return None
    now = snapshot(workflow_path)
    if now is not None and now.data == before.data:
        return None
    return store(workflow_path, before)


def store(workflow_path: str | os.PathLike, kept: Snapshot) -> Version:
    """Keep `kept` as a version (an existing one with the same bytes is moved to the newer time),
    then drop the oldest beyond `keep_limit()`."""
    folder = _checked(history_dir(workflow_path), create=True)
    stamp = datetime.datetime.fromtimestamp(kept.time, datetime.UTC).strftime(_STAMP)
    target = folder / f"{stamp}-{kept.id}.json"
    same = [v for v in list_versions(workflow_path) if v.id == kept.id]
    reuse = next((v for v in same if _intact(v)), None)
    sweep(target, every_target=True)  # a version's file is written once: a killed write's temporary file stays else
    if reuse is None:
        atomic_write(target, kept.data)
    elif reuse.time < kept.time:
        os.replace(reuse.path, target)   # identical content: a rename, no copy
    else:
        target = reuse.path
    for other in same:
        if other.path != target:
            other.path.unlink(missing_ok=True)
    for old in list_versions(workflow_path)[keep_limit():]:
        old.path.unlink(missing_ok=True)
    return _parse(target)


def _intact(version: Version) -> bool:
    try:
        return version.id == version_id(read_bytes(version))
    except WorkflowError:
        return False


def restore(workflow_path: str | os.PathLike, ref: str) -> tuple[Version, Version | None]:
    """Make version `ref` the workflow file again, keeping the current file as a version first.
    Returns (the version restored, the version kept of the file it replaced, or None)."""
    path = Path(workflow_path)
    version = find_version(path, ref)
    data = read_bytes(version)
    _as_workflow(version, data, path)              # damaged: refused before anything changes
    current = snapshot(path)
    if current is None and path.exists():
        raise WorkflowError([Problem("current_invalid", f"{path} is not a valid workflow now, so it could not be "
                                                        "kept as a version: move it away, then restore")], str(path))
    kept = store(path, current) if current is not None and current.data != data else None
    atomic_write(path, data)
    return version, kept
