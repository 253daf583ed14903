"""The figure serializer stores Plotly JSON and exports standalone HTML."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from dataflow_serializers.figures import FigureSerializer


@pytest.fixture
def figures() -> FigureSerializer:
    return FigureSerializer()


@pytest.fixture
def figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=np.arange(5), y=np.array([1.5, 2.5, np.nan, 4.0, 5.0]), name="prices"))
    fig.add_bar(x=["a", "b"], y=[3, 4])
    fig.update_layout(title="Prices by day")
    return fig


def test_a_figure_round_trips_to_the_same_plotly_json(figures, through_file, figure):
    back = through_file(figures, figure)
    assert isinstance(back, go.Figure)
    assert json.loads(pio.to_json(back)) == json.loads(pio.to_json(figure))  # (template key order may differ)
    assert back.layout.title.text == "Prices by day"


def test_export_writes_standalone_html_with_the_figure_and_plotly_js(figures, tmp_path, figure):
    path = tmp_path / f"chart{figures.export_suffix}"
    figures.export(figure, path)
    html = path.read_text("utf-8")
    assert "<html>" in html[:100]
    assert "Prices by day" in html and '"name":"prices"' in html
    assert "<script src=\"http" not in html  # plotly.js is embedded: works offline
    assert len(html) > 1_000_000


def test_check_accepts_figures_only(figures, figure):
    figures.check(figure)
    with pytest.raises(TypeError, match=r"expected a Plotly Figure, got dict; wrap it"):
        figures.check({"data": [], "layout": {}})
    with pytest.raises(TypeError, match="got str"):
        figures.check("<div>")


def test_share_isolates_the_cached_figure(figures, figure):
    shared = figures.share(figure)
    shared.update_layout(title="changed")
    shared.data[0].name = "other"
    assert figure.layout.title.text == "Prices by day" and figure.data[0].name == "prices"


def test_sizeof_counts_the_data_arrays(figures):
    assert figures.sizeof(go.Figure(go.Scatter(y=np.zeros(100_000)))) >= 800_000
