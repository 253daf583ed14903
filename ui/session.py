"""Per-session state, initialised in one place. Everything a session owns lives in
`st.session_state` under the names below; nothing per user lives in module globals."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from . import storage
from .canvas import CanvasSync
from .document import Document
from .kernel_api import NodeResult

CANVAS_KEY = "canvas"
NOTICE_SECONDS = 6.0     # how long a notice stays through reruns after it is first drawn


@dataclass
class Notice:
    """A message for the user at the top of the main area."""

    kind: str                            # 'info', 'success', 'warning' or 'error'
    message: str
    first_shown: float | None = None     # time.monotonic() of the first render that drew it


@dataclass
class RunMemory:
    """What this session remembers of its runs: last results by node, table shapes by cache key,
    a log of lines per node, and a generation counter that invalidates cached plans."""

    results: dict[str, NodeResult] = field(default_factory=dict)
    shapes: dict[str, tuple[int, int]] = field(default_factory=dict)
    log: dict[str, list[str]] = field(default_factory=dict)
    generation: int = 0
    count: int = 0
    last_summary: str = ""


def init() -> None:
    """Create the session's state on its first run."""
    ss = st.session_state
    if "doc" in ss:
        return
    ss.doc = Document()
    ss.sync = CanvasSync()
    ss.runs = RunMemory(shapes=storage.load_shapes())
    ss.job = None
    ss.notices = []          # Notice list shown at the top of the main area
    ss.settings = storage.load_settings()
    ss.autosave_id = storage.new_autosave_id()   # the open document's autosave file (see open_document)
    ss.autosaved_revision = None                 # the revision in that file; None: no file written
    ss.autosave_offers = storage.list_autosaves(exclude=ss.autosave_id)   # unsaved work of other tabs
    ss.memo = {}             # revision-keyed caches (analysis, plans)
    ss.template_folder = None  # the open copy of a template reads the data next to it (actions.use_template)
    ss.confirm_replace = None  # (kind, arg) of a New/Open/template waiting for the unsaved-changes prompt
    ss.shown_dirty = None      # the unsaved marker the sidebar last drew (page_workbench reruns if stale)
    ss.shown_params = None     # the workflow parameters the sidebar last drew (parameters_view.signature)
    ss.full_run = False        # True while the whole page runs (not the main area's fragment alone)
    _open_from_query()


def _open_from_query() -> None:
    """`?open=NAME` opens `NAME.json` from the workflows folder (a link to a template)."""
    name = st.query_params.get("open")
    if not name:
        return
    path = storage.workflows_dir() / storage.safe_filename(f"{name.removesuffix('.json')}.json")
    if path.is_file():
        from . import actions

        actions.open_path(path)
        st.session_state.autosave_offers = []
    else:
        notify("warning", f"No workflow named {name} in {storage.workflows_dir()}")


def notify(kind: str, message: str) -> None:
    """Queue a message ('info', 'success', 'warning', 'error') for the next render."""
    notices = st.session_state.notices
    if not any(n.kind == kind and n.message == message and n.first_shown is None for n in notices):
        notices.append(Notice(kind, message))


def notices_to_show(now: float | None = None) -> list[Notice]:
    """The notices to draw on this rerun, dropping those shown more than NOTICE_SECONDS ago.

    A notice outlives the reruns that follow at once (the canvas's echo and re-layout after a
    push cost two), so the user gets to read it; the next rerun after that drops it."""
    now = time.monotonic() if now is None else now
    kept = [n for n in st.session_state.notices if n.first_shown is None or now - n.first_shown < NOTICE_SECONDS]
    for n in kept:
        if n.first_shown is None:
            n.first_shown = now
    st.session_state.notices = kept
    return kept


def open_document(doc: Document) -> None:
    """Replace the open workflow (resets the canvas conversation and the run memory). The new
    document gets a new autosave id: the old one's autosave file is the caller's to keep or clear."""
    ss = st.session_state
    ss.doc = doc
    ss.runs = RunMemory(shapes=storage.load_shapes())
    ss.memo = {}
    ss.autosave_id = storage.new_autosave_id()
    ss.autosaved_revision = None
    ss.template_folder = None   # set by actions.use_template for a copy of a template
    new_canvas()


def new_canvas() -> None:
    """Start a fresh canvas component (and conversation with it): it fits the view to the nodes
    when it mounts, which the canvas does not do again for positions pushed to a mounted one."""
    ss = st.session_state
    ss.sync = CanvasSync()
    ss.canvas_generation = ss.get("canvas_generation", 0) + 1


def canvas_key() -> str:
    return f"{CANVAS_KEY}{st.session_state.get('canvas_generation', 0)}"


def memo(name: str, key: Any, compute):
    """A per-session cache of one value per name, recomputed when `key` changes."""
    cached = st.session_state.memo.get(name)
    if cached is not None and cached[0] == key:
        return cached[1]
    value = compute()
    st.session_state.memo[name] = (key, value)
    return value
