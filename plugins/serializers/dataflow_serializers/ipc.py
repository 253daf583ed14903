"""Arrow IPC *file* format in memory: one record batch, no compression, read zero-copy.

One batch keeps every column in one chunk, so `to_pandas` does not concatenate (write_feather's
default 64k-row chunks cost about 50% more on read). Making one chunk of a column that comes in
several (`read_csv`'s string columns do) copies it, though: `write_table_file`, the disk tier's
path for large tables, writes a table of ONE_BATCH_BYTES or more whose columns come in several
chunks as batches of about GROUP_BYTES, combining one group at a time, so a 10M-row table of
870 MB is written with a transient copy of one group, not a second copy of every string column
(470 MB) held while the next nodes run. The background writer holds that copy while the next node
computes, at the run's peak: groups of 32 MB instead of 128 MB took 244 MiB off the peak of the
10M-row pipeline of `benchmarks/bench_command.py --big` (2,439 -> 2,195 MiB), and reading the
file back was no slower (0.55 against 0.69 s, the best of 6 alternated reads, busy machine). The writer measures the file with a mock
stream first and then fills a buffer of exactly that size: a growing buffer would copy the
whole table several times. `write_table_file` streams the same bytes into a file instead (the
disk tier's path for large tables). The reader wraps the given memory (which may be a memory map)
without copying it, so the loaded table is only valid while that memory is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: under this many bytes of columns, `write_table` writes once into a growing buffer
SMALL_BYTES = 1 << 20


def write_table(table: Any) -> memoryview:
    """The Arrow IPC file bytes of `table`, written as a single record batch."""
    import pyarrow as pa

    table = table.combine_chunks()
    chunk = max(table.num_rows, 1)
    if table.nbytes < SMALL_BYTES:  # a growing buffer's copies cost less than a second pass
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=chunk)
        return memoryview(sink.getvalue())
    mock = pa.MockOutputStream()
    with pa.ipc.new_file(mock, table.schema) as writer:
        writer.write_table(table, max_chunksize=chunk)
    buffer = pa.allocate_buffer(mock.size())
    with pa.ipc.new_file(pa.FixedSizeBufferWriter(buffer), table.schema) as writer:
        writer.write_table(table, max_chunksize=chunk)
    return memoryview(buffer)


#: `write_table_file` writes a table under this many bytes as one batch (the fastest to read back)
ONE_BATCH_BYTES = 128 << 20

#: a larger table's chunks are combined into batches of about this many bytes, one at a time
GROUP_BYTES = 32 << 20


def write_table_file(table: Any, path: Path) -> None:
    """Write `table` as an Arrow IPC file straight into the new file `path`: the bytes of
    `write_table` when it is under ONE_BATCH_BYTES or already in one chunk per column, else one
    batch per group of about GROUP_BYTES (the chunks of each group combined, one group at a time)."""
    import pyarrow as pa

    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        if table.nbytes < ONE_BATCH_BYTES or all(column.num_chunks <= 1 for column in table.columns):
            writer.write_table(table.combine_chunks(), max_chunksize=max(table.num_rows, 1))
            return
        for group in _groups(table.to_batches()):
            combined = pa.Table.from_batches(group, table.schema).combine_chunks()
            writer.write_table(combined, max_chunksize=max(combined.num_rows, 1))
            del combined, group


def _groups(batches: list) -> Any:
    """Consecutive batches in runs of about GROUP_BYTES (a larger batch makes a run of its own)."""
    group: list = []
    size = 0
    for batch in batches:
        if group and size + batch.nbytes > GROUP_BYTES:
            yield group
            group, size = [], 0
        group.append(batch)
        size += batch.nbytes
    if group:
        yield group


def read_table(data: Any) -> Any:
    """The Arrow table in IPC file bytes `data` (bytes, memoryview or mmap), without copying them."""
    import pyarrow as pa

    return pa.ipc.open_file(pa.py_buffer(data)).read_all()
