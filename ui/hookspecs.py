"""The app's own hooks: how a plugin shows its port types in the workbench.

These belong to the app, not to the kernel, which never draws anything. The root distribution
declares this module in the entry-point group `dataflow.hookspecs`, so the kernel's loader adds
it with pluggy's `add_hookspecs` before any plugin registers: a pack that implements
`register_viewers` is never reported as misspelt, by the app or by `dataflow plugins`. The app
calls the hook once per plugin when it loads them (`resources.viewers`); its contributions are
listed on the Plugins page.

The command line reads this module too, so it imports nothing but pluggy (no Streamlit, not the
kernel): a DataFlow installed without the app's dependencies still knows the hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

hookspec = pluggy.HookspecMarker("dataflow")  # the project's marker, as every hookspecs module makes it

#: `viewer(value, container)`: draw one output value into the Streamlit `container`.
Viewer = Callable[[Any, "DeltaGenerator"], None]


@hookspec
def register_viewers(register: Callable[[str, Viewer], None]) -> None:
    """Contribute output viewers: how the app shows values of a port type.

    :param register: call `register(port_type, viewer)` once per port type name (`"graph"`);
    `viewer(value, container)` draws `value` with calls on `container` (`container.json(value)`).
    A port type registered by two plugins is reported on both and neither is used. A viewer
    that raises is reported on the page, and the value is shown with the built-in view instead.

    :returns: nothing (ignored). Not `firstresult`: every plugin's implementation is called.

        def show_graph(value, container):
            container.caption(f"{len(value.nodes)} nodes, {len(value.edges)} edges")

        @hookimpl
        def register_viewers(register):
            register("graph", show_graph)
    """
