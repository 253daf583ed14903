"""io.read_folder: every matching file of a granted folder in one table, with a column naming each
row's file; files of other columns reported, never silently dropped; any edit re-runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from dataflow_io.nodes import read_folder

from dataflow.sdk import NodeError, check_node, check_schema, run_node, spec_of

#: the `dataflow` command's module: dataflow.cli once the command line has left the kernel
CLI = "dataflow.cli"



def month(number: int) -> pd.DataFrame:
    return pd.DataFrame({"day": [1, 2], "amount": [number * 10.0, number * 10.0 + 1], "shop": ["a", "b"]})


@pytest.fixture
def monthly(tmp_path):
    folder = tmp_path / "monthly"
    folder.mkdir()
    for number in (1, 2, 3):
        month(number).to_csv(folder / f"sales-{number:02}.csv", index=False)
    return folder


def test_every_matching_file_is_stacked_in_path_order_with_its_name(monthly):
    (monthly / "notes.txt").write_text("not a match")
    out = run_node(read_folder, folder=str(monthly), pattern="sales-*.csv")["table"]
    expected = pd.concat([month(n) for n in (1, 2, 3)], ignore_index=True)
    assert out["source_file"].tolist() == ["sales-01.csv"] * 2 + ["sales-02.csv"] * 2 + ["sales-03.csv"] * 2
    pd.testing.assert_frame_equal(out.drop(columns="source_file"), expected)


def test_it_equals_a_plain_pandas_loop(monthly):
    plain = pd.concat([pd.read_csv(p).assign(source_file=p.name) for p in sorted(monthly.glob("*.csv"))],
                      ignore_index=True)
    out = run_node(read_folder, folder=str(monthly), source_column="")["table"]
    pd.testing.assert_frame_equal(out, plain.drop(columns="source_file"))


@pytest.mark.parametrize(("suffix", "write"), [
    (".parquet", lambda frame, path: frame.to_parquet(path, index=False)),
    (".jsonl", lambda frame, path: frame.to_json(path, orient="records", lines=True)),
])
def test_other_formats_are_read_by_their_connector(tmp_path, suffix, write):
    for number in (1, 2):
        write(month(number), tmp_path / f"m{number}{suffix}")
    out = run_node(read_folder, folder=str(tmp_path), pattern=f"*{suffix}")["table"]
    assert len(out) == 4 and out["source_file"].nunique() == 2


def test_excel_files_are_read_too(tmp_path, make_xlsx):
    pytest.importorskip("openpyxl")
    for number in (1, 2):
        make_xlsx(tmp_path / f"m{number}.xlsx", {"Sheet1": [["day", "amount"], [1, number], [2, number]]})
    out = run_node(read_folder, folder=str(tmp_path), pattern="*.xlsx")["table"]
    assert out["amount"].tolist() == [1, 1, 2, 2]


def test_subfolders_with_double_star(monthly):
    (monthly / "2025").mkdir()
    month(4).to_csv(monthly / "2025" / "sales-01.csv", index=False)
    out = run_node(read_folder, folder=str(monthly), pattern="**/*.csv")["table"]
    assert "2025/sales-01.csv" in set(out["source_file"]) and len(out) == 8


def test_a_file_with_columns_in_another_order_is_reordered(monthly):
    month(4)[["shop", "amount", "day"]].to_csv(monthly / "sales-04.csv", index=False)
    out = run_node(read_folder, folder=str(monthly))["table"]
    assert out.columns.tolist() == ["source_file", "day", "amount", "shop"] and len(out) == 8


def test_a_file_of_other_columns_is_named_and_stops_the_node_by_default(monthly):
    pd.DataFrame({"day": [1], "total": [5.0], "shop": ["c"]}).to_csv(monthly / "sales-04.csv", index=False)
    with pytest.raises(NodeError, match=r"sales-04\.csv \(lacks amount; adds total\)") as caught:
        run_node(read_folder, folder=str(monthly))
    assert caught.value.param == "mismatched"


def test_skip_leaves_it_out_with_a_warning_naming_it_and_combine_keeps_every_column(monthly):
    pd.DataFrame({"day": [1], "total": [5.0], "shop": ["c"]}).to_csv(monthly / "sales-04.csv", index=False)
    skipped = run_node(read_folder, folder=str(monthly), mismatched="skip")
    assert len(skipped["table"]) == 6 and "sales-04.csv" in skipped.warnings[0]
    combined = run_node(read_folder, folder=str(monthly), mismatched="combine")["table"]
    assert len(combined) == 7 and {"amount", "total"} <= set(combined.columns)
    assert combined["total"].isna().sum() == 6


@pytest.mark.parametrize(("kwargs", "param", "words"), [
    ({"pattern": "*.parquet"}, "pattern", "no file in"),
    ({"pattern": "../*.csv"}, "pattern", "outside the folder"),
    ({"source_column": "shop"}, "source_column", "already has a column 'shop'"),
])
def test_a_mistake_is_named(monthly, kwargs, param, words):
    with pytest.raises(NodeError, match=words) as caught:
        run_node(read_folder, folder=str(monthly), **kwargs)
    assert caught.value.param == param


def test_an_empty_folder_and_an_empty_file_are_named(tmp_path):
    with pytest.raises(NodeError, match="no file in"):
        run_node(read_folder, folder=str(tmp_path))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(NodeError, match="empty"):
        run_node(read_folder, folder=str(tmp_path))


def test_a_link_that_leaves_the_folder_is_refused(monthly, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    (monthly / "sales-09.csv").symlink_to(secret)
    with pytest.raises(NodeError, match="outside the folder") as caught:
        run_node(read_folder, folder=str(monthly))
    assert "hunter2" not in str(caught.value)


def test_changing_adding_or_removing_a_file_changes_the_fingerprint(monthly):
    fingerprint = spec_of(read_folder).fingerprint
    params = {"folder": str(monthly), "pattern": "*.csv"}
    seen = [fingerprint(params)]
    month(4).to_csv(monthly / "sales-04.csv", index=False)
    seen.append(fingerprint(params))
    (monthly / "sales-01.csv").write_text("day,amount,shop\n9,9.0,z\n")
    seen.append(fingerprint(params))
    (monthly / "sales-02.csv").unlink()
    seen.append(fingerprint(params))
    assert len(set(seen)) == 4


def test_the_declaration_and_the_declared_columns(monthly):
    assert check_node(read_folder) == []
    declared = check_schema(read_folder, folder=str(monthly))["table"]
    assert declared.names[0] == "source_file"


def test_in_a_workflow_it_is_cached_until_a_file_changes_and_refused_outside_the_grant(monthly, tmp_path):
    def run(folder_param, where):
        workflow = where / "w.json"
        node = {"id": "all", "type": "io.read_folder", "params": {"folder": folder_param, "pattern": "*.csv"}}
        workflow.write_text(json.dumps({"version": "0.1.0", "nodes": [node], "edges": [], "meta": {}}))
        done = subprocess.run([sys.executable, "-m", CLI, "run", str(workflow), "--json"],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "DATAFLOW_CACHE_DIR": str(tmp_path / "cache")})
        return json.loads(done.stdout)["nodes"][0]

    statuses = [run("monthly", tmp_path)["status"] for _ in range(2)]
    month(5).to_csv(monthly / "sales-05.csv", index=False)
    statuses.append(run("monthly", tmp_path)["status"])
    assert statuses == ["computed", "cached", "computed"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    refused = run(str(monthly), elsewhere)
    assert refused["status"] == "failed" and "outside the granted data folders" in refused["error"]


def test_a_column_mixing_numbers_and_text_across_files_is_reported_once(tmp_path):
    (tmp_path / "a.csv").write_text("zip,amount\n1000,1\n1001,2\n")
    (tmp_path / "b.csv").write_text("zip,amount\nSW1A,3\n1003,4\n")
    out = run_node(read_folder, folder=str(tmp_path))
    assert len(out.warnings) == 1 and "zip" in out.warnings[0]
