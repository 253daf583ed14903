"""Cached steps inside a node: per-fold or per-candidate results that survive a re-run.

A cross-validation node that scores 5 folds for 8 candidates would recompute all 40 fits when
one candidate changes, because its own cache key changes. `cached_step` caches each part on
its own, keyed by the node's *inputs* (their Merkle keys), its type, version and code, the step's
name and the step's own parameters, but not the node's other parameters:

    def score(fold):
        return cached_step("fold", {"model": model_id, "params": hp, "fold": fold},
                           lambda: fit_and_score(fold), port_type="metrics")

When the node runs without a cache (`--no-cache`, a worker process, a plain call in a unit
test) the step is simply computed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .cache import CacheEntry, TieredCache
from .context import current_cancelled, current_steps
from .keys import KeyParts
from .params import canonical_json


@dataclass(slots=True)
class StepCache:
    """What a running node needs to cache its steps: the cache and its inputs' identity."""

    cache: TieredCache
    parts: KeyParts  # the node's key parts: type, version, upstream keys and source fingerprint

    def key(self, name: str, params: dict[str, Any]) -> str:
        parts = self.parts
        scope = canonical_json([parts.type_id, parts.version, parts.code, parts.inputs, parts.fingerprint])
        text = f"step\x1f{scope}\x1f{name}\x1f{canonical_json(params)}"
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def cached_step(name: str, params: dict[str, Any], compute: Callable[[], Any], *,
                port_type: str = "params") -> Any:
    """Return `compute()`, cached under (this node's inputs, `name`, `params`).

    `params` must be JSON data that identifies the step completely (everything `compute`
    depends on besides the node's inputs). `port_type` names the serializer for the value
    ("params" or "metrics" for dicts, "table", "array", "model"...).
    """
    steps = current_steps()
    if steps is None:
        return compute()
    key = steps.key(name, params)
    entry = steps.cache.get(key)
    if entry is not None and "value" in entry.outputs:
        return entry.outputs["value"]
    value = compute()
    if not current_cancelled():  # a stopped run's node is abandoned: it stores nothing more
        steps.cache.put(key, CacheEntry({"value": value}, {"value": port_type}))
    return value
