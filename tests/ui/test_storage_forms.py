"""Settings, autosave, uploads (checked on the server), and parameter form fields."""

from __future__ import annotations

import pytest

from dataflow.ui import forms, storage


@pytest.fixture
def app_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAFLOW_CACHE_DIR", str(tmp_path / "cache"))
    return storage.app_dir()


#: the executor settings of a new app folder: nodes run in threads, no Dask scheduler
DEFAULT_EXECUTOR = {"executor": "threads", "scheduler": ""}


def test_the_executor_setting_persists_and_a_bad_value_falls_back_to_threads(app_dir):
    settings = storage.load_settings()
    settings.update(executor="dask", scheduler="tcp://127.0.0.1:8786")
    storage.save_settings(settings)
    assert storage.load_settings() == {"data_dirs": [], "executor": "dask", "scheduler": "tcp://127.0.0.1:8786"}
    (app_dir / "settings.json").write_text('{"data_dirs": [], "executor": 3, "scheduler": ["x"]}')
    assert storage.load_settings() == {"data_dirs": [], **DEFAULT_EXECUTOR}


def test_the_app_folder_is_private(app_dir):
    assert app_dir.stat().st_mode & 0o077 == 0


def test_granted_folders_persist_and_bad_ones_are_refused(app_dir, tmp_path):
    settings = storage.load_settings()
    assert settings == {"data_dirs": [], **DEFAULT_EXECUTOR}
    assert "absolute" in storage.add_data_dir(settings, "relative/dir")
    assert "not an existing folder" in storage.add_data_dir(settings, str(tmp_path / "nope"))
    assert storage.add_data_dir(settings, str(tmp_path)) is None
    assert "already" in storage.add_data_dir(settings, str(tmp_path))
    assert storage.load_settings() == {"data_dirs": [str(tmp_path.resolve())], **DEFAULT_EXECUTOR}
    storage.remove_data_dir(settings, str(tmp_path.resolve()))
    assert storage.load_settings() == {"data_dirs": [], **DEFAULT_EXECUTOR}


def test_unreadable_settings_fall_back_to_defaults(app_dir):
    (app_dir / "settings.json").write_text("{not json")
    assert storage.load_settings() == {"data_dirs": [], **DEFAULT_EXECUTOR}


def test_autosave_round_trip_and_clear(app_dir):
    assert storage.read_autosave() is None
    storage.write_autosave({"version": "0.1.0", "nodes": [], "edges": [], "meta": {}}, None, "wip")
    record = storage.read_autosave()
    assert record["name"] == "wip" and record["workflow"]["nodes"] == []
    storage.clear_autosave()
    assert storage.read_autosave() is None


def test_table_shapes_are_remembered_and_capped(app_dir, monkeypatch):
    monkeypatch.setattr(storage, "MAX_SHAPES", 3)
    storage.save_shapes({f"k{i}": (i, 2) for i in range(5)})
    assert storage.load_shapes() == {"k2": (2, 2), "k3": (3, 2), "k4": (4, 2)}
    (app_dir / "shapes.json").write_text('{"bad": [1], "ok": [1, 2]}')
    assert storage.load_shapes() == {"ok": (1, 2)}


@pytest.mark.parametrize("name,size,problem", [
    ("data.csv", 10, None),
    ("data.CSV", 10, None),
    ("evil.py", 10, "not accepted"),
    ("archive.csv.exe", 10, "not accepted"),
    ("big.parquet", 300 << 20, "limit"),
    ("empty.csv", 0, "empty"),
])
def test_uploads_are_checked_on_the_server(name, size, problem):
    result = storage.check_upload(name, size)
    assert (result is None) if problem is None else (problem in result)


def test_uploaded_names_cannot_escape_the_upload_folder(app_dir):
    path = storage.store_upload("../../etc/passwd.csv", b"a,b\n1,2\n")
    assert path.parent == storage.uploads_dir() and path.name == "passwd.csv"
    second = storage.store_upload("passwd.csv", b"x")
    assert second.name == "passwd_2.csv"


