"""`contributions(kind)`: what the installed plugins registered through a hook a plugin added.

A plugin may declare hooks of its own domain (the sklearn plugin's `register_estimators`); the
kernel collects what they register under the hook's kind, and nodes read it here:

    contributions("estimators")["sklearn.ridge"].build({"alpha": 0.5})
"""

from __future__ import annotations

from typing import Any

from dataflow.kernel.plugins import run_registry


def contributions(kind: str) -> dict[str, Any]:
    """Everything registered under `kind` by id, in the registry the running engine uses (empty
    when no loaded plugin declares that kind)."""
    return run_registry().contributions(kind)
