"""Finding a node's parameter fields in an AppTest: the properties panel reuses one widget per
place and kind for every node (`ui/slots.py`), so a field's key does not name its node; the
panel records which node's parameter each key shows."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dataflow.ui.slots import OWNERS


def _keys(at: AppTest, node_id: str, name: str) -> set[str]:
    owners = at.session_state.get(OWNERS, {})
    return {key for key, (node, param, _) in owners.items() if (node, param) == (node_id, name)}


def param_key(widgets, at: AppTest, node_id: str, name: str) -> str:
    """The key of the widget among `widgets` (e.g. `at.number_input`) that shows parameter `name`
    of node `node_id` (a model's hyperparameter: `name` is "<model id>:<hyperparameter>");
    StopIteration when none does."""
    keys = _keys(at, node_id, name)
    return next(w.key for w in widgets if w.key in keys)


def param_widget(widgets, at: AppTest, node_id: str, name: str):
    """The widget among `widgets` that shows parameter `name` of node `node_id`."""
    key = param_key(widgets, at, node_id, name)
    return next(w for w in widgets if w.key == key)


def has_field(widgets, at: AppTest, node_id: str, name: str) -> bool:
    """Whether one of `widgets` shows parameter `name` of node `node_id`."""
    keys = _keys(at, node_id, name)
    return any(w.key in keys for w in widgets)


def menu_key(at: AppTest, prefix: str, node_id: str, name: str = "") -> str:
    """The key starting with `prefix` of a popover, expander or button shared by every node
    (`bind_menu:`, `unbind:`, `connections`, `loop`, `help`), shown now for `node_id` (and
    parameter `name`)."""
    return next(key for key, (node, param, _) in at.session_state[OWNERS].items()
                if key.startswith(prefix) and (node, param) == (node_id, name))


def open_menu(at: AppTest, prefix: str, node_id: str, name: str = "") -> None:
    """Open the lazy popover or expander `menu_key` finds, then rerun."""
    at.session_state[menu_key(at, prefix, node_id, name)] = True
    at.run()
