"""DataFlow's Dask executor: `dataflow run W.json --executor dask [--scheduler tcp://HOST:PORT]`.

Every node that must compute becomes one Dask task, on a local cluster bound to 127.0.0.1 or on
the cluster a scheduler address names; values cross as their serializers' bytes. See
`executor.py`, and docs/dask.md for running on several machines.
"""

from .executor import SCHEDULER_ENV, DaskExecutor, WorkerLostError
from .versions import VersionMismatch, check_workers, dataflow_versions

__all__ = ["SCHEDULER_ENV", "DaskExecutor", "VersionMismatch", "WorkerLostError", "check_workers",
           "dataflow_versions"]
