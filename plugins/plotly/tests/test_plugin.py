"""The plugin registers every chart under its promised id, complete, cached on disk and cheap to import."""

from __future__ import annotations

import json
import subprocess
import sys

from dataflow_plotly.plugin import NODES

from dataflow.sdk import check_node, run_node, spec_of

TYPE_IDS = {"plotly.scatter", "plotly.line", "plotly.bar", "plotly.histogram", "plotly.box", "plotly.heatmap",
            "plotly.correlation", "plotly.scatter_matrix", "plotly.pie", "plotly.confusion_matrix",
            "plotly.roc_curve", "plotly.feature_importance", "plotly.residuals", "plotly.clusters", "plotly.time_series"}


def test_every_chart_is_registered_under_its_promised_type_id(registry):
    assert {t for t in registry.nodes if t.startswith("plotly.")} == TYPE_IDS
    assert registry.plugins["plotly"].ok


def test_every_chart_passes_check_node_outputs_a_figure_and_is_stored_on_disk_like_every_output():
    """A cached chart is read back as Plotly JSON: a fully cached run imports neither plotly nor pandas."""
    for fn in NODES:
        spec = spec_of(fn)
        assert check_node(fn) == [], spec.name
        assert [p.type.name for p in spec.outputs] == ["figure"], spec.name
        assert spec.cache == "all", spec.name


def test_column_pickers_point_at_the_table_input():
    for fn in NODES:
        spec = spec_of(fn)
        table = spec.inputs[0].name
        for param in spec.params:
            if type(param.widget).__name__ == "Column":
                assert param.widget.port == table, (spec.name, param.name)


def test_a_figure_with_its_sampling_note_survives_the_figure_serializer(big):
    from dataflow_plotly.relations import scatter
    from dataflow_serializers.figures import FigureSerializer

    fig = run_node(scatter, {"table": big}, x="sepal length (cm)", y="petal length (cm)", trendline="ols")["figure"]
    back = FigureSerializer().loads(memoryview(FigureSerializer().dumps(fig)))
    assert back.layout.annotations[0].text == "Showing a random sample of 20,000 of 30,000 rows"
    assert [t.name for t in back.data] == [t.name for t in fig.data]
    assert json.loads(back.to_json())["data"] == json.loads(fig.to_json())["data"]


def test_importing_the_plugin_does_not_import_plotly():
    code = "import sys, dataflow_plotly.plugin; print(sorted(m for m in ('plotly', 'sklearn') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
