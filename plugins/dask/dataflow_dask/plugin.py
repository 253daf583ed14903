"""Registers the Dask executor with DataFlow (entry point `dask` in group `dataflow`)."""

from dataflow.sdk import hookimpl

from .executor import DaskExecutor


@hookimpl
def register_executors(register):
    """Contribute `dask`."""
    register(DaskExecutor)
