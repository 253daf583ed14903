"""Keyboard shortcuts for the canvas: Delete/Backspace removes the selected node (or the edge last
clicked) at once, Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo, Ctrl+D duplicates the selected
node with its parameters.

streamlit-flow reports no key press (a Backspace deletion of a deletable node reaches Python only
with the next interaction), so the canvas's nodes and edges are not deletable there, and a small
script (a `st.components.v2` component, which runs in the page itself) listens for these keys in
the page and in the canvas's frame (same origin) and clicks the matching button: the toolbar's
Undo and Redo, or the hidden `kb_delete` / `kb_duplicate` buttons, whose callbacks do the work. Keys typed into a text field are left alone, and Delete acts only when
the canvas (or the page itself, nothing focused) has the focus. Ctrl+click on the canvas selects
several nodes (React Flow's own multi-selection): they move together, and Delete removes them all
in one undo step. The script also gives selected nodes a plain outline in the canvas's frame.

The canvas reports node sizes only with its next value, which may predate the node's latest
content; so when Layout is pressed the script first measures every node as drawn and reports
the heights (`measured_heights`), and the layout uses them.
"""

from __future__ import annotations

import streamlit as st

from . import actions

LISTENER_KEY = "kb_listener"
# Runs in the page itself (a `st.components.v2` component: no frame of its own), once per mount; a
# later call replaces the handlers, so keys are never handled twice.
LISTENER_JS = """
export default function (component) {
  const doc = document;
  window.__dataflowSetState = component.setStateValue;
  function click(key, tries) {
    // the newest enabled button of that key: while a run redraws the page, the old one may still
    // be there, stale; a key pressed then must not be lost, so try again for up to 2 s
    const found = [...doc.querySelectorAll('.st-key-' + key + ' button')].reverse()
      .find(function (b) { return !b.closest('[data-stale="true"]'); });
    if (found) {   // a disabled one (nothing to undo) is an answer too: no retry
      if (found.disabled) return false;
      found.click();
      return true;
    }
    if ((tries || 0) >= 40) return false;
    setTimeout(function () { click(key, (tries || 0) + 1); }, 50);
    return true;
  }
  function onCanvasOrPage(t) {   // not while a button, link or menu of the page has the focus
    const d = t && t.ownerDocument;
    return !!d && (d !== doc || t === doc.body || t === doc.documentElement);
  }
  function onKey(e) {
    const t = e.target, tag = ((t && t.tagName) || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || (t && t.isContentEditable)) return;
    const mod = e.ctrlKey || e.metaKey, key = (e.key || '').toLowerCase();
    let done = false;
    if (mod && key === 'z') done = click(e.shiftKey ? 'tb_redo' : 'tb_undo');
    else if (mod && key === 'y') done = click('tb_redo');
    else if (mod && key === 'd') done = click('kb_duplicate');
    else if (!mod && (key === 'delete' || key === 'backspace') && onCanvasOrPage(t)) done = click('kb_delete');
    if (done || (mod && key === 'd')) { e.preventDefault(); e.stopPropagation(); }
  }
  function canvasFrames() {
    return [...doc.querySelectorAll('iframe[title="streamlit_flow.streamlit_flow"]')];
  }
  function measure() {   // each node's drawn height (flow coordinates: the zoom does not count)
    const sizes = {};
    for (const f of canvasFrames()) {
      try {
        for (const n of f.contentDocument.querySelectorAll('.react-flow__node'))
          if (n.offsetHeight > 0) sizes[n.dataset.id] = n.offsetHeight;
      } catch (err) { /* not loaded yet */ }
    }
    return sizes;
  }
  function onClick(e) {   // Layout: report the drawn sizes first, so the layout uses them
    const b = e.target && e.target.closest && e.target.closest('.st-key-tb_layout button');
    if (!b || b.disabled) return;
    const sizes = measure();
    if (Object.keys(sizes).length) window.__dataflowSetState('sizes', sizes);
  }
  function attach(win) {
    if (!win || win.__dataflowKeys === onKey) return;
    if (win !== window && !win.document.getElementById('dataflow-selection')) {
      // the canvas's own selection outline is faint: make every selected node plain to see
      const style = win.document.createElement('style');
      style.id = 'dataflow-selection';
      style.textContent = '.react-flow__node.selected{box-shadow:0 0 0 3px #2563eb !important}';
      win.document.head.appendChild(style);
    }
    if (win.__dataflowKeys) win.document.removeEventListener('keydown', win.__dataflowKeys, true);
    win.__dataflowKeys = onKey;
    win.document.addEventListener('keydown', onKey, true);
  }
  function attachAll() {
    attach(window);
    canvasFrames().forEach(function (f) {
      if (!f.__dataflowLoad) {   // a frame that loads a new document gets the listener at once
        f.__dataflowLoad = function () { try { attach(f.contentWindow); } catch (err) { /* gone */ } };
        f.addEventListener('load', f.__dataflowLoad);
      }
      try { attach(f.contentWindow); } catch (err) { /* not loaded yet */ }
    });
  }
  if (window.__dataflowClicks) doc.removeEventListener('click', window.__dataflowClicks, true);
  window.__dataflowClicks = onClick;
  doc.addEventListener('click', onClick, true);   // before the button's own handler
  attachAll();
  clearInterval(window.__dataflowTimer);
  window.__dataflowTimer = setInterval(attachAll, 500);   // a new canvas frame (another workflow opened) gets it too
  if (window.__dataflowFrames) window.__dataflowFrames.disconnect();
  window.__dataflowFrames = new MutationObserver(attachAll);   // ... at once, not up to 500 ms later
  window.__dataflowFrames.observe(doc.body, {childList: true, subtree: true});
}
"""
_listener = st.components.v2.component("dataflow_keys", js=LISTENER_JS)


