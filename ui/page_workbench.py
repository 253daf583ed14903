"""The workbench page: sidebar (menu, palette, settings) and the main area: the toolbar, then the
canvas with the selected node's properties and output beside it (a scrolling column as tall as
the canvas, which also holds the notices, the port chooser and the offer to restore unsaved
work). Nothing that comes and goes is drawn above the canvas or the palette, so neither moves and
the page never scrolls at 1440x900.

The main area is a fragment, so canvas clicks and form edits rerun only it. Its identity never
changes (no `run_every` on it): a new fragment would remount the canvas, which costs seconds on
a large workflow. While a run is in progress a separate small fragment at the end of the page
polls the run every `POLL_SECONDS` and reruns the page when something changed."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

import streamlit as st

from . import (
    actions,
    canvas_view,
    escape,
    keyboard,
    output_view,
    palette,
    parameters_view,
    properties_view,
    session,
    sidebar_view,
)

POLL_SECONDS = 0.3
PANES = [2, 1]        # canvas | properties and output, side by side: a 1440x900 screen needs no page scroll
# Streamlit's default top padding (6rem) is room the canvas needs
PAGE_CSS = ("<style>.block-container{padding-top:3.6rem;padding-bottom:0.5rem;padding-left:1.5rem;"
            "padding-right:1.5rem}</style>")
log = logging.getLogger(__name__)


def guarded(draw: Callable[..., None]) -> Callable[..., None]:
    """Run `draw`, showing an unexpected error as a message instead of Streamlit's exception page
    (Streamlit's own rerun/stop signals are BaseExceptions and pass through)."""
    def wrapper(*args) -> None:
        try:
            draw(*args)
        except Exception as exc:
            log.exception("the workbench hit an unexpected error")
            st.error(f"Something went wrong: {type(exc).__name__}: {exc}. Your workflow is autosaved; "
                     "undo the last change or reload the page.")
    wrapper.__name__ = wrapper.__qualname__ = f"guarded_{draw.__name__}"
    return wrapper


def main_area() -> None:
    """Toolbar, canvas and the selected node's panels (run as a fragment)."""
    if st.session_state.pop("need_full_rerun", False):
        st.rerun()           # a run started: the whole page reruns, which starts polling it
    actions.finish_run()
    canvas_view.receive()
    palette.receive()
    views = actions.views()
    with st.container():     # one block whatever the run panel shows: the canvas's place never moves
        canvas_view.toolbar(views)
    left, right = st.columns(PANES, gap="small")
    with left:
        canvas_view.canvas(views)
        keyboard.buttons()
    with right, st.container(height=canvas_view.CANVAS_HEIGHT, border=False, key="side_panel"):
        # notices, the port chooser and the restore offer sit beside the canvas, never above it (nor
        # above the palette), so nothing pushes either down; the offer comes after the node's panels
        notices_box = st.container()
        canvas_view.port_chooser()
        guarded(_node_panels)(views)
        _autosave_offer()
    with notices_box:
        canvas_view.notices()
    actions.autosave()
    if not st.session_state.get("full_run") and (
            st.session_state.get("shown_dirty") not in (None, actions.doc().dirty)
            or st.session_state.get("shown_params") not in (None, parameters_view.signature())):
        st.rerun()           # a canvas or property edit changed the unsaved marker or the parameters the sidebar shows


def _node_panels(views: dict) -> None:
    """The selected node's properties and output, or a hint when no node is selected."""
    d = actions.doc()
    if d.selected and d.selected in d.workflow.nodes:
        properties_view.render(d.selected)
        output_view.render(d.selected, views.get(d.selected))
    else:
        st.caption("Select a node on the canvas to see its properties and output here. Add nodes from "
                   "the palette: with a node selected, the new one is connected to it.")


def _autosave_offer() -> None:
    """Offer back the unsaved work found when the session started, most recent first. The most
    recent one's buttons are `restore_yes` / `restore_no`; the others' add the autosave's id."""
    offers = st.session_state.autosave_offers
    if not offers:
        return
    with st.container(key="restore_offer", border=True):
        if len(offers) > 1:
            st.info(f"Unsaved work on {len(offers)} workflows was found, most recent first:")
        for n, record in enumerate(offers):
            stamp = record.get("saved_at")
            when = datetime.datetime.fromtimestamp(stamp if isinstance(stamp, (int, float)) else 0).strftime(
                "%Y-%m-%d %H:%M")
            name = escape.text(record.get("name") or "a workflow")   # from a file: shown, never rendered
            suffix = "" if n == 0 else f":{record.get('id') or 'old'}"
            if len(offers) == 1:
                st.info(f"Unsaved work on “{name}” from {when} was found. Restore it?")
            else:
                st.markdown(f"“{name}” · {when}")
            row = st.container(horizontal=True)
            args = (record.get("id"),)
            row.button("Restore", key=f"restore_yes{suffix}", on_click=_restore, args=args,
                       type="primary" if n == 0 else "secondary")
            row.button("Discard", key=f"restore_no{suffix}", on_click=actions.discard_autosave, args=args)


def _restore(record_id: str | None) -> None:
    """Restore button callback: open the autosave, then redraw the whole page (the sidebar shows the
    workflow's name and parameters)."""
    actions.restore_autosave(record_id)
    st.session_state.need_full_rerun = True


def _poll() -> None:
    """Rerun the page when the run in progress made progress (or ended)."""
    job = st.session_state.job
    if job is None:
        return
    snap = job.snapshot()
    mark = (snap.done, snap.finished, tuple(sorted((k, v.status) for k, v in snap.live.items())))
    if mark != st.session_state.get("_poll_mark"):
        st.session_state._poll_mark = mark
        st.rerun()


def render() -> None:
    """Draw the workbench."""
    try:
        session.init()
    except Exception as exc:   # e.g. the app folder cannot be created
        log.exception("the workbench could not start")
        st.error(f"DataFlow could not start: {type(exc).__name__}: {exc}")
        return
    st.html(PAGE_CSS)
    st.session_state.full_run = True     # the main area reruns the page only when run alone
    try:
        st.fragment(guarded(main_area))()
        guarded(sidebar_view.render)()   # after the main area, so the canvas reaches the browser first
        with st.sidebar:
            keyboard.listener()
    finally:
        st.session_state.full_run = False
    job = st.session_state.job
    if job is not None and not job.finished:
        st.fragment(_poll, run_every=POLL_SECONDS)()
