"""The `array` serializer: numpy arrays as `.npy` bytes, never pickled, loaded without copying.

`dumps` writes the standard `.npy` header and then copies the array's memory once into a buffer
of the final size (`np.save` into a BytesIO copies it twice and grows the buffer; a `bytearray`
would zero-fill it first, which costs more than the copy). `loads` parses
the header and wraps the data that follows with `np.frombuffer`: no copy, so an array loaded
from a memory map stays in the page cache. Loaded and shared arrays are read-only; a node that
wants to write calls `.copy()`.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from dataflow.sdk import Serializer

from ._common import is_instance, type_name
from .handoff import share_array

_MAGIC = b"\x93NUMPY"
#: Largest header parsed (numpy's own default limit is 10,000 characters).
_MAX_HEADER = 1 << 20


def _require_plain_array(value: Any) -> None:
    import numpy as np

    if type(value) is not np.ndarray:
        if isinstance(value, np.ndarray):
            raise TypeError(f"expected a plain numpy ndarray, got the subclass {type_name(value)}; "
                            f"convert it with np.asarray")
        raise TypeError(f"expected a numpy ndarray, got {type_name(value)}")
    if value.dtype.hasobject:
        raise TypeError("a numpy array of Python objects cannot be stored without pickle; "
                        "convert it to a numeric or string dtype first")


def npy_bytes(value: Any) -> memoryview:
    """The `.npy` file bytes of `value` (header version 1.0, or 2.0 for very large headers)."""
    import numpy as np
    from numpy.lib import format as npformat

    _require_plain_array(value)
    header = npformat.header_data_from_array_1_0(value)
    head = io.BytesIO()
    try:
        npformat.write_array_header_1_0(head, header)
    except ValueError:  # more than 65,535 header bytes (huge structured dtypes)
        head = io.BytesIO()
        npformat.write_array_header_2_0(head, header)
    prefix = head.getvalue()
    out = np.empty(len(prefix) + value.nbytes, dtype=np.uint8)  # not bytearray: it zero-fills (8x slower)
    out[: len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    if value.size and value.dtype.itemsize:
        order = "F" if header["fortran_order"] else "C"
        target = np.ndarray(value.shape, dtype=value.dtype, buffer=out, offset=len(prefix), order=order)
        target[...] = value
    return memoryview(out)


def npy_array(data: Any) -> Any:
    """The array in `.npy` bytes `data`, viewing the data in place (read-only)."""
    import numpy as np
    from numpy.lib import format as npformat

    view = memoryview(data).cast("B")
    if bytes(view[:6]) != _MAGIC or len(view) < 10:
        raise ValueError("not a .npy file")
    major = view[6]
    if major == 1:
        length, start = int.from_bytes(view[8:10], "little"), 10
    elif major in (2, 3):
        length, start = int.from_bytes(view[8:12], "little"), 12
    else:
        raise ValueError(f"unsupported .npy format version {major}")
    if length > _MAX_HEADER or start + length > len(view):
        raise ValueError(".npy header is damaged")
    head = io.BytesIO(bytes(view[: start + length]))
    version = npformat.read_magic(head)
    if version == (1, 0):
        shape, fortran, dtype = npformat.read_array_header_1_0(head, max_header_size=_MAX_HEADER)
    elif version == (2, 0):
        shape, fortran, dtype = npformat.read_array_header_2_0(head, max_header_size=_MAX_HEADER)
    else:  # 3.0 (utf-8 field names) has no public reader: let numpy copy it
        return _read_only(np.load(io.BytesIO(bytes(view)), allow_pickle=False))
    if dtype.hasobject:
        raise ValueError("refusing a .npy file of Python objects (it would need pickle)")
    count = math.prod(shape)
    offset = start + length
    if dtype.itemsize == 0 or count == 0:
        return _read_only(np.empty(shape, dtype=dtype))
    if len(view) - offset != count * dtype.itemsize:
        raise ValueError(f".npy data is {len(view) - offset} bytes, expected {count * dtype.itemsize}")
    flat = np.frombuffer(view, dtype=dtype, count=count, offset=offset)
    return _read_only(flat.reshape(shape, order="F" if fortran else "C"))


def _read_only(array: Any) -> Any:
    array.flags.writeable = False
    return array


class ArraySerializer(Serializer):
    """numpy arrays as `.npy` (no pickle; object arrays are refused)."""

    id = "npy-array"
    port_type = "array"
    python_type = "numpy.ndarray"
    export_suffix = ".npy"

    def check(self, value: Any) -> None:
        """Raise TypeError unless `value` is a numpy array."""
        if not is_instance(value, "numpy", "ndarray"):
            raise TypeError(f"expected a numpy ndarray, got {type_name(value)}")

    def dumps(self, value: Any) -> memoryview:
        """`.npy` bytes; TypeError for object arrays and ndarray subclasses (they would not round-trip)."""
        return npy_bytes(value)

    def loads(self, data: memoryview) -> Any:
        """A read-only array over `data` (which must outlive it)."""
        return npy_array(data)

    def sizeof(self, value: Any) -> int:
        """Bytes of the array's data plus the array object."""
        return int(value.nbytes) + 112

    def share(self, value: Any) -> Any:
        """A read-only view that cannot be made writeable: writing into it raises instead of
        changing the cached array (see `handoff.py`)."""
        return share_array(value)

    def export(self, value: Any, path: Path) -> None:
        """Write a `.npy` file that `numpy.load` reads (without allow_pickle)."""
        Path(path).write_bytes(npy_bytes(value))
