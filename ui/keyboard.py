"""Keyboard shortcuts for the canvas: Delete/Backspace removes the selected node (or the edge last
clicked) at once, Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and redo, Ctrl+D duplicates the selected
node with its parameters.

streamlit-flow reports no key press (a Backspace deletion of a deletable node reaches Python only
with the next interaction), so the canvas's nodes and edges are not deletable there, and a small
script listens for these keys in the page and in the canvas's frame (same origin) and clicks the
matching button: the toolbar's Undo and Redo, or the hidden `kb_delete` / `kb_duplicate` buttons,
whose callbacks do the work. Keys typed into a text field are left alone, and Delete acts only when
the canvas (or the page itself, nothing focused) has the focus. Ctrl+click on the canvas selects
several nodes (React Flow's own multi-selection): they move together, and Delete removes them all
in one undo step. The script also gives selected nodes a plain outline in the canvas's frame.
"""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from . import actions

LISTENER_JS = """<script>
(function () {
  const top = window.parent;
  const doc = top.document;
  function click(key) {
    const button = doc.querySelector('.st-key-' + key + ' button');
    if (button && !button.disabled) { button.click(); return true; }
    return false;
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
  function attach(win) {
    if (!win || win.__dataflowKeys === onKey) return;
    if (win !== top && !win.document.getElementById('dataflow-selection')) {
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
    attach(top);
    doc.querySelectorAll('iframe[title="streamlit_flow.streamlit_flow"]').forEach(function (f) {
      try { attach(f.contentWindow); } catch (err) { /* not loaded yet */ }
    });
  }
  attachAll();
  setInterval(attachAll, 500);   // a new canvas frame (another workflow opened) gets it too
})();
</script>"""


def listener() -> None:
    """The key listener (an invisible frame; drawn on full page runs only, it lives on)."""
    components.html(LISTENER_JS, height=0)


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
    """The hidden buttons the shortcuts click (inside the main area, so a click reruns only it)."""
    with st.container(key="kb_bridge"):
        st.html("<style>.st-key-kb_bridge{display:none}</style>")
        st.button("Delete selected", key="kb_delete", on_click=delete_selected)
        st.button("Duplicate selected", key="kb_duplicate", on_click=duplicate_selected)
