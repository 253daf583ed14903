"""Remember what each node's key was made of at its last run, to say why it runs again.

A key miss alone says nothing useful; comparing the new key's parts with the last run's gives
"parameter threshold changed", "upstream load changed", "node version changed", "node code
changed" or "source file changed". The record is one small JSON file per workflow in the private cache folder.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from .keys import KeyParts, split_chosen_versions
from .workflow import atomic_write

log = logging.getLogger(__name__)

NO_ENTRY = "no cache entry"

# Shared by every History: one engine serves every session of the app and runs execute in their
# own threads, but each holds the lock for microseconds once per run, so one lock is plenty (and
# a first run no longer builds a lock and a condition of its own).
_LOCK = threading.Lock()
_SAVED = threading.Condition()  # notified whenever a background save finishes


class _Saver:
    """One daemon thread that saves history files in the background, for every engine.

    A run only appends its history to a list: starting a thread per run cost more than a whole
    run of a hundred trivial nodes, and even waking a waiting thread costs tens of microseconds.
    The thread looks at the list every POLL_SECONDS, or at once when someone waits for a save
    (`History.flush`, `Engine.close`). Saves still pending when the interpreter exits are finished
    by an `atexit` hook (daemon threads run until after it)."""

    POLL_SECONDS = 0.5

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: list[History] = []
        self._outstanding = 0   # saves asked for and not finished
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, history: History) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="dataflow-history", daemon=True)
                self._thread.start()
                atexit.register(self.drain)
            self._outstanding += 1
            self._pending.append(history)

    def hurry(self) -> None:
        """Save what is pending now instead of at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.POLL_SECONDS)
            self._wake.clear()
            with self._lock:
                batch, self._pending = self._pending, []
            for history in batch:
                try:
                    history.save()
                except Exception as exc:  # never let one bad save stop every later one
                    log.warning("could not save run history %s: %s", history.path, exc)
                finally:
                    history._saved_one()
                    with self._idle:
                        self._outstanding -= 1
                        self._idle.notify_all()
            # the loop's names would keep the last engine's history (every record) alive until the next save
            batch = history = None

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for every queued save to finish (at interpreter exit)."""
        self.hurry()
        with self._idle:
            self._idle.wait_for(lambda: self._outstanding == 0, timeout)


_SAVER = _Saver()


@lru_cache(maxsize=256)
def _file_name(identity: str) -> str:
    """The history file of a workflow identity: a digest, so any path or name makes a safe file name."""
    return hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest() + ".json"


def _changed_versions(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> list[str]:
    """"model version changed" for each kind of item chosen both times (the same id) whose version
    changed; a different choice is a parameter change, already reported as one."""
    return [f"{what} version changed" for what in new
            if any(old.get(what, {}).get(i, version) != version for i, version in new[what].items())]


def explain(new: KeyParts, old: dict | None) -> str:
    """Why a node whose key missed the cache must compute, in words a user reads on the canvas."""
    if old is None:
        return NO_ENTRY
    if old.get("type") != new.type_id:
        return "node type changed"
    if old.get("version") != new.version:
        return "node version changed"
    reasons = []
    if old.get("code") and old["code"] != new.code:  # records older than code fingerprints have none
        reasons.append("node code changed")
    old_params = old.get("params") or {}
    new_params = new.param_texts()
    changed = sorted(k for k in set(old_params) | set(new_params) if old_params.get(k) != new_params.get(k))
    reasons += [f"parameter {name} changed" for name in changed]
    old_files, old_chosen = split_chosen_versions(old.get("fingerprint") or "")
    new_files, new_chosen = split_chosen_versions(new.fingerprint)
    if old_files != new_files:
        reasons.append("source file changed")
    reasons += _changed_versions(old_chosen, new_chosen)
    old_inputs = old.get("inputs") or {}
    for port in sorted(set(old_inputs) | set(new.inputs)):
        if old_inputs.get(port) != new.inputs.get(port):
            upstream = new.upstream.get(port) or (old.get("upstream") or {}).get(port) or port
            reasons.append(f"upstream {upstream} changed")
    return ", ".join(dict.fromkeys(reasons)) or NO_ENTRY


class History:
    """Last key parts per node id, for one workflow identity (its file path, or a name)."""

    def __init__(self, folder: Path | str | None, identity: str):
        # a str, joined by hand: building a Path here showed in every first run's time
        self.path: str | None = None
        if folder is not None:
            self.path = f"{folder}{os.sep}{_file_name(identity)}"
        self.records: dict[str, dict] = self._read()
        self._pending: dict[str, KeyParts] = {}
        self._queued = 0    # saves asked for
        self._done = 0      # saves finished

    def _read(self) -> dict[str, dict]:
        if self.path is None or not os.path.exists(self.path):
            return {}  # exists() first: a failing open() costs more, and a first run finds no file
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            return data if isinstance(data, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("run history %s is unreadable and was reset: %s", self.path, exc)
            return {}

    def get(self, node_id: str) -> dict | None:
        """The parts recorded for `node_id` at its last run, or None.

        No lock: each lookup is atomic, and `save` adds the pending parts to `records` before it
        clears them, so a node being saved meanwhile is found in one or the other."""
        pending = self._pending.get(node_id)
        return pending.to_dict() if pending is not None else self.records.get(node_id)

    def record(self, node_ids: Iterable[str], keys: Mapping[str, KeyParts]) -> None:
        """Remember the parts of these nodes' current keys (serialized on `save`, off the run's path).
        A run records its nodes once, at its end: one lock per run, not one per node."""
        records, pending = self.records, self._pending
        with _LOCK:
            for node_id in node_ids:
                parts = keys[node_id]
                old = records.get(node_id)
                if old is not None and old.get("key") == parts.key and node_id not in pending:
                    continue  # unchanged since the last run: nothing to write
                pending[node_id] = parts

    def save_soon(self) -> None:
        """`save` in a background thread: a run's result never waits for its history file.
        `flush()` (called by `Engine.close`) waits for it."""
        if self._pending:
            with _LOCK:
                self._queued += 1
            _SAVER.submit(self)

    def flush(self) -> None:
        """Wait until every background save asked for so far has finished."""
        with _SAVED:
            if self._done < self._queued:
                _SAVER.hurry()
            while self._done < self._queued:
                _SAVED.wait()

    def _saved_one(self) -> None:
        with _SAVED:
            self._done += 1
            _SAVED.notify_all()

    def save(self) -> None:
        with _LOCK:
            if not self._pending:
                return
            self.records.update({node_id: parts.to_dict() for node_id, parts in self._pending.items()})
            self._pending.clear()
            records = dict(self.records)
        if self.path is None:
            return
        try:
            path = Path(self.path)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(path, json.dumps(records, separators=(",", ":")).encode("utf-8"), durable=False,
                         mode=0o600)
        except OSError as exc:
            log.warning("could not save run history %s: %s", self.path, exc)
