"""A loop that runs again after some items changed reads only those items' tables: the other items'
rows come from its previous collected table. What a user relies on: the table is exactly what
collecting every item gives (columns, their order and dtypes, rows and their order), whatever
changed (a file edited, added, removed, the items reordered, a column's type changed) and whatever
happened to the previous result (gone, unreadable)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from dataflow_serializers.tables import TableSerializer

from dataflow.kernel import Engine, compile_workflow, load_registry, load_workflow
from dataflow.kernel.cache import CacheEntry
from dataflow.kernel.iterations import _index_key


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def monthly(folder: Path, count: int = 6) -> Path:
    data = folder / "monthly"
    data.mkdir()
    for month in range(1, count + 1):
        pd.DataFrame({"region": ["north", "south", "east"][: 1 + month % 3], "qty": [month] * (1 + month % 3),
                      "price": [1.5 * month] * (1 + month % 3)}).to_csv(data / f"sales-{month:02d}.csv", index=False)
    return data


def loop_workflow(folder: Path, loop: dict) -> Path:
    path = folder / "loop.json"
    path.write_text(json.dumps({"version": "0.2.0", "meta": {"name": "loop"}, "edges": [],
                                "nodes": [{"id": "each", "type": "io.read_csv", "params": {}, "loop": loop}]}))
    return path


FILES = {"over": "files", "folder": "monthly", "pattern": "*.csv", "param": "path"}


class Reads:
    """Counts the tables read back from the disk tier."""

    def __init__(self, monkeypatch):
        self.count = 0
        loads = TableSerializer.loads

        def counting(serializer, data):
            self.count += 1
            return loads(serializer, data)

        monkeypatch.setattr(TableSerializer, "loads", counting)


def run(registry, path: Path, cache: Path):
    """One run in an engine of its own (a new process, as `dataflow run`: what it reads comes from disk)."""
    graph = compile_workflow(load_workflow(path), registry)
    messages: list[str] = []

    def listener(event):
        if event.kind == "progress" and event.message:
            messages.append(event.message)

    with Engine.open(registry, executor="threads", directory=cache, memory_tiers=False) as engine:
        result = engine.run(graph, keep_outputs=True, listener=listener)
    assert result.status == "ok", result.nodes["each"].error
    return result, messages


def full_collect(registry, path: Path, scratch: Path) -> pd.DataFrame:
    """The loop's table from a cache that has never seen it: every item read and collected."""
    shutil.rmtree(scratch, ignore_errors=True)
    return run(registry, path, scratch)[0].outputs["each"]["table"]


