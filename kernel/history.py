"""Remember what each node's key was made of at its last run, to say why it runs again.

A key miss alone says nothing useful; comparing the new key's parts with the last run's gives
"parameter threshold changed", "upstream load changed", "node version changed", "node code
changed" or "source file changed". The record is one small JSON file per workflow in the private cache folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from .files import atomic_write
from .keys import KeyParts, split_chosen_versions

log = logging.getLogger(__name__)

NO_ENTRY = "no cache entry"

@lru_cache(maxsize=256)
def _file_name(identity: str) -> str:
    """The history file of a workflow identity: a digest, so any path or name makes a safe file name."""
    return hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest() + ".json"


def _changed_versions(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> list[str]:
    """"model version changed" for each kind of item chosen both times (the same id) whose version
    changed; a different choice is a parameter change, already reported as one."""
    return [f"{what} version changed" for what in new
            if any(old.get(what, {}).get(i, version) != version for i, version in new[what].items())]


def explain(new: KeyParts, old: dict | None, bindings: Mapping[str, str] | None = None) -> str:
    """Why a node whose key missed the cache must compute, in words a user reads on the canvas.
    `bindings`: parameter -> the workflow parameter it is bound to, named as the one that changed."""
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
    new_params = new.canonical_params()
    changed = sorted(k for k in set(old_params) | set(new_params) if old_params.get(k) != new_params.get(k))
    bindings = bindings or {}
    reasons += [f"workflow parameter {bindings[n]} changed" if n in bindings else f"parameter {n} changed"
                for n in changed]
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
    """Last key parts per node id, for one workflow identity (its file path, or a name): read once,
    written at the end of each run that changed it (a small JSON file, replaced atomically)."""

    def __init__(self, folder: Path | None, identity: str):
        self.path = folder / _file_name(identity) if folder is not None else None
        self.records: dict[str, dict] = self._read()
        self._lock = threading.Lock()  # the app runs several sessions' runs at once

    def _read(self) -> dict[str, dict]:
        if self.path is None:
            return {}
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
        """The parts recorded for `node_id` at its last run, or None."""
        return self.records.get(node_id)

    def record(self, node_ids: Iterable[str], keys: Mapping[str, KeyParts]) -> None:
        """Remember the parts of these nodes' current keys and save the file when any changed."""
        with self._lock:
            changed = {n: keys[n].to_dict() for n in node_ids
                       if (self.records.get(n) or {}).get("key") != keys[n].key}
            if not changed:
                return
            self.records = {**self.records, **changed}
            if self.path is None:
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                atomic_write(self.path, json.dumps(self.records, separators=(",", ":")).encode("utf-8"),
                             durable=False, mode=0o600)
            except OSError as exc:
                log.warning("could not save run history %s: %s", self.path, exc)
