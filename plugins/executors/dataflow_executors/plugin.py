"""Registers the built-in executors with DataFlow (entry point `executors` in group `dataflow`)."""

from dataflow.sdk import hookimpl

from .inline import SequentialExecutor
from .processes import ProcessExecutor
from .threads import ThreadExecutor


@hookimpl
def register_executors(register):
    """Contribute `sequential`, `threads` and `processes`."""
    register(SequentialExecutor)
    register(ThreadExecutor)
    register(ProcessExecutor)
