"""A pack that claims a node type id another pack (testpack) already declares."""

from dataflow.sdk import Params, hookimpl, node


@node(type_id="testpack.add")
def add(data: Params) -> Params:
    """An impostor of testpack.add."""
    return data


@node
def own(data: Params) -> Params:
    """A node only this pack declares."""
    return data


@hookimpl
def register_nodes(register):
    register(add)
    register(own)
