"""The plain scripts bench_export.py measures the exported scripts against (`benchmarks/plain/`) do
what their workflow does: the same table written, the same scores, the same charts drawn (the same
kind of trace over the same values, the same titles), so the comparison is fair."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from dataflow.kernel import Engine, compile_workflow, load_workflow
from tests.exporting import plain_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "workflows"
    shutil.copytree(ROOT / "workflows", target, ignore=shutil.ignore_patterns("__pycache__", "*.parquet"))
    return target


def workflow_outputs(registry, path: Path, cache: Path) -> dict[str, dict]:
    """The outputs of the nodes nothing consumes, as `dataflow run` computes them."""
    graph = compile_workflow(load_workflow(path), registry)
    with Engine.open(registry, directory=cache) as engine:
        result = engine.run(graph, keep_outputs=True)
    assert result.status == "ok", result
    return result.outputs


def drawn(figure) -> list[tuple]:
    """What a chart shows: each trace's kind and values, and its titles."""
    def values(array) -> list:
        return [] if array is None else [str(v) if not hasattr(v, "__len__") or isinstance(v, str)
                                         else [float(x) for x in v] for v in array]

    traces = [(t.type, getattr(t, "mode", None), values(t.x), values(t.y), values(getattr(t, "z", None)))
              for t in figure.data]
    layout = figure.layout
    titles = (layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text)
    return [*traces, titles]


def test_the_plain_sales_script_writes_the_workflows_table_and_draws_its_charts(registry, folder, tmp_path):
    outputs = workflow_outputs(registry, folder / "sales_report.json", tmp_path / "cache")
    plain = plain_script("sales_plain").main(folder / "data", tmp_path / "plain.parquet")
    written = pd.read_parquet(folder / "sales_by_region.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "plain.parquet"), written, check_exact=True)
    pd.testing.assert_frame_equal(plain["summary"], outputs["write"]["table"], check_exact=True)
    for chart in ("region_chart", "month_chart"):
        # the workflow's bar chart names its sum "sum of revenue_sum" for the hover; the axis reads "revenue"
        assert drawn(plain[chart]) == drawn(outputs[chart]["figure"]), chart


def test_the_plain_iris_script_gives_the_workflows_scores_and_confusion_matrix(registry, folder, tmp_path):
    outputs = workflow_outputs(registry, folder / "iris_classification.json", tmp_path / "cache")
    plain = plain_script("iris_plain").main()
    expected = {k: v for k, v in outputs["evaluate"]["metrics"].items() if k != "average"}
    assert outputs["evaluate"]["metrics"]["average"] == "macro"
    assert plain["scores"].keys() == expected.keys()
    for key, value in expected.items():
        assert math.isclose(plain["scores"][key], value, rel_tol=1e-9, abs_tol=1e-12), key
    assert drawn(plain["confusion"]) == drawn(outputs["confusion"]["figure"])
