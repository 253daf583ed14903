"""The pack's nodes, file format, port type and model, tested with the SDK's helpers only."""

from __future__ import annotations

import pandas as pd
import pytest
from dataflow_network.edgelist import EdgeListConnector
from dataflow_network.graph import Graph, GraphSerializer
from dataflow_network.models import huber
from dataflow_network.nodes import components, degrees, from_edges

from dataflow.sdk import NodeError
from dataflow.sdk.testing import check_node, run_node

EDGES = pd.DataFrame({"a": ["x", "x", "y", "p"], "b": ["y", "z", "z", "q"], "w": [1.0, 2.0, 3.0, 4.0]})


def graph() -> Graph:
    return run_node(from_edges, {"table": EDGES}, source="a", target="b", weight="w")["graph"]


def test_from_edges_builds_the_graph_and_names_a_missing_column():
    built = graph()
    assert built.nodes == ("x", "y", "p", "z", "q") and ("y", "z", 3.0) in built.edges
    with pytest.raises(NodeError, match="parameter 'source': column 'from' does not exist"):
        run_node(from_edges, {"table": EDGES}, source="from", target="b")


def test_degrees_and_components():
    table = run_node(degrees, {"graph": graph()})["table"]
    assert table.to_dict("records")[:3] == [{"node": "x", "degree": 2}, {"node": "y", "degree": 2},
                                            {"node": "z", "degree": 2}]
    labels = run_node(components, {"graph": graph()})["table"].set_index("node")["component"].to_dict()
    assert labels == {"x": 0, "y": 0, "z": 0, "p": 1, "q": 1}


def test_the_graph_serializer_round_trips():
    serializer = GraphSerializer()
    value = graph()
    assert serializer.loads(memoryview(serializer.dumps(value))) == value
    with pytest.raises(TypeError, match="expected a dataflow_network Graph"):
        serializer.check({"nodes": []})


def test_the_edge_list_format_reads_and_writes(tmp_path):
    path = tmp_path / "routes.edgelist"
    path.write_text("# comment\na b 2\nb c\n")
    table = EdgeListConnector().read(path)
    assert table.to_dict("records") == [{"source": "a", "target": "b", "weight": 2.0},
                                        {"source": "b", "target": "c", "weight": 1.0}]
    EdgeListConnector().write(table, tmp_path / "copy.edgelist")
    assert EdgeListConnector().read(tmp_path / "copy.edgelist").equals(table)
    path.write_text("a b c d\n")
    with pytest.raises(NodeError, match="routes.edgelist, line 1"):
        EdgeListConnector().read(path)


def test_declarations_are_valid():
    for fn in (from_edges, degrees, components):
        assert check_node(fn) == []
    assert type(huber.__dataflow_estimator__.fn()).__name__ == "HuberRegressor"
