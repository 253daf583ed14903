"""Cache keys: a Merkle hash over a node's identity and its ancestors' keys, never over data.

    key(node) = blake2b(type id, node version, code fingerprint, canonical parameters,
                        [(input port, upstream key, upstream port)...], source fingerprint)

Changing a parameter changes that node's key, and so the key of everything downstream of it,
and nothing else. The code fingerprint (`codeprint.py`) makes an edited node function re-run
that node and its downstream without a version bump. A source's fingerprint (the path, size and
modification time of the file it reads, from its parameter's widget, or what its `fingerprint`
callable returns) makes an edited file re-run the source. A parameter that picks a registered item
with a version of its own (`ParamWidget.chosen_version`: an estimator) appends `|<what>:<id>@<version>;...` to the source fingerprint. Computing a key
costs a few microseconds, whatever the size of the tables involved.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .params import canonical_json
from .spec import NodeSpec
from .widgets import ChosenVersion

_SEP = "\x1f"


@dataclass(slots=True)
class KeyParts:
    """What a node's key was made of, kept to explain why a node re-ran."""

    key: str
    type_id: str
    version: int
    params: dict[str, Any]
    inputs: dict[str, str]
    fingerprint: str = ""
    upstream: dict[str, str] = field(default_factory=dict)
    #: the node function's code fingerprint (`NodeSpec.code_fingerprint`)
    code: str = ""

    #: each parameter's canonical JSON, filled by `canonical_params` only when a reason or a record
    #: needs it; the compiled graph node's own dict, so it is computed once per graph
    param_texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def canonical_params(self) -> dict[str, str]:
        """Each parameter's canonical JSON."""
        if len(self.param_texts) != len(self.params):
            self.param_texts.update({name: canonical_json(value) for name, value in self.params.items()})
        return self.param_texts

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "type": self.type_id, "version": self.version, "params": self.canonical_params(),
                "inputs": self.inputs, "fingerprint": self.fingerprint, "upstream": self.upstream, "code": self.code}


def key_head(spec: NodeSpec, params_json: str) -> str:
    """The part of a node's key payload that depends on the node alone: type, version, code, parameters."""
    return _SEP.join((spec.type_id or spec.name, str(spec.version), spec.code_fingerprint, params_json))


def hash_key(head: str, input_text: dict[str, str], fingerprint: str) -> str:
    """The key: blake2b of the head, each `port<upstream key:upstream port` in port order, and the
    source fingerprint. `input_text` must iterate in sorted port order."""
    inputs = _SEP.join(f"{port}<{text}" for port, text in input_text.items())
    payload = f"{head}{_SEP}{inputs}{_SEP}{fingerprint}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def source_fingerprint(spec: NodeSpec, params: dict[str, Any]) -> str:
    """The fingerprint of what a node reads: its parameters' widgets' (`ParamWidget.fingerprint`:
    a file's path, size and time) and the node's own `fingerprint` callable's."""
    parts = []
    for name in spec.fingerprinted_params:
        if params.get(name):
            part = spec.param_index[name].widget.fingerprint(params[name])
            if part is not None:
                parts.append(part)
    if spec.fingerprint is not None:
        parts.append(str(spec.fingerprint(params)))
    return _SEP.join(parts)


def chosen_versions_text(chosen: Iterable[ChosenVersion]) -> str:
    """`|model:sklearn.ridge@1/0.1.0;...`: the chosen items' versions, grouped by what they are, as
    appended to a node's source fingerprint."""
    groups: dict[str, list[str]] = {}
    for item in chosen:
        groups.setdefault(item.what, []).append(f"{item.id}@{item.version}")
    return "".join(f"|{what}:{';'.join(items)}" for what, items in groups.items())


_CHOSEN = re.compile(r"(?:\|[A-Za-z_]+:[^|\x1f@;]+@[^|\x1f;]*(?:;[^|\x1f@;]+@[^|\x1f;]*)*)+$")


def split_chosen_versions(fingerprint: str) -> tuple[str, dict[str, dict[str, str]]]:
    """A key's fingerprint as (what the sources read, {what: {chosen id: version}}), the inverse of
    appending `chosen_versions_text`."""
    found = _CHOSEN.search(fingerprint)
    if found is None:
        return fingerprint, {}
    versions: dict[str, dict[str, str]] = {}
    for group in found.group(0).split("|")[1:]:
        what, _, items = group.partition(":")
        versions.setdefault(what, {}).update(item.partition("@")[::2] for item in items.split(";") if item)
    return fingerprint[:found.start()], versions
