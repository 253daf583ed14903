"""The disk tier: node outputs as plain bytes in a diskcache folder, checked on every read.

Layout, in `settings.directory / "disk"` (mode 0700), one `diskcache.Cache` used as index and
value store through `SafeDisk`, which never pickles. A small entry (manifest and values under
INLINE_MAX_BYTES, 64 KiB: nearly every node output but a large table) is one row:

    "<key>"         the packed entry (see `inline.py`): its manifest, naming its key, then the
                    bytes of `serializer.dumps(value)` for each output port

A larger entry keeps a row per port, as every entry had before small ones were packed (such
folders still read):

    "<key>/<port>"  the bytes of each output port (a file of its own above 32 kB, else in cache.db)
    "<key>"         the manifest, JSON text (see `manifest.py`) that names its key, written last

Every row of an entry is tagged with the entry's key, so `delete` removes ports and manifest
together, including leftovers of an interrupted write.

Writing: an entry that its serializers' `sizeof` already shows is recomputed instead of stored
(`recomputed_instead`) is dropped before anything is serialized, and is not even queued
(`write_size`). Otherwise every port is serialized and checksummed first (outside any lock). The
background writer's batch of small entries then goes in as one `executemany` in one transaction
(`inline.insert`: a few microseconds an entry); the larger entries in one `transact()`, each
unless another thread or process stored it meanwhile, ports first and the manifest last. A reader
therefore sees a whole entry or none, and a kill -9 mid-batch leaves each transaction all in or
all out.

Opening: a tier on an existing cache only checks that cache.db answers; reads are plain SELECTs
on their own connections (`reads.py`), and the `diskcache.Cache`, whose opening costs ~4 ms,
is opened on the first write, delete or count. A fully cached run therefore starts in about a
millisecond.

Reading: `contains` asks only for the entry's row. A packed entry is checked and split in
memory (`inline.unpack`: key, sizes and checksums). Otherwise `get` parses the manifest, then for each
port fetches the value with `read=True`: a value in its own file comes back as a file handle;
a large one (>= 8 MiB) is memory-mapped read-only and handed to `serializer.loads` as a
memoryview, so a 100 MB table is never copied by the cache; the map stays alive as long as the
value references it (and survives the file being evicted or replaced meanwhile). Smaller files
are read into bytes: each map holds a file descriptor, and copying a few MB costs under 1 ms.
Size and xxh3_128 are verified before `loads`; a value file already verified by this process
and unchanged since (same inode, size and modification time) is not hashed again. Any problem raises `CacheError` naming the key and port, which the composer
turns into a miss.

Large outputs of nodes that neither read outside data nor declared `cache="keep"` are not stored
(`recomputed_instead`); the engine then leaves such a node unrun while everything downstream of it
is cached.

Eviction is diskcache's default, least recently *stored*: a read is a plain SELECT and never
takes the database's write lock, so a hit never waits behind a background write.

Value files are named after their writer's process id: when a process first opens the full
cache, files that no row names and whose writer is gone (a killed write) are removed, and
`clear` leaves only the empty index (see `leftovers.py`).

A `cache.db` that SQLite cannot read is moved aside (`disk.broken-<timestamp>`) and an empty
cache is started: a broken cache costs recomputation, never a crash.
"""

from __future__ import annotations

import logging
import mmap
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xxhash

from dataflow.sdk import CacheEntry, CacheError, CacheSettings, CacheTier

from .inline import INLINE_MAX_BYTES, insert, is_packed, pack, unpack, volume
from .leftovers import remove_unnamed, sweep_orphans
from .manifest import PortRecord, WrittenFile, checksum, dump_manifest, parse_manifest
from .reads import CacheReader

if TYPE_CHECKING:
    import diskcache

log = logging.getLogger(__name__)

#: values at least this large are memory-mapped instead of read. Each live map holds a file
#: descriptor (Python < 3.13 dups it), so smaller values, cheap to copy, are read into bytes:
#: a 1 GB memory tier then pins at most ~128 descriptors.
MMAP_MIN_BYTES = 8 << 20

#: the most bytes of serialized values a batch of writes holds in memory before committing them
BATCH_BYTES = 64 << 20

#: values estimated at least this large are streamed into their value file by serializers that
#: can (`Serializer.dump_file`) instead of being built in memory and then copied to the file
STREAM_MIN_BYTES = 8 << 20