def same(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(table.columns) == list(expected.columns)
    assert table.dtypes.equals(expected.dtypes)
    pd.testing.assert_frame_equal(table, expected, check_exact=True, check_index_type=True, check_column_type=True)


def test_after_one_file_changed_only_the_previous_table_is_read_and_the_table_equals_a_full_collect(
        registry, tmp_path, monkeypatch):
    data = monthly(tmp_path)
    path = loop_workflow(tmp_path, FILES)
    run(registry, path, tmp_path / "cache")
    pd.DataFrame({"region": ["west", "west"], "qty": [70, 71], "price": [0.5, 0.25]}).to_csv(
        data / "sales-03.csv", index=False)
    reads = Reads(monkeypatch)
    result, messages = run(registry, path, tmp_path / "cache")
    assert reads.count == 1  # the previous collected table; not the five unchanged iterations' tables
    assert messages[-1] == "6/6 iterations (1 computed, 5 cached)"
    table = result.outputs["each"]["table"]
    assert table[table["file"] == "sales-03.csv"]["qty"].tolist() == [70, 71]
    same(table, full_collect(registry, path, tmp_path / "fresh"))


def added(data: Path) -> None:
    pd.DataFrame({"region": ["west"], "qty": [9], "price": [0.5]}).to_csv(data / "sales-00.csv", index=False)
    pd.DataFrame({"region": ["west"], "qty": [9], "price": [0.5]}).to_csv(data / "sales-09.csv", index=False)


def removed(data: Path) -> None:
    (data / "sales-02.csv").unlink()
    (data / "sales-05.csv").unlink()


def text_in_a_number_column(data: Path) -> None:
    pd.DataFrame({"region": ["west"], "qty": ["n/a"], "price": [0.5]}).to_csv(data / "sales-04.csv", index=False)


def float_in_an_int_column(data: Path) -> None:
    pd.DataFrame({"region": ["west"], "qty": [2.5], "price": [0.5]}).to_csv(data / "sales-01.csv", index=False)


def a_column_more(data: Path) -> None:
    pd.DataFrame({"region": ["west"], "qty": [2], "price": [0.5], "note": ["x"]}).to_csv(
        data / "sales-06.csv", index=False)


@pytest.mark.parametrize("change", [added, removed, text_in_a_number_column, float_in_an_int_column, a_column_more])
def test_whatever_changed_the_table_equals_a_full_collect(registry, tmp_path, change):
    data = monthly(tmp_path)
    path = loop_workflow(tmp_path, FILES)
    run(registry, path, tmp_path / "cache")
    change(data)
    table = run(registry, path, tmp_path / "cache")[0].outputs["each"]["table"]
    same(table, full_collect(registry, path, tmp_path / "fresh"))
    text_in_a_number_column(data)  # and back to one type when the odd file is removed again
    run(registry, path, tmp_path / "cache")
    (data / "sales-04.csv").unlink()
    table = run(registry, path, tmp_path / "cache")[0].outputs["each"]["table"]
    same(table, full_collect(registry, path, tmp_path / "fresh"))


def test_reordered_items_take_their_rows_in_the_new_order(registry, tmp_path, monkeypatch):
    monthly(tmp_path)
    names = [f"monthly/sales-{m:02d}.csv" for m in range(1, 7)]
    run(registry, loop_workflow(tmp_path, {"over": "values", "values": {"path": names}}), tmp_path / "cache")
    order = [names[4], names[0], names[1], names[5], names[2]]
    path = loop_workflow(tmp_path, {"over": "values", "values": {"path": order}})
    reads = Reads(monkeypatch)
    result, messages = run(registry, path, tmp_path / "cache")
    assert reads.count == 1 and messages[-1] == "5/5 iterations (0 computed, 5 cached)"
    table = result.outputs["each"]["table"]
    assert list(dict.fromkeys(table["path"])) == order
    same(table, full_collect(registry, path, tmp_path / "fresh"))


def entries(registry, cache: Path, path: Path, change) -> None:
    """Apply `change(engine, loop_key)` to the cache after a first run of `path`."""
    result, _ = run(registry, path, cache)
    with Engine.open(registry, executor="threads", directory=cache, memory_tiers=False) as engine:
        change(engine, result.nodes["each"].key)


def forget(engine, key):
    for tier in engine.cache.tiers:
        tier.delete(key)


def bad_rows(engine, key):
    index = dict(engine.cache.get(_index_key(key)).outputs["index"])
    notes = json.loads(index["notes"])
    notes["table"][0]["rows"] += 1
    index["notes"] = json.dumps(notes)
    forget(engine, _index_key(key))
    engine.cache.put(_index_key(key), CacheEntry({"index": index}, {"index": "params"}))


def not_an_index(engine, key):
    forget(engine, _index_key(key))
    engine.cache.put(_index_key(key), CacheEntry({"index": {"items": 3, "notes": "[]"}}, {"index": "params"}))


@pytest.mark.parametrize("change", [lambda e, k: forget(e, k), lambda e, k: forget(e, _index_key(k)), bad_rows,
                                    not_an_index], ids=["table gone", "index gone", "wrong rows", "not an index"])
def test_a_missing_or_wrong_previous_result_falls_back_to_collecting_every_item(registry, tmp_path, change):
    data = monthly(tmp_path)
    path = loop_workflow(tmp_path, FILES)
    entries(registry, tmp_path / "cache", path, change)
    pd.DataFrame({"region": ["west"], "qty": [70], "price": [0.5]}).to_csv(data / "sales-03.csv", index=False)
    result, messages = run(registry, path, tmp_path / "cache")
    assert messages[-1] == "6/6 iterations (1 computed, 5 cached)"
    same(result.outputs["each"]["table"], full_collect(registry, path, tmp_path / "fresh"))


def test_an_unchanged_items_warnings_stay_with_the_loop_when_its_rows_are_reused(registry, tmp_path, monkeypatch):
    data = monthly(tmp_path)
    (data / "sales-02.csv").write_text("region,qty,price\nnorth,1,0.5\nsouth,2\n")  # a short row: a warning
    path = loop_workflow(tmp_path, FILES)
    first, _ = run(registry, path, tmp_path / "cache")
    assert any("sales-02.csv" in w and "fewer fields" in w for w in first.nodes["each"].warnings)
    pd.DataFrame({"region": ["west"], "qty": [70], "price": [0.5]}).to_csv(data / "sales-05.csv", index=False)
    reads = Reads(monkeypatch)
    result, _ = run(registry, path, tmp_path / "cache")
    assert reads.count == 1  # sales-02's rows were reused, not read back
    fresh = run(registry, path, tmp_path / "fresh")[0]
    assert result.nodes["each"].warnings == fresh.nodes["each"].warnings == first.nodes["each"].warnings


def test_a_result_whose_items_differ_in_types_keeps_no_index_and_is_collected_once_next_time(
        registry, tmp_path, monkeypatch):
    data = monthly(tmp_path)
    text_in_a_number_column(data)  # sales-04's qty is text: no later collect could reuse these rows
    path = loop_workflow(tmp_path, FILES)
    run(registry, path, tmp_path / "cache")
    pd.DataFrame({"region": ["west"], "qty": [70], "price": [0.5]}).to_csv(data / "sales-02.csv", index=False)
    reads = Reads(monkeypatch)
    result, messages = run(registry, path, tmp_path / "cache")
    assert reads.count == 5  # each unchanged item's table once; no previous table, no second pass
    assert messages[-1] == "6/6 iterations (1 computed, 5 cached)"
    same(result.outputs["each"]["table"], full_collect(registry, path, tmp_path / "fresh"))
