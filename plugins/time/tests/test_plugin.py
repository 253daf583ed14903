"""The plugin as a whole: every node registered under its fixed id and well declared."""

from __future__ import annotations

import pytest

from dataflow.kernel import load_registry
from dataflow.sdk import check_node
from dataflow_time.plugin import NODES

# Workflow files depend on these ids for good: a rename here breaks every saved workflow.
REQUIRED_IDS = {"time.parse_dates", "time.date_difference", "time.shift_dates", "time.time_zone", "time.resample",
                "time.lag_lead", "time.rolling"}


@pytest.mark.parametrize("fn", NODES, ids=lambda fn: fn.__name__)
def test_every_node_passes_check_node(fn):
    assert check_node(fn) == []


def test_the_installed_plugin_registers_every_node_under_its_fixed_type_id():
    registry = load_registry()
    record = registry.plugins["time"]
    assert (record.status, record.distribution) == ("loaded", "dataflow-time")
    assert {t for t in registry.nodes if t.startswith("time.")} == REQUIRED_IDS
    for type_id in REQUIRED_IDS:
        spec = registry.nodes[type_id]
        assert spec.category in ("Transform/Dates", "Transform/Time series"), type_id
        assert spec.schema is not None, f"{type_id}: columns must be known before running"
        assert all(len(p.help) > 15 for p in spec.params), type_id
