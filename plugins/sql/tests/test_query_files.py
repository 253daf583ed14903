"""sql.query_files: SQL straight over CSV and Parquet files in a granted folder, larger than memory,
reading exactly the files it was pointed at and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest

from dataflow.sdk import NodeError, check_node, check_schema, run_node, spec_of
from dataflow_sql.query_files import query_files

#: the `dataflow` command's module: dataflow.cli once the command line has left the kernel
CLI = "dataflow.cli"



@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "private"
    monkeypatch.setenv("DATAFLOW_CACHE_DIR", str(folder))
    return folder


def sales(month: int, rows: int = 6) -> pd.DataFrame:
    return pd.DataFrame({"region": ["north", "south", "east"] * (rows // 3),
                         "amount": [float(month * 10 + i) for i in range(rows)],
                         "month": [month] * rows})


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for month in (1, 2, 3):
        sales(month).to_csv(data / f"sales-2024-{month:02}.csv", index=False)
        sales(month).to_parquet(data / f"sales-2024-{month:02}.parquet", index=False)
    return data


def expected_totals(months=(1, 2, 3)) -> pd.DataFrame:
    whole = pd.concat([sales(m) for m in months])
    return whole.groupby("region", as_index=False)["amount"].sum().sort_values("region", ignore_index=True)


GROUP_BY = "SELECT region, sum(amount) AS amount FROM data GROUP BY region ORDER BY region"


@pytest.mark.parametrize("pattern", ["*.csv", "*.parquet"])
def test_a_group_by_over_a_folder_of_files_gives_what_pandas_gives(folder, pattern):
    out = run_node(query_files, path=str(folder), pattern=pattern, query=GROUP_BY)["table"]
    expected = expected_totals()
    assert out["region"].tolist() == expected["region"].tolist()
    assert out["amount"].tolist() == pytest.approx(expected["amount"].tolist())


def test_one_file_is_read_alone_and_the_pattern_picks_files_of_a_folder(folder):
    one = run_node(query_files, path=str(folder / "sales-2024-02.csv"), query="SELECT DISTINCT month FROM data")
    assert one["table"]["month"].tolist() == [2]
    some = run_node(query_files, path=str(folder), pattern="sales-2024-0[12].parquet",
                    query="SELECT DISTINCT month FROM data ORDER BY month")
    assert some["table"]["month"].tolist() == [1, 2]


def test_double_star_reads_subfolders_too(folder):
    (folder / "2025").mkdir()
    sales(4).to_csv(folder / "2025" / "sales-2025-01.csv", index=False)
    flat = run_node(query_files, path=str(folder), pattern="*.csv", query="SELECT count(*) AS n FROM data")
    deep = run_node(query_files, path=str(folder), pattern="**/*.csv", query="SELECT count(*) AS n FROM data")
    assert flat["table"]["n"].tolist() == [18] and deep["table"]["n"].tolist() == [24]


@pytest.mark.parametrize("pattern", ["*.csv", "*.parquet"])
@pytest.mark.parametrize("text", [
    GROUP_BY,
    "SELECT * FROM data WHERE amount > 15",
    "SELECT month, count(*) AS n, max(amount) AS top FROM data GROUP BY month",
])
def test_the_declared_columns_are_the_real_ones(folder, pattern, text):
    declared = check_schema(query_files, path=str(folder), pattern=pattern, query=text)
    assert declared["table"] is not None


def test_the_declaration_is_complete_and_its_id_is_sql_query_files():
    assert check_node(query_files) == []
    assert spec_of(query_files).name == "query_files" and spec_of(query_files).plugin in (None, "sql")


@pytest.mark.parametrize(("kwargs", "param", "words"), [
    ({"pattern": "*.json"}, "pattern", "no file in"),
    ({"pattern": "../*.csv"}, "pattern", "outside the folder"),
    ({"pattern": "/etc/*"}, "pattern", "outside the folder"),
    ({"pattern": ""}, "pattern", "type which files"),
    ({"pattern": "sales-2024-01.*"}, "pattern", "mix CSV and Parquet"),
    ({"query": "SELECT nope FROM data"}, "query", 'Referenced column "nope" not found'),
    ({"query": "DELETE FROM data"}, "query", "only a SELECT"),
])
def test_a_mistake_is_a_node_error_naming_the_parameter(folder, kwargs, param, words):
    with pytest.raises(NodeError, match=f"parameter '{param}'") as caught:
        run_node(query_files, **{"path": str(folder), "query": "SELECT * FROM data", **kwargs})
    assert words in str(caught.value)


def test_an_empty_folder_and_a_missing_path_are_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NodeError, match="no file in .*empty matches"):
        run_node(query_files, path=str(tmp_path / "empty"), pattern="*.csv")
    with pytest.raises(NodeError, match="does not exist"):
        run_node(query_files, path=str(tmp_path / "nowhere"))


def test_files_with_other_columns_fail_with_duckdbs_message(folder):
    pd.DataFrame({"x": ["a"], "y": ["b"]}).to_csv(folder / "sales-2024-04.csv", index=False)
    with pytest.raises(NodeError, match="parameter 'query'"):
        run_node(query_files, path=str(folder), pattern="*.csv", query="SELECT sum(amount) FROM data")


# --- only the matched files, nothing else ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "SELECT * FROM read_csv('{secret}')",
    "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM '{secret}'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv('{folder}/*.csv')",
    "SELECT * FROM glob('{folder}/*')",
    "COPY (SELECT * FROM data) TO '{marker}'",
    "ATTACH '{marker}' AS other",
    "INSTALL httpfs",
    "SET memory_limit = '100GB'",
])
def test_a_hostile_query_reads_nothing_but_the_matched_files(folder, tmp_path, text):
    secret = folder / "secret.csv"
    secret.write_text("password\nhunter2\n")
    marker = tmp_path / "marker.out"
    text = text.format(secret=secret, folder=folder, marker=marker)
    with pytest.raises(NodeError, match="parameter 'query'") as caught:
        run_node(query_files, path=str(folder), pattern="sales-*.csv", query=text)
    assert "hunter2" not in str(caught.value)
    assert not marker.exists()


def test_a_link_in_the_folder_that_points_outside_it_is_refused(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    sales(9).to_csv(outside / "sales-2024-09.csv", index=False)
    (folder / "sales-2024-09.csv").symlink_to(outside / "sales-2024-09.csv")
    with pytest.raises(NodeError, match="outside the folder"):
        run_node(query_files, path=str(folder), pattern="*.csv")


def test_a_runaway_query_is_stopped_at_its_time_limit(folder):
    started = time.perf_counter()
    with pytest.raises(NodeError, match="longer than 1 s"):
        run_node(query_files, path=str(folder), pattern="*.csv", timeout=1.0,
                 query="WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t")
    assert time.perf_counter() - started < 5


def test_a_group_by_larger_than_its_memory_limit_spills_to_the_private_folder_and_cleans_up(tmp_path, cache_dir):
    big = tmp_path / "big"
    big.mkdir()
    duckdb.sql(f"COPY (SELECT range AS id, range % 1000 AS k, random() AS v FROM range(3000000)) "
               f"TO '{big / 'big.parquet'}'")
    out = run_node(query_files, path=str(big), pattern="*.parquet", memory_limit_mb=64,
                   query="SELECT id, sum(v) AS v FROM data GROUP BY id ORDER BY v DESC LIMIT 5")["table"]
    assert len(out) == 5
    spill = cache_dir / "plugins" / "sql"
    assert spill.is_dir() and list(spill.iterdir()) == []
    assert oct(cache_dir.stat().st_mode & 0o777) == "0o700"


# --- in a workflow: granted folders, the fingerprint, the schema pass ----------------------------

def _workflow(tmp_path, params: dict) -> str:
    from tests.helpers import write_workflow

    return str(write_workflow(tmp_path / "w.json", [{"id": "q", "type": "sql.query_files", "params": params}]))


def _cli(*args, env=None):
    done = subprocess.run([sys.executable, "-m", CLI, *args, "--json"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr


def test_validate_names_a_column_the_files_lack_before_running(folder, tmp_path):
    path = _workflow(tmp_path, {"path": "data", "pattern": "*.parquet", "query": "SELECT nope FROM data"})
    code, report, _ = _cli("validate", path)
    assert code == 2 and report["problems"][0]["node"] == "q"
    assert 'Referenced column "nope" not found' in report["problems"][0]["message"]


def test_a_folder_outside_the_granted_ones_is_refused(folder, tmp_path):
    elsewhere = tmp_path / "workflows"
    elsewhere.mkdir()
    path = _workflow(elsewhere, {"path": str(folder), "pattern": "*.csv", "query": GROUP_BY})
    code, report, _ = _cli("run", path)
    assert code != 0 and "outside the granted data folders" in report["nodes"][0]["error"]


def test_a_workflow_run_is_cached_until_a_matched_file_changes(folder, tmp_path, cache_dir):
    path = _workflow(tmp_path, {"path": "data", "pattern": "*.parquet", "query": GROUP_BY})
    env = {"DATAFLOW_CACHE_DIR": str(cache_dir)}
    statuses = [_cli("run", path, env=env)[1]["nodes"][0]["status"] for _ in range(2)]
    sales(4).to_parquet(folder / "sales-2024-04.parquet", index=False)
    statuses.append(_cli("run", path, env=env)[1]["nodes"][0]["status"])
    assert statuses == ["computed", "cached", "computed"]


def test_a_changed_added_or_removed_file_changes_the_fingerprint(folder):
    fingerprint = spec_of(query_files).fingerprint
    params = {"path": str(folder), "pattern": "*.csv"}
    first = fingerprint(params)
    assert fingerprint(params) == first
    sales(7).to_csv(folder / "sales-2024-07.csv", index=False)
    added = fingerprint(params)
    (folder / "sales-2024-01.csv").write_text("region,amount,month\nwest,1.0,1\n")
    edited = fingerprint(params)
    (folder / "sales-2024-02.csv").unlink()
    removed = fingerprint(params)
    assert len({first, added, edited, removed}) == 4
    assert fingerprint({"path": str(folder), "pattern": "../*"}).startswith("unreadable")


@pytest.mark.parametrize("name", ["o'brien.csv", "x'); COPY (SELECT 1) TO 'marker.out'; --.csv"])
def test_a_file_name_with_quotes_is_a_name_not_sql(tmp_path, name):
    data = tmp_path / "odd"
    data.mkdir()
    sales(1).to_csv(data / name, index=False)
    out = run_node(query_files, path=str(data), pattern="*.csv", query="SELECT count(*) AS n FROM data")
    assert out["table"]["n"].tolist() == [6]
    assert not any(p.name == "marker.out" for p in tmp_path.rglob("*"))
