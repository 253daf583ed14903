"""Every node of every built-in plugin passes the SDK's declaration check (what packs are told to run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow.kernel import load_registry
from dataflow.sdk import check_node

BUILTIN = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "plugins").iterdir()
                 if (p / "pyproject.toml").exists())
REGISTRY = load_registry()


def test_every_built_in_plugin_loads():
    for name in BUILTIN:
        record = REGISTRY.plugins.get(name)
        assert record is not None and record.status == "loaded", (name, record and record.error)


@pytest.mark.parametrize("type_id", sorted(t for t, s in REGISTRY.nodes.items() if s.plugin in BUILTIN))
def test_built_in_node_declarations_pass_check_node(type_id):
    assert check_node(REGISTRY.nodes[type_id].fn) == []
