"""A pack with an invalid node declaration (a parameter without a default): it fails at import."""

from dataflow.sdk import Params, hookimpl, node


@node
def needs_default(data: Params, *, threshold: float) -> Params:
    """Declared wrongly on purpose."""
    return data


@hookimpl
def register_nodes(register):
    register(needs_default)
