"""Handing a value to a node so that nothing the node does reaches another node or the cache.

The engine gives every consumer `Serializer.share(value)` of the value it keeps (and the cache
keeps). For tables, series and arrays a share costs microseconds, not a copy of the data:

- **Numbers and other numpy-backed columns** are shared through pandas copy-on-write: a node's
  `df.loc[...] = ...` copies the block first. What copy-on-write cannot stop is a node that takes
  a read-only view (`to_numpy()`, `.values`) and forces it writable with `setflags(write=True)`:
  numpy allows that whenever an array further down the view's chain is writeable. So the kept
  value's own arrays are marked read-only first (`freeze_arrays`), and such a `setflags` raises
  `ValueError` instead of changing the kept value. The kept value is alive while its consumers
  run (the engine holds it), so copy-on-write still copies before any write a node makes.
- **Object columns** hold Python objects that copy-on-write does not copy: a node appending to a
  list in a cell would change every other holder's list. A share gives each object column whose
  cells are mutable (lists, dicts, sets, anything outside a list of known immutable types) its
  own copy of those cells; columns of strings, numbers, dates and the like are not copied.
  The cost is paid only where mutation is possible: measured on this machine, a share of a
  1M-row, 10-column numeric frame 0.07 ms (a bare shallow copy 0.01 ms); the first share of
  a 1M-row object column of strings 24 ms (its type scan, remembered for later shares); a
  column of lists of numbers about 1.5 us per cell.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import fractions
import weakref
from functools import lru_cache
from typing import Any

from ._common import loaded_class
from .dtypes import is_object

#: cell types whose values cannot change in place (numpy and pandas scalars are added when loaded)
_IMMUTABLE: frozenset[type] = frozenset({
    str, bytes, int, float, complex, bool, type(None), decimal.Decimal, fractions.Fraction,
    datetime.date, datetime.datetime, datetime.time, datetime.timedelta, range, frozenset})
#: attributes of pandas extension arrays that hold their numpy data (masked, datetime, categorical)
_BACKING = ("_ndarray", "_data", "_mask", "_codes")


def freeze_array(array: Any) -> bool:
    """Mark `array` and every array it is a view of read-only. True when no view of it can be made
    writeable again; False when its memory belongs to a writeable buffer that is not an array
    (a `bytearray`, say), which numpy would let a view write into."""
    ndarray = loaded_class("numpy", "ndarray")
    while isinstance(array, ndarray):
        array.flags.writeable = False
        array = array.base
    if array is None:
        return True
    try:
        with memoryview(array) as buffer:
            return buffer.readonly
    except TypeError:  # not a buffer: numpy cannot write through it either
        return True


def freeze_arrays(values: Any) -> None:
    """Mark the numpy memory behind a pandas array (or numpy array) read-only; see `freeze_array`."""
    ndarray = loaded_class("numpy", "ndarray")
    if isinstance(values, ndarray):
        freeze_array(values)
        return
    for name in _BACKING:
        inner = getattr(values, name, None)
        if isinstance(inner, ndarray):
            freeze_array(inner)
        elif inner is not None and hasattr(inner, "_ndarray"):  # a categorical's codes, say
            freeze_arrays(inner)


def freeze_frame(df: Any) -> None:
    """Mark every numpy array behind the columns and the index of DataFrame `df` read-only."""
    for values in df._mgr.arrays:  # one array per block: a wide frame of one dtype is one array
        freeze_arrays(values)
    freeze_index(df.index)


def freeze_index(index: Any) -> None:
    """Mark the numpy array behind a flat, materialized index read-only. A RangeIndex has none
    (asking for its `_data` would build and keep one), a MultiIndex only immutable parts."""
    if type(index).__name__ in ("RangeIndex", "MultiIndex"):
        return
    freeze_arrays(getattr(index, "_data", None))


def share_frame(df: Any) -> Any:
    """A DataFrame a node may change freely without changing `df` (see the module docstring)."""
    freeze_frame(df)
    shared = df.copy(deep=False)
    for position, dtype in enumerate(df.dtypes):
        if is_object(dtype):
            cells = _own_cells(df.iloc[:, position].to_numpy())
            if cells is not None:
                shared.isetitem(position, cells)
    return shared


def share_series(series: Any) -> Any:
    """A Series a node may change freely without changing `series`."""
    for values in series._mgr.arrays:
        freeze_arrays(values)
    freeze_index(series.index)
    shared = series.copy(deep=False)
    if is_object(series.dtype):
        cells = _own_cells(series.to_numpy())
        if cells is not None:
            shared = type(series)(cells, index=shared.index, name=series.name, dtype=object)
            shared.attrs = dict(series.attrs)
    return shared


def share_array(array: Any) -> Any:
    """A read-only view of `array` that cannot be made writeable (or a read-only copy when the
    array's memory belongs to a writeable buffer that is not an array)."""
    if not freeze_array(array):
        array = array.copy()
        array.flags.writeable = False
    view = array.view()
    view.flags.writeable = False
    return view


def _own_cells(values: Any) -> Any | None:
    """A new object array with copies of the mutable cells of `values`, or None when every cell is
    immutable (then sharing the cells is safe). The verdict for a frozen array is remembered: its
    cells cannot be replaced, so the next consumer of the same value skips the scan."""
    owner = values
    while owner.base is not None and isinstance(owner.base, type(values)):
        owner = owner.base  # a column is a new view each time: remember the verdict by its memory
    key = (id(owner), values.__array_interface__["data"][0], values.shape, values.strides)
    if key in _ALL_IMMUTABLE:
        return None
    immutable = _immutable_types()
    if set(map(type, values)) <= immutable:
        if not owner.flags.writeable:
            _ALL_IMMUTABLE.add(key)
            weakref.finalize(owner, _ALL_IMMUTABLE.discard, key)
        return None
    import numpy as np

    owned = np.empty(len(values), dtype=object)
    owned[:] = [cell if type(cell) in immutable else _copy_cell(cell, immutable) for cell in values]
    return owned


def _copy_cell(cell: Any, immutable: frozenset[type]) -> Any:
    """A copy of a mutable cell: flat lists, dicts and sets of immutable values by a shallow copy
    (the common case, several times faster), anything else by `copy.deepcopy`."""
    kind = type(cell)
    items = cell.values() if kind is dict else cell if kind is list or kind is set else None
    if items is not None and all(type(item) in immutable for item in items):
        return cell.copy()
    return copy.deepcopy(cell)


#: (owner id, data address, shape, strides) of frozen object columns whose cells are all
#: immutable; an entry is dropped when its owner array is freed
_ALL_IMMUTABLE: set[tuple[int, int, tuple[int, ...], tuple[int, ...]]] = set()


@lru_cache(maxsize=1)
def _immutable_types() -> frozenset[type]:
    """`_IMMUTABLE` and numpy's and pandas' scalar types (called once pandas is loaded)."""
    extra = set()
    numpy = loaded_class("numpy", "generic")
    if numpy is not None:
        extra.update(_subclasses(numpy))
    for name in ("Timestamp", "Timedelta", "Period", "Interval"):
        cls = loaded_class("pandas", name)
        if cls is not None:
            extra.add(cls)
    nat = loaded_class("pandas", "NaT")
    if nat is not None:
        extra.add(type(nat))
    na = loaded_class("pandas", "NA")
    if na is not None:
        extra.add(type(na))
    return _IMMUTABLE | extra


def _subclasses(cls: type) -> set[type]:
    found, stack = set(), [cls]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(current.__subclasses__())
    return found
