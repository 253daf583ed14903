"""One widget per place in the properties panel, reused for every node shown there.

Mounting a widget with a new key costs the page several milliseconds of React work (about 10 ms
for a text or number input, 4 for a keyed popover, on this machine under load); a panel keyed by
node id mounts every field again at each selection. Here a field's key names its place and kind
(`pf:<place>:<kind>`), and its value is put into session state when another node, parameter or
revision is shown in that place: a new selection updates the fields in place (Streamlit sends
the new value with `set_value`). The widgets are still created with that value as their default
(`value=`, `index=`, `default=`): when the page mounts a field afresh from a later run that does
not carry `set_value`, it starts from the default and reports it back, and a default other than
the node's value (a number input's minimum) would be taken for an edit. Streamlit logs once per
process that such a widget has both a default and a session-state value.

`owners()` says which node's parameter each key shows: the AppTests look fields up by it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from . import actions

OWNERS = "_slot_owners"       # key -> (node id, parameter name, revision)


def owners() -> dict[str, tuple[str, str, int]]:
    """Which (node id, parameter name, revision) each slot key shows now (or showed last)."""
    return st.session_state.setdefault(OWNERS, {})


def _claim(key: str, owner: tuple[str, str, int]) -> bool:
    """Record that `key` shows `owner`; True when it showed something else (its state is stale)."""
    shown = owners()
    if shown.get(key) == owner and key in st.session_state:
        return False
    shown[key] = owner
    return True


def field(place: str, kind: str, node_id: str, name: str, revision: int, value: Any) -> str:
    """The key of the `kind` widget at `place` showing parameter `name` of `node_id`; its session
    value is set to `value` (and the error and upload pick kept for it are dropped) when it showed
    something else before."""
    key = f"pf:{place}:{kind}"
    if _claim(key, (node_id, name, revision)):
        st.session_state[key] = value
        for stale in (f"err:{key}", f"picked:{key}"):
            st.session_state.pop(stale, None)
        if f"pick:{key}" in st.session_state:
            st.session_state[f"pick:{key}"] = ""
    return key


def labelled(key: str, node_id: str, name: str) -> str:
    """`key` for a button shared by every node, recorded as showing `name` of `node_id`."""
    owners()[key] = (node_id, name, -1)
    return key


def closed(key: str, node_id: str, name: str = "") -> str:
    """`key` for a lazy expander or popover shared by every node: closed again when another node
    (or parameter) is shown in it, as a new node's panel always was."""
    if _claim(key, (node_id, name, -1)):
        st.session_state[key] = False
    return key


def gone(node_id: str) -> bool:
    """Whether the node a field's callback is about was removed by an earlier callback of the same
    interaction (a Delete key press that also committed the field the focus left): the callback
    then does nothing."""
    return node_id not in actions.doc().workflow.nodes