def test_form_fields_follow_the_declarations(ui_registry):
    keep = {p.name: p for p in ui_registry.nodes["uipack.keep_above"].params}
    scatter = {p.name: p for p in ui_registry.nodes["uipack.scatter"].params}
    points = {p.name: p for p in ui_registry.nodes["uipack.points"].params}
    assert forms.field_for(keep["column"]).widget == "column"
    threshold = forms.field_for(keep["threshold"])
    assert (threshold.widget, threshold.min, threshold.max) == ("float", -1e9, 1e9)
    assert forms.field_for(scatter["mode"]).options == ("markers", "lines")
    rows = forms.field_for(points["rows"])
    assert forms.number_bounds(rows, "int") == {"min_value": 1, "max_value": 100_000, "step": 1}
    model = {p.name: p for p in ui_registry.nodes["testpack.fit_model"].params}["model"]
    assert forms.field_for(model).widget == "model" and forms.field_for(model).model_kind == "regressor"


def test_typed_lists_and_mappings_are_parsed_with_a_message(ui_registry):
    from dataflow.kernel import ParamSpec

    names = ParamSpec("names", "list", [], item_kind="str")
    assert forms.parse_json_value(names, '["a", "b"]') == (["a", "b"], None)
    assert forms.parse_json_value(names, "a, b") == (["a", "b"], None)
    numbers = ParamSpec("n", "list", [], item_kind="int")
    value, problem = forms.parse_json_value(numbers, "[1, 2")
    assert value is None and "not valid JSON" in problem
    mapping = ParamSpec("m", "dict", {}, item_kind="json")
    assert forms.parse_json_value(mapping, "[1]")[1].startswith("expected a mapping")


def test_model_summary_reads_estimators_and_pack_wrappers():
    from dataclasses import dataclass, field

    import numpy as np
    from sklearn.linear_model import LinearRegression

    from dataflow.ui.outputs import model_summary

    fitted = LinearRegression().fit(np.arange(10.0).reshape(-1, 1), np.arange(10.0))
    plain = model_summary(fitted)
    assert plain["type"] == "sklearn.LinearRegression" and "fit_intercept" in plain["parameters"]

    @dataclass
    class Wrapped:
        estimator: object
        features: list = field(default_factory=lambda: ["x"])
        training_score: float = 0.75

        def describe(self) -> str:
            return "regression model"

    wrapped = model_summary(Wrapped(fitted))
    assert wrapped["type"] == "sklearn.LinearRegression" and wrapped["features"] == ["x"]
    assert wrapped["training score"] == 0.75 and wrapped["summary"] == "regression model"


KILLED_AUTOSAVE = """
import sys
from dataflow.ui import storage
print("ready", flush=True)
storage.write_autosave({"version": "0.1.0", "nodes": [], "edges": [], "meta": {"note": "x" * 300_000_000}},
                       None, "big", sys.argv[1])
"""


def test_an_autosave_killed_mid_write_leaves_no_temporary_file_once_the_app_starts_again(app_dir, tmp_path):
    """kill -9 of the app while it writes an autosave (its private folder): the next session
    removes the dead writer's temporary file and offers no half-written autosave."""
    import os
    import subprocess
    import sys
    import time

    doc_id = storage.new_autosave_id()
    folder = app_dir / "autosave"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_AUTOSAVE, doc_id], env=dict(os.environ),
                            stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if folder.is_dir() and any(p.name.startswith(".") and p.stat().st_size > 1_000_000 for p in folder.iterdir()):
            proc.kill()
            break
        time.sleep(0.002)
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -9, "the writer finished before it could be killed mid-write"
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")], "the kill left a temporary file"
    assert storage.list_autosaves() == []  # what a new session offers
    assert [p.name for p in folder.iterdir()] == []


def test_the_workspace_is_never_the_projects_own_folder(monkeypatch, tmp_path):
    """Save as and Open use the workspace: `DATAFLOW_WORKSPACE`, else `~/DataFlow`; the project's own
    `workflows/` holds only the templates, which open as copies."""
    from dataflow.ui import storage

    monkeypatch.delenv("DATAFLOW_WORKSPACE", raising=False)
    monkeypatch.delenv("DATAFLOW_WORKFLOWS_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert storage.workspace_dir() == tmp_path / "home" / "DataFlow"
    assert not storage.workspace_dir().is_relative_to(storage.ROOT)
    assert storage.workflows_dir() == storage.ROOT / "workflows"          # the templates
    monkeypatch.setenv("DATAFLOW_WORKSPACE", str(tmp_path / "mine"))
    assert storage.workspace_dir() == (tmp_path / "mine").resolve()
