"""The version check at connect time: a worker must have the DataFlow code this process has.

A worker imports each node's function by name and decodes values with the serializers of the
plugins installed there. A worker with an older node pack would compute with other code under
the same cache key; one without a serializer plugin would fail every node on that port type.
So, on joining a cluster, every worker reports its DataFlow distributions (the root distribution,
`dataflow-*` ones and any distribution with a `dataflow` entry point: plugins and node packs) and
each one installed here must be there at the same version. Extra distributions on a worker are
fine. Dask's own versions (dask, distributed, Python, msgpack, cloudpickle) are Dask's to check:
it warns about a mismatch when the client connects.
"""

from __future__ import annotations

import re
from importlib.metadata import distributions
from typing import Any

from dataflow.sdk import NodeError


class VersionMismatch(NodeError):
    """Workers of the cluster lack DataFlow distributions of this process, or have other versions."""


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dataflow_versions() -> dict[str, str]:
    """{distribution name: version} of the DataFlow code installed in this process."""
    found: dict[str, str] = {}
    for dist in distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if not name:
            continue
        canonical = _canonical(name)
        if canonical.startswith("dataflow-") or any(ep.group == "dataflow" for ep in dist.entry_points):
            found[canonical] = dist.version
    return found


def mismatches(here: dict[str, str], workers: dict[str, dict[str, str]]) -> list[str]:
    """One line per worker and distribution that differs from `here` (missing or another version)."""
    lines = []
    for worker, theirs in sorted(workers.items()):
        for name, version in sorted(here.items()):
            other = theirs.get(name)
            if other is None:
                lines.append(f"{worker}: {name} is not installed (here: {version})")
            elif other != version:
                lines.append(f"{worker}: {name} {other} (here: {version})")
    return lines


def check_workers(client: Any) -> None:
    """Raise `VersionMismatch` listing every difference between this process and the workers."""
    problems = mismatches(dataflow_versions(), client.run(dataflow_versions))
    if problems:
        listed = "\n  ".join(problems)
        raise VersionMismatch(
            "the Dask workers do not have the DataFlow code this process has; install the same "
            f"plugins and node packs, same versions, on every worker:\n  {listed}")
