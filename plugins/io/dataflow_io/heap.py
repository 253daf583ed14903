"""Giving the CSV parser's scratch memory back to the operating system after a large read.

pandas parses a large file in chunks on several threads, then joins the chunks into the table's
columns and frees them. glibc keeps that freed memory: it lies between live blocks and in the
parser threads' own arenas, where trimming the top of the heap does not reach it. Measured on
the 10M-row orders CSV of `benchmarks/bench_command.py --big` (531 MB; 880 MiB as a table), the
process held 1,496 MiB after the read, 639 MiB of it free heap. The next nodes could not reuse
it: their 10M-row columns are larger than the 32 MB above which `dataflow run` maps each array
on its own (cli/allocator.py). It was still resident at the run's peak, the filter, which holds
the source table and its own output: the peak was 3.1x the table, all of that waste included.

`release_free_heap` asks glibc (`malloc_trim(0)`: free pages of every arena) to return it when
at least RELEASE_BYTES lie free, which took 141 ms there and brought the process to 1,027 MiB.
Less free memory is kept, as cli/allocator.py intends, for the next nodes to reuse without
faulting pages in again (a 1M-row CSV leaves about 200 MB). Nothing happens outside glibc.
"""

from __future__ import annotations

import ctypes
import platform
from functools import cache

#: free heap bytes from which a large read gives them back (below: kept for the next nodes)
RELEASE_BYTES = 256 << 20

_FIELDS = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
           "keepcost")


class _MallInfo2(ctypes.Structure):
    """glibc's `struct mallinfo2` (glibc 2.33 and later): every field a size_t."""

    _fields_ = [(name, ctypes.c_size_t) for name in _FIELDS]


@cache
def _libc() -> ctypes.CDLL | None:
    """The C library when it is glibc with `mallinfo2` and `malloc_trim`, else None."""
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = _MallInfo2
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def free_heap_bytes() -> int:
    """Bytes glibc holds free in its heaps (every arena), or 0 where that cannot be asked."""
    libc = _libc()
    return 0 if libc is None else int(libc.mallinfo2().fordblks)


def release_free_heap(minimum: int = RELEASE_BYTES) -> bool:
    """Return glibc's free heap memory to the operating system when at least `minimum` bytes of
    it lie free; True when it was asked to."""
    libc = _libc()
    if libc is None or free_heap_bytes() < minimum:
        return False
    libc.malloc_trim(0)
    return True
