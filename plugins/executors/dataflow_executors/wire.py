"""What crosses the boundary between the engine and a worker process, and how.

A node call travels as a `Job` and comes back as a `Done` or a `Failed`, after any number of
`Progress` reports when the job asked for them. Three rules:

- **Values go through their port's serializer.** A value on a port with a codec (a
  `dataflow.sdk.Serializer`) is sent as the bytes of `codec.dumps(value)` and rebuilt with
  `codec.loads`: a table crosses as Arrow IPC, never as a pickled DataFrame. Only a port without
  a codec falls back to pickle, which is acceptable because both ends are our own processes.
- **Functions go by reference.** A node's function is named by module and qualified name and
  imported in the worker; its `NodeSpec` is never pickled (a spec may hold a lambda).
- **Bytes are not copied into the message.** Messages are pickled with protocol 5 and every
  encoded value rides out of band as a `PickleBuffer`, so a 100 MB table costs one write to the
  pipe, not a copy into a pickle first. A message on the pipe is one header frame (a count and
  the pickle) followed by one frame per out-of-band buffer.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

#: how a value was encoded: by its port's codec, or by pickle (ports without a codec)
CODEC, PICKLE = "codec", "pickle"

Encoded = tuple[str, Any]
_COUNT = struct.Struct("!I")
_SIZE, _LONG_SIZE = struct.Struct("!i"), struct.Struct("!Q")  # multiprocessing.Connection's framing


@dataclass(slots=True)
class Job:
    """One node call for a worker: the function by reference, encoded inputs, parameters, codecs."""

    node_id: str
    module: str
    qualname: str
    inputs: dict[str, Encoded]
    params: dict[str, Any]
    input_codecs: dict[str, Any] = field(default_factory=dict)
    output_codecs: dict[str, Any] = field(default_factory=dict)
    report_progress: bool = False  # send `Progress` messages while the node runs


@dataclass(slots=True)
class Progress:
    """A running node's report (`dataflow.sdk.progress`), sent before its `Done` or `Failed`."""

    fraction: float | None
    message: str


@dataclass(slots=True)
class Done:
    """A node call that returned: encoded outputs by port, seconds spent, warnings raised."""

    outputs: dict[str, Encoded]
    seconds: float
    warnings: list[str]


@dataclass(slots=True)
class Failed:
    """A node call that raised. `exception` is the pickled exception, or None when it does not
    survive a pickle round trip; the type name, message and traceback text always come along."""

    type_name: str
    message: str
    traceback: str
    exception: bytes | None = None


def encode(value: Any, codec: Any) -> Encoded:
    """Encode one value for the trip: its codec's bytes out of band, else the value itself (pickled
    with the message)."""
    if codec is None:
        return (PICKLE, value)
    data = codec.dumps(value)
    return (CODEC, pickle.PickleBuffer(data))


def decode(item: Encoded, codec: Any) -> Any:
    """Rebuild a value made by `encode` on the other side."""
    how, payload = item
    if how == PICKLE:
        return payload
    if codec is None:
        raise ValueError("a value encoded by a codec arrived on a port without one")
    return codec.loads(memoryview(payload))


def pack(message: Any) -> list[bytes | memoryview]:
    """Pickle `message` into frames: a header (buffer count + pickle), then each out-of-band buffer."""
    buffers: list[pickle.PickleBuffer] = []
    header = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    return [_COUNT.pack(len(buffers)) + header, *(b.raw() for b in buffers)]


def unpack(frames: list[bytes]) -> Any:
    """Rebuild a message from the frames `pack` made."""
    return pickle.loads(memoryview(frames[0])[_COUNT.size:], buffers=frames[1:])


def send_frames(conn: Connection, frames: list[bytes | memoryview]) -> None:
    """Write the frames of one message to a connection."""
    for frame in frames:
        conn.send_bytes(frame)


def receive_frames(conn: Connection) -> list[bytes | bytearray]:
    """Read the frames of one message; raises EOFError when the other end is gone."""
    receive = _reader(conn)
    header = receive()
    (count,) = _COUNT.unpack_from(header)
    return [header, *(receive() for _ in range(count))]


def _reader(conn: Connection) -> Callable[[], bytes | bytearray]:
    """`conn.recv_bytes`, or on POSIX a reader of the same framing straight into one preallocated
    buffer: `recv_bytes` gathers a large message in a BytesIO, one allocation per pipe read, and
    took about twice as long for an 80 MB table."""
    try:
        fd = conn.fileno()
    except (AttributeError, OSError, ValueError):
        return conn.recv_bytes
    if sys.platform == "win32":
        return conn.recv_bytes

    def receive() -> bytearray:
        (size,) = _SIZE.unpack(_read_exactly(fd, _SIZE.size, first=True))
        if size == -1:
            (size,) = _LONG_SIZE.unpack(_read_exactly(fd, _LONG_SIZE.size))
        return _read_exactly(fd, size)

    return receive


def _read_exactly(fd: int, size: int, first: bool = False) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        count = os.readv(fd, [view[done:]])
        if count == 0:
            if first and done == 0:
                raise EOFError
            raise OSError("got end of file during message")
        done += count
    return buffer