def listener() -> None:
    """The key listener (drawn on full page runs only, it lives on)."""
    _listener(key=LISTENER_KEY, on_sizes_change=_ignore, height=0)


def _ignore() -> None:
    """The sizes are read when Layout needs them (`measured_heights`)."""


def measured_heights() -> dict[str, float]:
    """Each node's height as drawn on the canvas, measured in the page when Layout was pressed
    (empty until then, and in tests without a browser)."""
    state = st.session_state.get(LISTENER_KEY)
    sizes = state.get("sizes") if hasattr(state, "get") else None
    if not isinstance(sizes, dict):
        return {}
    return {str(k): float(v) for k, v in sizes.items() if isinstance(v, (int, float)) and v > 0}


def delete_selected() -> None:
    """Delete the edge last clicked on the canvas, else every node selected there (Ctrl+click
    selects several; the canvas reports them with its next value), else the selected node."""
    d = actions.doc()
    sync = st.session_state.sync
    several = [n.get("id") for n in sync.shown_nodes if n.get("selected") and n.get("id") in d.workflow.nodes]
    if sync.selected_edge and d.edge_by_id(sync.selected_edge) is not None:
        d.remove_edge(sync.selected_edge)
        sync.selected_edge = None
    elif len(several) > 1:
        d.remove_nodes(several)
    elif d.selected in d.workflow.nodes:
        d.remove_node(d.selected)


def duplicate_selected() -> None:
    d = actions.doc()
    if d.selected in d.workflow.nodes:
        d.duplicate_node(d.selected)


def buttons() -> None:
    """The hidden buttons the shortcuts click (inside the main area, so a click reruns only it;
    their keys never change, so a rerun does not mount them again)."""
    with st.container(key="kb_bridge"):
        st.html("<style>.st-key-kb_bridge{display:none}</style>")
        st.button("Delete selected", key="kb_delete", on_click=delete_selected)
        st.button("Duplicate selected", key="kb_duplicate", on_click=duplicate_selected)
