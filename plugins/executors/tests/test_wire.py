"""What crosses the process boundary: codec bytes out of band, functions by reference, errors with text."""

from __future__ import annotations

import os
import pickle

import pytest
from dataflow_executors.processes import rebuild_exception, request_for
from dataflow_executors.wire import CODEC, PICKLE, Done, decode, encode, pack, unpack
from dataflow_executors.worker import answer, failure

from dataflow.sdk import NodeError, NodeTask


@pytest.fixture
def codec(pack_site):
    from dataflow_testpack.parallel_nodes import HopCountingCodec

    return HopCountingCodec()


def test_a_value_with_a_codec_travels_as_its_bytes_outside_the_pickle(codec):
    value = {"values": [1, 2], "note": "x" * 5000}
    frames = pack({"port": encode(value, codec)})
    assert len(frames) == 2
    assert b"x" * 5000 not in bytes(frames[0])  # not pickled into the header
    assert b"x" * 5000 in bytes(frames[1])  # but the codec's own bytes, as one frame
    how, payload = unpack([bytes(f) for f in frames])["port"]
    assert how == CODEC
    assert decode((how, payload), codec) == {**value, "hops": [os.getpid()]}


def test_a_value_without_a_codec_falls_back_to_pickle():
    item = encode({"a": 1}, None)
    assert item == (PICKLE, {"a": 1})
    assert decode(unpack(pack(item)), None) == {"a": 1}


def test_a_request_names_the_function_and_carries_no_pickled_value(registry, codec):
    spec = registry.nodes["testpack.add"]
    data = {"values": [7, 8, 9], "marker": "only-in-codec-bytes"}
    task = NodeTask("add", spec, {"data": data}, {"amount": 1.0}, {"data": codec}, {"params": codec})

    frames = request_for(task)

    header = bytes(frames[0])
    assert b"dataflow_testpack.nodes" in header and b"add" in header
    assert b"only-in-codec-bytes" not in header
    assert b"NodeSpec" not in header  # the spec is never pickled


def test_the_worker_answers_a_request_as_the_node_would_inline(registry, codec):
    spec = registry.nodes["testpack.add"]
    task = NodeTask("add", spec, {"data": {"values": [1, 2]}}, {"amount": 10.0}, {"data": codec}, {"params": codec})

    reply = unpack([bytes(f) for f in answer([bytes(f) for f in request_for(task)])])

    assert isinstance(reply, Done)
    assert decode(reply.outputs["params"], codec)["values"] == [11.0, 12.0]


def test_a_node_error_survives_the_trip_as_a_node_error():
    try:
        raise NodeError("no such column", param="column")
    except NodeError as exc:
        rebuilt = rebuild_exception(failure(exc))
    assert type(rebuilt) is NodeError
    assert str(rebuilt) == "parameter 'column': no such column" and rebuilt.param == "column"
    assert "raise NodeError" in str(rebuilt.__cause__)


def test_an_exception_that_cannot_be_rebuilt_becomes_a_runtime_error_with_its_text():
    class Picky(Exception):
        def __init__(self, a, b):
            super().__init__(f"{a}-{b}")

    try:
        raise Picky("left", "right")
    except Picky as exc:
        failed = failure(exc)
    assert failed.exception is None
    rebuilt = rebuild_exception(failed)
    assert type(rebuilt) is RuntimeError and str(rebuilt) == "Picky: left-right"
    assert "raise Picky" in str(rebuilt.__cause__)


def test_a_request_that_cannot_be_pickled_names_the_node(pack_site):
    from dataflow_testpack.nodes import add

    from dataflow.sdk import spec_of

    task = NodeTask("add", spec_of(add), {"data": {"values": [], "lock": __import__("threading").Lock()}},
                    {"amount": 1.0}, {"data": None}, {"params": None})
    with pytest.raises(RuntimeError, match="node 'add' cannot be sent to a worker process"):
        request_for(task)
    with pytest.raises(TypeError):
        pickle.dumps(task.inputs)


def test_a_table_travels_as_arrow_ipc_bytes_never_as_a_pickled_frame(registry):
    import pandas as pd

    codec = registry.serializers.get("table")
    if codec is None:
        pytest.skip("no serializer for the table port type is installed (plugins/serializers, dataflow-serializers)")
    table = pd.DataFrame({"price": [1.5, 2.5], "name": pd.Series(["a", "b"], dtype=object)})
    task = NodeTask("copy", registry.nodes["testpack.same_table"], {"table": table}, {},
                    {"table": codec}, {"table": codec})

    frames = request_for(task)

    assert len(frames) == 2
    assert b"pandas" not in bytes(frames[0])  # nothing from pandas is pickled in the message
    assert bytes(frames[1][:6]) == b"ARROW1"  # the input is the codec's Arrow IPC file
