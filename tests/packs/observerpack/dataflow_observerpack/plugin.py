"""A pack whose run observers raise, and one that records events into a file: runs must not break."""

import json
import os

from dataflow.sdk import hookimpl


@hookimpl
def on_node_end(run_id, node_id, node_type, status, seconds):
    raise RuntimeError("observer bug")


@hookimpl
def on_run_start(run_id, workflow, node_ids):
    raise RuntimeError("observer bug at start")


@hookimpl
def on_run_end(run_id, status, seconds):
    path = os.environ.get("OBSERVER_LOG")
    if path:
        with open(path, "a") as handle:
            handle.write(json.dumps({"run": run_id, "status": status}) + "\n")


@hookimpl
def register_nodes(register):
    raise_in_registration = os.environ.get("OBSERVER_FAIL_REGISTER")
    if raise_in_registration:
        raise SystemExit("registration refused")