#: value files this process has verified, by (device, inode, size, mtime_ns, checksum): a file
#: rewritten since then changes one of them and is checked again. Checksums guard against torn
#: writes and bit rot, which do not happen between two reads of an unchanged file in one process.
_verified: dict[tuple, None] = {}
_VERIFIED_MAX = 4096


def _file_identity(handle: Any, expected: str) -> tuple | None:
    try:
        stat = os.fstat(handle.fileno())
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, expected)


def _remember_verified(identity: tuple) -> None:
    if len(_verified) >= _VERIFIED_MAX:
        _verified.pop(next(iter(_verified)))
    _verified[identity] = None


#: Large outputs are stored only when recomputing them would cost more than reading them back,
#: judged by fixed facts, never by how long the node happened to take (that depends on how loaded
#: the machine was): an entry under RECOMPUTE_MIN_BYTES is always stored; a larger one only when its
#: node reads outside data (a source: parsing a CSV again costs far more than reading Arrow back)
#: or declared `cache="keep"`. Any other large output (a filter, a join, a sort of a large table) is
#: recomputed from its cached inputs, which on this class of machine costs about what writing it
#: (a few hundred MB/s) and reading it back would.
RECOMPUTE_MIN_BYTES = 32 << 20


def recomputed_instead(entry: CacheEntry, nbytes: int) -> bool:
    """True for an entry of `nbytes` that the tier does not store (see RECOMPUTE_MIN_BYTES)."""
    return nbytes >= RECOMPUTE_MIN_BYTES and not (entry.source or entry.keep)


#: errors of the storage layer that make an entry unreadable (not our own CacheErrors). diskcache's
#: `Timeout` is not among them: every diskcache call here passes `retry=True`, which waits instead
#: (and leaves diskcache unimported until the first write: a fully cached run never needs it)
_STORAGE_ERRORS = (sqlite3.Error, OSError, ValueError)


