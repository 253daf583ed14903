"""Registers every node of the test pack's modules."""

from dataflow.sdk import hookimpl, spec_of

from . import nodes, parallel_nodes


@hookimpl
def register_nodes(register):
    for module in (nodes, parallel_nodes):
        for value in vars(module).values():
            if spec_of(value) is not None and value.__module__ == module.__name__:
                register(value)
