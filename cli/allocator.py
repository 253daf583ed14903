"""glibc malloc settings for one-shot batch processes (`dataflow run`): reuse freed memory.

By default glibc gives each allocation above an adaptive threshold (128 KB to start with) its
own `mmap` and unmaps it when freed, and gives heap memory back to the kernel as soon as more
than 128 KB is free at the top. A pandas pipeline allocates and frees column-sized arrays at
every step (8 MB for a million int64 values), so each new array lands on fresh pages that the
kernel faults in and zeroes again. On virtual machines that hand free pages back to the host
(virtio-balloon free page reporting, as on this project's development VM) those faults cost several times
more, and in bursts. Measured on the data benchmark's pipeline (1M-row CSV -> filter -> group-by
-> join -> sample, new process each, 18 interleaved runs): median 364 ms without these settings,
282 ms with them, against 276 ms for the plain pandas script (`benchmarks/bench_data.py`).

The settings, all three needed (setting any one turns glibc's adaptive threshold off):
- `M_MMAP_THRESHOLD` 32 MB, glibc's maximum on 64-bit: column-sized arrays come from the heap;
- `M_TRIM_THRESHOLD` 1 GB: freed heap memory stays for the next node instead of being returned;
- `M_TOP_PAD` 64 MB: the heap grows in large steps.

The cost is memory held until the process exits (peak RSS was unchanged in that measurement),
which suits a command that exits when its run ends, not a long-lived server: the app does not
call this. Elsewhere than glibc (macOS, Windows, musl) nothing happens. `DATAFLOW_MALLOC_TUNING=0`
turns it off.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform

from . import FALSE_WORDS

log = logging.getLogger(__name__)

OPT_OUT_VARIABLE = "DATAFLOW_MALLOC_TUNING"

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

_SETTINGS = ((_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 1 << 30), (_M_TOP_PAD, 64 << 20))


def tune_for_batch() -> bool:
    """Apply the batch malloc settings to this process; True if glibc accepted all of them.

    Call it once, early, in a process that exits when its work is done."""
    if os.environ.get(OPT_OUT_VARIABLE, "").strip().lower() in FALSE_WORDS:
        log.debug("malloc settings left at glibc's defaults (%s is off)", OPT_OUT_VARIABLE)
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    applied = all(mallopt(param, value) == 1 for param, value in _SETTINGS)
    log.debug("malloc tuned for a batch run (freed memory reused): %s", "yes" if applied else "partly")
    return applied