class DiskTier(CacheTier):
    """Node outputs in a private folder on disk: plain bytes, checksummed, never pickled."""

    id = "disk"
    order = 10
    persistent = True
    description = "diskcache folder of serialized outputs (Arrow IPC, JSON, .npy), checked with xxh3"

    def __init__(self, settings: CacheSettings):
        super().__init__(settings)
        self.directory = Path(settings.directory) / "disk"
        self.limit = int(settings.disk_bytes)
        self._full: diskcache.Cache | None = None
        self._open_lock = threading.Lock()
        self._database = self.directory / "cache.db"
        self._reader = CacheReader(self._database)
        # A fresh folder gets its database from the first write, in the background writer: setting
        # one up costs about 7 ms, which a first run would otherwise wait for before its first node.
        _private_dir(self.directory)  # private from the start, even before anything is stored
        self._exists = self._database.is_file()
        if self._exists and not self._readable():
            self._full = self._open()  # a damaged database: move it aside now, not during a run

    @property
    def _cache(self) -> diskcache.Cache:
        """The full diskcache.Cache, opened on the first write, delete or count (see reads.py)."""
        if self._full is None:
            with self._open_lock:
                if self._full is None:
                    self._full = self._open()
        return self._full

    def _readable(self) -> bool:
        """True when the existing cache.db answers the reader: the tier can start without opening it."""
        try:
            self._reader.check()
            return True
        except sqlite3.Error:
            self._reader.close()
            return False

    # --- opening ------------------------------------------------------------------------

    def _open(self) -> diskcache.Cache:
        try:  # first: on a full disk, what killed or failed writes left may be what fills it
            swept = sweep_orphans(self.directory)
        except OSError as exc:
            log.warning("disk cache at %s: could not look for leftovers of killed writes: %s", self.directory, exc)
        else:
            if swept:
                log.info("disk cache at %s: removed %d value file(s) left by killed writes", self.directory, swept)
        return self._open_index()

    def _open_index(self) -> diskcache.Cache:
        try:
            return self._connect()
        except sqlite3.OperationalError as exc:  # locked, unwritable: not damage, do not move it
            raise CacheError(f"disk cache at {self.directory} cannot be opened: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            self._reader.close()  # its connections point at the damaged file
            aside = self._move_aside()
            log.warning("disk cache at %s is damaged (%s); moved it to %s and started an empty one",
                        self.directory, exc, aside)
        try:
            return self._connect()
        except sqlite3.Error as exc:
            raise CacheError(f"disk cache at {self.directory} cannot be opened: {exc}") from exc

    def _connect(self) -> diskcache.Cache:
        import diskcache  # the writing side's library: loaded by the first write, delete or count

        from .safedisk import SafeDisk

        _private_dir(self.directory)
        # cull_limit=0: no eviction check inside every `set` (three statements each, two sets per
        # entry); `_commit` culls once per committed batch instead
        return diskcache.Cache(str(self.directory), disk=SafeDisk, size_limit=self.limit,
                               eviction_policy="least-recently-stored", tag_index=True, cull_limit=0)

    def _move_aside(self) -> Path | None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for attempt in range(100):
            suffix = f"-{attempt}" if attempt else ""
            target = self.directory.with_name(f"{self.directory.name}.broken-{stamp}{suffix}")
            if target.exists():
                continue
            try:
                self.directory.rename(target)
                return target
            except FileNotFoundError:  # another process moved it first
                return None
            except OSError:
                continue
        raise CacheError(f"disk cache at {self.directory} is damaged and could not be moved aside")

    # --- reading ------------------------------------------------------------------------

    def _started(self) -> bool:
        """True once the database exists and answers: created by this tier's first write, or by
        another process sharing the folder. Until then there is nothing to look up."""
        if not self._exists:
            if self._full is not None:
                self._exists = True
            elif self._database.is_file():
                try:
                    self._reader.check()
                    self._exists = True
                except sqlite3.Error:
                    pass  # its creator is still setting it up (other threads' connections stay open)
        return self._exists

    def contains(self, key: str) -> bool:
        """True when the entry's manifest is present (nothing is read or checked)."""
        if not self._started():
            return False
        try:
            return self._reader.contains(key)
        except _STORAGE_ERRORS as exc:
            log.warning("disk cache: lookup of %s failed: %s", key, exc)
            return False

    def get(self, key: str) -> CacheEntry | None:
        """The checked entry under `key`, None when absent; CacheError when any part is unreadable."""
        text = self._fetch(key, key, read=False)
        if text is None:
            return None
        if is_packed(text):  # a small entry: manifest and values in its one row
            packed = unpack(text, key)
            ports = {port: record for port, (record, _) in packed[0].items()}
            values: dict[str, memoryview] = {port: data for port, (_, data) in packed[0].items()}
            warnings = packed[1]
        else:  # manifest text, values in rows and files of their own
            ports, warnings = parse_manifest(text, key)
            values = {}
        outputs: dict[str, Any] = {}
        port_types: dict[str, str] = {}
        for port, record in ports.items():
            serializer = self.settings.serializers.get(record.port_type)
            if serializer is None:
                raise CacheError(f"cache entry {key}, port '{port}': no serializer for port type "
                                 f"'{record.port_type}' is installed")
            if serializer.id != record.serializer:
                raise CacheError(f"cache entry {key}, port '{port}': stored by serializer "
                                 f"'{record.serializer}', but '{serializer.id}' handles '{record.port_type}' now")
            data = values[port] if port in values else self._read_value(key, port, record)
            try:
                outputs[port] = serializer.loads(data)
            except Exception as exc:
                raise CacheError(f"cache entry {key}, port '{port}': serializer '{serializer.id}' could not "
                                 f"load it ({type(exc).__name__}: {exc})") from exc
            port_types[port] = record.port_type
        return CacheEntry(outputs, port_types, warnings)

    def _fetch(self, key: str, part: str, *, read: bool) -> Any:
        if not self._started():
            return None
        try:
            return self._reader.get(part, read=read)
        except CacheError as exc:
            raise CacheError(f"cache entry {key}, part '{part}': {exc}") from None
        except _STORAGE_ERRORS as exc:
            raise CacheError(f"cache entry {key}, part '{part}': storage error "
                             f"({type(exc).__name__}: {exc})") from exc

    def _read_value(self, key: str, port: str, record: PortRecord) -> memoryview:
        """The verified bytes of one port: a memoryview over a read-only map, or over bytes."""
        found = self._fetch(key, f"{key}/{port}", read=True)
        if found is None:
            raise CacheError(f"cache entry {key}, port '{port}': value is missing (evicted or deleted)")
        identity = None
        if isinstance(found, bytes):
            data = memoryview(found)
        elif hasattr(found, "fileno"):
            identity = _file_identity(found, record.xxh3)
            data = _map(found, key, port)
        else:
            raise CacheError(f"cache entry {key}, port '{port}': stored as {type(found).__name__}, "
                             "expected bytes")
        if data.nbytes != record.size:
            raise CacheError(f"cache entry {key}, port '{port}': {data.nbytes} bytes on disk, "
                             f"{record.size} expected (truncated or replaced)")
        if identity is not None and identity in _verified:
            return data
        if checksum(data) != record.xxh3:
            raise CacheError(f"cache entry {key}, port '{port}': checksum mismatch (the value file was altered)")
        if identity is not None:
            _remember_verified(identity)
        return data

    # --- writing ------------------------------------------------------------------------

    def write_size(self, entry: CacheEntry) -> int | None:
        """The entry's estimated size (its serializers' `sizeof`), None when it would not be stored."""
        sizes = self._estimated_sizes(entry)
        if sizes is None:
            return 0
        estimate = sum(sizes.values())
        return None if recomputed_instead(entry, estimate) else estimate

    def put(self, key: str, entry: CacheEntry) -> None:
        """Store `entry` unless already stored; skip it with a warning if a port cannot be serialized."""
        prepared = self._prepare(key, entry)
        if prepared is not None:
            self._commit([prepared])

    def put_many(self, items: list[tuple[str, CacheEntry]]) -> None:
        """Store the background writer's batch: every entry serialized, then one transaction for
        all of their index rows (about BATCH_BYTES of values held in memory at most). One commit
        per entry cost more than serializing a small table; a killed writer still leaves whole
        entries or none, since each commit holds whole entries."""
        pending: list[tuple[str, dict, str]] = []
        held = 0
        for key, entry in items:
            try:
                prepared = self._prepare(key, entry)
            except Exception as exc:  # one entry's failure must not lose the rest of the batch
                log.warning("disk cache: entry %s not stored: %s: %s", key, type(exc).__name__, exc)
                continue
            if prepared is None:
                continue
            pending.append(prepared)
            held += len(prepared[2]) + sum(record.size for record, data in prepared[1].values()
                                           if not isinstance(data, WrittenFile))
            if held >= BATCH_BYTES:
                self._commit_each_on_error(pending)
                pending, held = [], 0
        if pending:
            self._commit_each_on_error(pending)

    def _commit_each_on_error(self, pending: list[tuple[str, dict, str]]) -> None:
        """Commit `pending` at once; when that fails, entry by entry, so one bad entry costs only itself."""
        try:
            self._commit(pending)
        except CacheError as exc:
            if len(pending) == 1:
                log.warning("%s", exc)
                return
            for prepared in pending:
                if any(isinstance(data, WrittenFile) for _, data in prepared[1].values()):
                    # its value files went with the failed batch (`_commit` removes what it could not
                    # record): recording it now would point at files that are gone
                    log.warning("disk cache: entry %s not stored (%s)", prepared[0], exc)
                    continue
                try:
                    self._commit([prepared])
                except CacheError as single:
                    log.warning("%s", single)

    def _prepare(self, key: str, entry: CacheEntry) -> tuple[str, dict, str | bytes] | None:
        """(key, parts, manifest) ready to be recorded, or None when the entry is not stored
        (cheaper to recompute, too large, or a port cannot be serialized). A small entry comes
        packed, as (key, {}, the bytes of its one row) (see `inline.py`)."""
        sizes = self._estimated_sizes(entry)
        estimate = None if sizes is None else sum(sizes.values())
        if estimate is not None and recomputed_instead(entry, estimate):
            # decided before serializing: turning a 100 MB table into bytes only to drop them
            # costs the writer as much as a fifth of the run
            log.debug("disk cache: entry %s (about %d bytes) is recomputed rather than stored", key, estimate)
            return None
        parts = self._serialize(key, entry, sizes or {})
        if parts is None:
            return None
        keep = False
        try:
            records = {port: record for port, (record, _) in parts.items()}
            manifest = dump_manifest(key, records, entry.warnings)
            total = sum(record.size for record in records.values()) + len(manifest)
            if recomputed_instead(entry, total):
                log.debug("disk cache: entry %s (%d bytes) is recomputed rather than stored", key, total)
                return None
            if total > self.limit:
                log.warning("disk cache: entry %s (%d bytes) exceeds the %d-byte limit and is not stored",
                            key, total, self.limit)
                return None
            keep = True
            if total < INLINE_MAX_BYTES and not any(isinstance(data, WrittenFile) for _, data in parts.values()):
                return key, {}, pack(manifest, [data for _, data in parts.values()])
            return key, parts, manifest
        finally:
            if not keep:  # files streamed for an entry that will not be recorded would be orphans
                self._discard(parts)

    def _commit(self, pending: list[tuple[str, dict, str]]) -> None:
        """Record the prepared entries, each unless another thread or process stored it meanwhile:
        the packed ones with one `executemany` in one transaction (`inline.insert`), then the
        others in one transaction, ports first and the manifest last (a reader sees a whole entry
        or none); then evict down to the limit when the cache is over it."""
        stored = False
        packed = [(key, manifest) for key, _, manifest in pending if isinstance(manifest, bytes)]
        files = [prepared for prepared in pending if not isinstance(prepared[2], bytes)]
        try:
            cache = self._cache  # opened once per process: sweeps killed writes' files, makes the schema
            if packed:  # one statement, one transaction for every small entry of the batch
                insert(self._reader.connection(), packed)
            if files:
                with cache.transact(retry=True):
                    for key, parts, manifest in files:
                        if key in cache:  # stored meanwhile by another thread or process
                            self._discard(parts)
                            continue
                        for port, (_, data) in parts.items():
                            cache.set(f"{key}/{port}", data, tag=key, retry=True)
                        cache.set(key, manifest, tag=key, retry=True)
            stored = True
            if volume(self._reader.connection()) > self.limit:  # least recently stored first, down to the limit
                cache.cull(retry=True)
        except _STORAGE_ERRORS as exc:
            if stored:  # the entries are in; only the eviction failed, to be tried after the next batch
                log.warning("disk cache at %s: eviction failed: %s", self.directory, exc)
                return
            keys = ", ".join(key for key, _, _ in pending[:3]) + (" ..." if len(pending) > 3 else "")
            raise CacheError(f"cache entry {keys}: could not be written ({type(exc).__name__}: {exc})") from exc
        finally:
            if not stored:  # files streamed for entries that were not recorded would be orphans
                for _, parts, _ in pending:
                    self._discard(parts)

    def _estimated_sizes(self, entry: CacheEntry) -> dict[str, int] | None:
        """Each port's size in memory by its serializer's `sizeof` (about its stored size), or None
        when a port has no serializer or its estimate fails."""
        sizes = {}
        for port, value in entry.outputs.items():
            serializer = self.settings.serializers.get(entry.port_types.get(port, ""))
            if serializer is None:
                return None
            try:
                sizes[port] = int(serializer.sizeof(value))
            except Exception:  # the exact size is taken after serializing instead
                return None
        return sizes

    def _serialize(self, key: str, entry: CacheEntry,
                   sizes: dict[str, int]) -> dict[str, tuple[PortRecord, Any]] | None:
        """Port -> (record, bytes or the file they were streamed to) for every output, or None when
        one of them cannot be stored (a partial entry would hand downstream nodes a result with a
        port missing). A port estimated at STREAM_MIN_BYTES or more is streamed into its value file
        when its serializer can (`dump_file`): one copy of a large table instead of two."""
        parts: dict[str, tuple[PortRecord, Any]] = {}
        for port, value in entry.outputs.items():
            port_type = entry.port_types.get(port, "")
            serializer = self.settings.serializers.get(port_type)
            if serializer is None:
                log.warning("disk cache: entry %s not stored: no serializer for port '%s' (type '%s')",
                            key, port, port_type)
                self._discard(parts)
                return None
            try:
                written = self._stream(key, serializer, value, compact=entry.source) \
                    if sizes.get(port, 0) >= STREAM_MIN_BYTES else None
                if written is not None:
                    data, size, digest = written[0], written[0].size, written[1]
                else:
                    data = serializer.dumps(value)
                    if not isinstance(data, bytes):
                        data = _contiguous(memoryview(data))
                    size, digest = (len(data) if isinstance(data, bytes) else data.nbytes), checksum(data)
            except Exception as exc:
                log.warning("disk cache: entry %s not stored: serializer '%s' failed on port '%s': %s: %s",
                            key, serializer.id, port, type(exc).__name__, exc)
                self._discard(parts)
                return None
            parts[port] = (PortRecord(port_type, serializer.id, size, digest), data)
        return parts

    def _stream(self, key: str, serializer: Any, value: Any, *, compact: bool) -> tuple[WrittenFile, str] | None:
        """Let `serializer` write `value` straight into a new value file (`dump_compact` for a
        source's output: its stored copy competes with reading the source again, so disk space
        counts more than reading speed); (file, checksum), or None when it writes only through
        `dumps`. The file is known verified to this process."""
        disk = self._cache.disk
        filename, full_path = disk.new_file(key)
        dump = serializer.dump_compact if compact else serializer.dump_file
        try:
            if not dump(value, Path(full_path)):
                disk.remove(filename)
                return None
            with open(full_path, "rb") as handle:
                size, digest = _file_checksum(handle)
                identity = _file_identity(handle, digest)
        except BaseException:
            disk.remove(filename)
            raise
        if identity is not None:
            _remember_verified(identity)
        return WrittenFile(filename, size), digest

    def _discard(self, parts: dict[str, tuple[PortRecord, Any]]) -> None:
        """Remove the files already streamed for an entry that will not be stored."""
        for _, data in parts.values():
            if isinstance(data, WrittenFile):
                self._cache.disk.remove(data.filename)

    # --- housekeeping -------------------------------------------------------------------

    def delete(self, key: str) -> None:
        """Remove every row of the entry (manifest, ports, leftovers of an interrupted write)."""
        try:
            with self._cache.transact(retry=True):
                self._cache.evict(key, retry=True)
                self._cache.delete(key, retry=True)
        except _STORAGE_ERRORS as exc:
            raise CacheError(f"cache entry {key}: could not be deleted ({type(exc).__name__}: {exc})") from exc

    def clear(self) -> int:
        """Remove every entry; return how many entries (manifests) there were."""
        try:
            with self._cache.transact(retry=True):
                count = self._count_entries()
                self._cache.clear(retry=True)
                remove_unnamed(self.directory)  # leftovers of killed writes, broken databases set aside
        except _STORAGE_ERRORS as exc:
            raise CacheError(f"disk cache at {self.directory} could not be cleared: {exc}") from exc
        return count

    def stats(self) -> dict[str, Any]:
        """Entries (manifests), bytes on disk (`volume()`), the byte limit and the folder."""
        try:
            entries = self._count_entries()
            volume = self._cache.volume()
        except _STORAGE_ERRORS as exc:
            log.warning("disk cache: could not count entries: %s", exc)
            entries, volume = None, None
        return {"entries": entries, "bytes": volume, "limit": self.limit, "directory": str(self.directory)}

    def _count_entries(self) -> int:
        """Manifests in the cache: ports live under "<key>/<port>", entry keys have no "/".
        Counting stops (with a warning) at a tampered key, which is never unpickled."""
        count = 0
        try:
            for k in self._cache.iterkeys():
                count += isinstance(k, str) and "/" not in k
        except CacheError as exc:
            log.warning("disk cache at %s: %s; counted %d entries before it", self.directory, exc, count)
        return count

    def close(self) -> None:
        """Close the readers' connections and this thread's writing one (others close when their
        threads end)."""
        self._reader.close()
        if self._full is not None:
            self._full.close()


def _private_dir(path: Path) -> None:
    """Create `path` with mode 0700, tightening it if it exists with a wider mode."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o700)


#: the buffer a streamed value file is read back through to checksum it
CHECKSUM_CHUNK = 8 << 20


def _file_checksum(handle: Any) -> tuple[int, str]:
    """(size, xxh3_128) of the open file, read in CHECKSUM_CHUNK pieces through one buffer: a
    memory map of a just-written 800 MB file would add its pages to the process's resident memory
    while the next nodes run (its peak is what a user sees of a run's memory)."""
    hasher = xxhash.xxh3_128()
    buffer = bytearray(CHECKSUM_CHUNK)
    view = memoryview(buffer)
    size = 0
    while True:
        count = handle.readinto(buffer)
        if not count:
            break
        hasher.update(view[:count])
        size += count
    view.release()
    return size, hasher.hexdigest()


def _contiguous(view: memoryview) -> memoryview:
    """`view` as a flat byte view (copied only when it is not C-contiguous)."""
    try:
        return view.cast("B")
    except TypeError:
        return memoryview(view.tobytes())


def _map(handle: Any, key: str, port: str) -> memoryview:
    """The content of the open file `handle` (closed here): a memoryview over a read-only map
    when it is large (the map outlives the handle), else over bytes read from it."""
    with handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size < MMAP_MIN_BYTES:
                return memoryview(handle.read())
            return memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError) as exc:
            raise CacheError(f"cache entry {key}, port '{port}': value file cannot be read ({exc})") from exc
