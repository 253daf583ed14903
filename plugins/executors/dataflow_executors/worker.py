"""The loop a worker process runs: receive a job, call the node, send back outputs or the error.

This module is imported in the worker, so it stays light: the node's own module is imported on
first use and kept (with its spec) for later jobs. The worker ignores Ctrl-C: the terminal sends
SIGINT to the whole process group, and interrupting is the engine's decision (it cancels the
run); the parent stops its workers by closing their pipes or sending a stop message.
"""

from __future__ import annotations

import importlib
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from dataflow.sdk import NodeSpec, NodeTask, spec_of

from .wire import Done, Failed, Job, Progress, decode, encode, pack, receive_frames, send_frames, unpack

_specs: dict[tuple[str, str], NodeSpec] = {}


def resolve(module: str, qualname: str) -> NodeSpec:
    """Import `module`, follow `qualname` to the node function and return its spec."""
    key = (module, qualname)
    if key not in _specs:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        spec = spec_of(obj)
        if spec is None:
            raise TypeError(f"{module}.{qualname} is not a function decorated with @node")
        _specs[key] = spec
    return _specs[key]


def run_job(job: Job, conn: Connection | None = None,
            report: Callable[[float | None, str], None] | None = None) -> Done:
    """Decode the inputs, call the node, encode its outputs. With a job that asks for it, the
    node's progress reports (throttled by the kernel's `Reporter`) go to `report`, else with `conn`
    to the engine as `Progress` messages; a stopped run kills the worker instead of asking it to stop."""
    spec = resolve(job.module, job.qualname)
    inputs = {port: decode(item, job.input_codecs.get(port)) for port, item in job.inputs.items()}
    if not job.report_progress:
        report = None
    elif report is None and conn is not None:
        def report(fraction: float | None, message: str) -> None:
            send_frames(conn, pack(Progress(fraction, message)))
    outcome = NodeTask(job.node_id, spec, inputs, job.params, {}, {}, None, report).run()
    outputs = {port: _encode_output(port, value, job.output_codecs.get(port))
               for port, value in outcome.outputs.items()}
    return Done(outputs, outcome.seconds, outcome.warnings)


def _encode_output(port: str, value: Any, codec: Any) -> tuple[str, Any]:
    """Encode an output with its codec; a value the codec rejects goes back pickled, so the engine
    reports the wrong type exactly as it would after an in-process run."""
    if codec is not None:
        try:
            codec.check(value)
        except TypeError:
            return encode(value, None)
    try:
        return encode(value, codec)
    except Exception as exc:
        raise RuntimeError(f"output '{port}' could not be encoded by serializer "
                           f"'{getattr(codec, 'id', codec)}': {type(exc).__name__}: {exc}") from exc


def failure(exc: BaseException) -> Failed:
    """Describe an exception for the trip back; keep the exception itself when it survives pickling."""
    text = "".join(traceback.format_exception(exc))
    try:
        data = pickle.dumps(exc, protocol=5)
        pickle.loads(data)  # some exceptions pickle but cannot be rebuilt (a custom __init__)
    except Exception:
        data = None
    return Failed(type(exc).__name__, str(exc), text, data)


def serve(conn: Connection, environ: dict[str, str] | None = None) -> None:
    """Run jobs from `conn` until the parent sends None or goes away. `environ` replaces the
    inherited environment (a forkserver's dates from when it started, not from now)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if environ is not None:
        os.environ.clear()
        os.environ.update(environ)
    while True:
        try:
            frames = receive_frames(conn)
        except (EOFError, OSError):
            return
        reply = answer(frames, conn)
        if reply is None:
            return
        try:
            send_frames(conn, reply)
        except (EOFError, OSError):
            return


def answer(frames: list[bytes], conn: Connection | None = None) -> list[bytes | memoryview] | None:
    """The reply frames for one request, or None for the stop message. Never raises: even
    `sys.exit()` in a node fails that node instead of taking the worker down."""
    try:
        job = unpack(frames)
    except BaseException as exc:
        return pack(failure(exc))
    if job is None:
        return None
    try:
        done = run_job(job, conn)
    except BaseException as exc:
        return pack(failure(exc))
    try:
        return pack(done)
    except BaseException as exc:
        problem = RuntimeError(f"the outputs of node '{job.node_id}' could not be sent back: "
                               f"{type(exc).__name__}: {exc}")
        return pack(failure(problem))
