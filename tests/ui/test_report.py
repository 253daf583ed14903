"""`dataflow report W.json -o report.html`: one self-contained file that opens offline (checked in
Chromium, recording every request), shows the chosen nodes' outputs, and escapes every text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>window.__pwned=1</script><img src=x onerror='window.__pwned=2'>"


def dataflow(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATAFLOW_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run([sys.executable, "-m", "dataflow.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def iris_report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    shutil.copy(ROOT / "workflows" / "iris_classification.json", folder / "iris.json")
    done = dataflow("report", "iris.json", "-o", "iris.html", "--quiet", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "iris.html"


def test_the_report_shows_the_picture_every_status_and_the_chosen_outputs(iris_report):
    text = iris_report.read_text(encoding="utf-8")
    assert text.count("<svg class='picture'") == 1 and text.count("plotly.js v") == 1  # Plotly's script, once
    for node in ("load", "split", "train", "predict", "evaluate", "confusion"):
        assert f"<td>{node}</td>" in text
    assert "Scores on the test part" in text and "class='tiles'" in text             # metrics as tiles
    assert "Plotly.newPlot" in text                                                   # the chart, interactive


def test_the_report_opens_offline_and_draws_its_chart(iris_report, browser):
    ctx = browser.new_context()
    page = ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(iris_report.as_uri())
    page.wait_for_selector(".main-svg", timeout=30_000)                              # Plotly drew it
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    ctx.close()


def test_flags_choose_the_nodes_and_every_text_is_escaped(tmp_path, browser):
    (tmp_path / "rows.csv").write_text(f"name,value\n\"{HOSTILE.replace(chr(34), chr(39))}\",1\nb,2\n")
    workflow = {"version": "0.2.0", "nodes": [
        {"id": "read", "type": "io.read_csv", "params": {"path": "rows.csv"}, "label": HOSTILE, "report": True},
        {"id": "sort", "type": "transform.sort", "params": {"columns": ["value"]}, "report": False},
        {"id": "bar", "type": "plotly.bar", "params": {"x": "name", "y": "value", "title": HOSTILE}}],
        "edges": [{"source": "read", "target": "sort"}, {"source": "read", "target": "bar"}],
        "meta": {"name": HOSTILE, "description": HOSTILE}}
    (tmp_path / "evil.json").write_text(json.dumps(workflow))
    done = dataflow("report", "evil.json", "-o", "evil.html", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "evil.html").read_text(encoding="utf-8")
    assert "<code>read</code>" in text and "<code>sort</code>" not in text and "<code>bar</code>" in text
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto((tmp_path / "evil.html").as_uri())
    page.wait_for_selector(".main-svg", timeout=30_000)
    assert page.evaluate("window.__pwned") is None                                    # nothing ran
    assert HOSTILE in page.inner_text("h1")                                            # shown as text
    ctx.close()


def test_a_report_needs_an_html_name_and_a_valid_workflow(tmp_path):
    (tmp_path / "bad.json").write_text('{"version": "0.2.0", "nodes": [{"id": "x", "type": "nosuch.node"}]}')
    done = dataflow("report", "bad.json", "-o", "bad.html", cwd=tmp_path)
    assert done.returncode == 2 and "nosuch.node" in done.stderr and not (tmp_path / "bad.html").exists()
    done = dataflow("report", "bad.json", "-o", "bad.pdf", cwd=tmp_path)
    assert done.returncode == 2 and "must end in .html" in done.stderr
