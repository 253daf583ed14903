"""A pack that observes run events: it writes each into $OBSERVER_LOG, and raises in some of them
(a buggy observer) to prove that observers can never break a run."""

import json
import os

from dataflow.sdk import hookimpl


def _log(**event):
    path = os.environ.get("OBSERVER_LOG")
    if path:
        with open(path, "a") as handle:
            handle.write(json.dumps(event) + "\n")


@hookimpl
def on_run_start(run_id, workflow, node_ids):
    _log(event="run_start", nodes=node_ids)
    raise RuntimeError("observer bug at start")


@hookimpl
def on_node_start(run_id, node_id, node_type):
    _log(event="node_start", node=node_id)


@hookimpl
def on_node_end(run_id, node_id, node_type, status, seconds):
    _log(event="node_end", node=node_id, status=status)
    raise RuntimeError("observer bug")


@hookimpl
def on_node_error(run_id, node_id, node_type, error):
    _log(event="node_error", node=node_id, error=error)


@hookimpl
def on_run_end(run_id, status, seconds):
    _log(event="run_end", status=status)


@hookimpl
def register_nodes(register):
    if os.environ.get("OBSERVER_FAIL_REGISTER"):
        raise SystemExit("registration refused")
