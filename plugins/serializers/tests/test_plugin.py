"""The plugin registers one serializer per built-in port type and starts without heavy imports."""

from __future__ import annotations

import subprocess
import sys

import dataflow_serializers.plugin

from dataflow.kernel import load_registry
from dataflow.sdk import Serializer

PORT_TYPES = {"table", "series", "model", "metrics", "params", "array", "figure"}


def test_registration_gives_one_serializer_per_port_type():
    registry = load_registry(extra=[("serializers", dataflow_serializers.plugin)], use_entry_points=False)
    record = registry.plugins["serializers"]
    assert record.ok, record.error
    assert set(registry.serializers) == PORT_TYPES
    assert sorted(record.contributions["serializers"]) == sorted(PORT_TYPES)
    for port_type, serializer in registry.serializers.items():
        assert isinstance(serializer, Serializer) and serializer.port_type == port_type
    ids = [s.id for s in registry.serializers.values()]
    assert len(set(ids)) == len(ids)


def test_only_the_model_serializer_has_no_export():
    unexported = {s.port_type for s in dataflow_serializers.plugin.serializers() if s.export_suffix is None}
    assert unexported == {"model"}


def test_importing_the_plugin_imports_no_heavy_library():
    code = ("import sys, dataflow_serializers.plugin; "
            "print(','.join(m for m in ('pandas', 'pyarrow', 'numpy', 'plotly', 'joblib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
