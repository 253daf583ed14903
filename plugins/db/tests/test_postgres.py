"""db.read_postgres / db.write_postgres against a real PostgreSQL server started by the fixture:
named connections whose password stays out of the workflow, read-only reads, bound values, and a
connection that fails saying which one and why, within its timeout."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import orders

from dataflow.sdk import NodeError, check_node, run_node, spec_of
from dataflow_db import connections
from dataflow_db.connections import Connection
from dataflow_db.nodes import read_postgres, write_postgres

#: the `dataflow` command's module: dataflow.cli once the command line has left the kernel
CLI = "dataflow.cli"



def add(server, name="shop", *, allow_writes=False, password=None, port=None, timeout=10):
    connections.save(Connection(name=name, host="127.0.0.1", port=port or server.port, database="shop",
                                user=server.user, password=server.password if password is None else password,
                                allow_writes=allow_writes, connect_timeout=timeout))


def table_names(server) -> set[str]:
    with server.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def test_a_table_is_read_with_its_types(postgres):
    add(postgres)
    out = run_node(read_postgres, connection="shop", table_name="orders")["table"]
    expected = orders()
    assert out.columns.tolist() == expected.columns.tolist()
    assert out["region"].tolist() == expected["region"].tolist()
    assert out["price"].tolist() == expected["price"].tolist()
    assert out["paid"].tolist() == [True, False, True, True]
    assert pd.api.types.is_datetime64_any_dtype(out["ordered_at"])
    assert out["qty"].isna().tolist() == [False, False, True, False]


def test_a_table_in_a_schema_is_read_by_its_dotted_name(postgres):
    add(postgres)
    assert len(run_node(read_postgres, connection="shop", table_name="sales.orders")["table"]) == 2


def test_a_query_takes_its_values_as_bound_parameters(postgres):
    add(postgres)
    hostile = "O'Brien; DROP TABLE orders; --"
    out = run_node(read_postgres, connection="shop", query="SELECT order_id FROM orders WHERE region = :region",
                   params={"region": hostile})["table"]
    assert out["order_id"].tolist() == [4]
    assert "orders" in table_names(postgres)


def test_a_missing_table_is_named_with_a_suggestion(postgres):
    add(postgres)
    with pytest.raises(NodeError, match="no table 'order'.*did you mean") as caught:
        run_node(read_postgres, connection="shop", table_name="order")
    assert caught.value.param == "table_name"


def test_a_query_error_carries_postgres_message(postgres):
    add(postgres)
    with pytest.raises(NodeError, match='column "nope" does not exist'):
        run_node(read_postgres, connection="shop", query="SELECT nope FROM orders")


@pytest.mark.parametrize("text", [
    "DROP TABLE orders",
    "DELETE FROM orders",
    "CREATE TABLE planted (a int)",
    "SELECT 1; DROP TABLE orders",
    "SELECT 1; COMMIT; DROP TABLE orders",
    "SELECT 1; SET default_transaction_read_only = off; CREATE TABLE planted (a int)",
    "WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone",
    "SELECT set_config('transaction_read_only', 'off', true)",
])
def test_a_read_cannot_change_the_database(postgres, text):
    add(postgres)
    before = table_names(postgres)
    with pytest.raises(NodeError, match="parameter 'query'"):
        run_node(read_postgres, connection="shop", query=text)
    assert table_names(postgres) == before
    with postgres.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM orders")).scalar() == 4


def test_a_slow_query_is_stopped_at_its_time_limit(postgres):
    add(postgres)
    started = time.monotonic()
    with pytest.raises(NodeError, match="time limit"):
        run_node(read_postgres, connection="shop", query="SELECT pg_sleep(30)", timeout=1)
    assert time.monotonic() - started < 10


# --- writing ----------------------------------------------------------------------------------------

def test_a_table_round_trips_with_its_types(postgres):
    add(postgres, allow_writes=True)
    run_node(write_postgres, {"table": orders()}, connection="shop", table_name="copy_of_orders")
    back = run_node(read_postgres, connection="shop", table_name="copy_of_orders")["table"]
    pd.testing.assert_frame_equal(back, orders(), check_dtype=False)
    with postgres.engine.connect() as connection:
        types = {c["name"]: str(c["type"]) for c in sa.inspect(connection).get_columns("copy_of_orders")}
    assert types["order_id"] == "BIGINT" and types["paid"] == "BOOLEAN" and types["region"] == "TEXT"
    assert types["price"].startswith("DOUBLE") and types["ordered_at"].startswith("TIMESTAMP")


def test_create_replace_and_append(postgres):
    add(postgres, allow_writes=True)
    run_node(write_postgres, {"table": orders()}, connection="shop", table_name="modes")
    with pytest.raises(NodeError, match="already exists") as caught:
        run_node(write_postgres, {"table": orders()}, connection="shop", table_name="modes")
    assert caught.value.param == "if_exists"
    run_node(write_postgres, {"table": orders()}, connection="shop", table_name="modes", if_exists="append")
    assert len(run_node(read_postgres, connection="shop", table_name="modes")["table"]) == 8
    run_node(write_postgres, {"table": orders().head(1)}, connection="shop", table_name="modes", if_exists="replace")
    assert len(run_node(read_postgres, connection="shop", table_name="modes")["table"]) == 1


def test_appending_rows_that_do_not_fit_changes_nothing(postgres):
    add(postgres, allow_writes=True)
    run_node(write_postgres, {"table": orders()}, connection="shop", table_name="strict")
    with pytest.raises(NodeError, match="cannot write the table 'strict'"):
        run_node(write_postgres, {"table": pd.DataFrame({"other": [1]})}, connection="shop", table_name="strict",
                 if_exists="append")
    assert len(run_node(read_postgres, connection="shop", table_name="strict")["table"]) == 4


def test_a_connection_is_read_only_unless_it_allows_writes(postgres):
    add(postgres, allow_writes=False)
    with pytest.raises(NodeError, match="connection 'shop' is read-only"):
        run_node(write_postgres, {"table": orders()}, connection="shop", table_name="not_written")
    assert "not_written" not in table_names(postgres)


# --- connections ----------------------------------------------------------------------------------

def test_the_settings_file_is_private_and_a_password_never_shows(postgres, private):
    add(postgres)
    path = connections.settings_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.is_relative_to(private)
    found = connections.get("shop")
    assert postgres.password not in repr(found) and "password" not in found.public()


def test_a_connection_from_the_environment(postgres, monkeypatch):
    monkeypatch.setenv("DATAFLOW_DB_SHOP_ENV", postgres.url("shop"))
    assert connections.names() == ["shop-env"]
    out = run_node(read_postgres, connection="shop-env", query="SELECT count(*) AS n FROM orders")["table"]
    assert out["n"].tolist() == [4]


def test_an_unknown_connection_is_named_with_a_suggestion(postgres):
    add(postgres)
    with pytest.raises(NodeError, match="no connection named 'shp'.*did you mean") as caught:
        run_node(read_postgres, connection="shp", table_name="orders")
    assert caught.value.param == "connection"


def test_a_wrong_password_is_an_error_naming_the_connection(postgres):
    add(postgres, password="wrong")
    with pytest.raises(NodeError, match="cannot connect to connection 'shop'.*password authentication failed"):
        run_node(read_postgres, connection="shop", table_name="orders")


def test_a_server_that_is_down_is_an_error_naming_the_connection(postgres):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    add(postgres, port=closed_port)
    with pytest.raises(NodeError, match="cannot connect to connection 'shop'"):
        run_node(read_postgres, connection="shop", table_name="orders")


def test_a_server_that_never_answers_fails_within_the_connect_timeout(postgres):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    add(postgres, port=silent.getsockname()[1], timeout=2)
    started = time.monotonic()
    try:
        with pytest.raises(NodeError, match="cannot connect to connection 'shop'.*timeout"):
            run_node(read_postgres, connection="shop", table_name="orders")
    finally:
        silent.close()
    assert time.monotonic() - started < 8


def test_the_declarations_are_complete():
    assert check_node(read_postgres) == [] and check_node(write_postgres) == []


def test_the_refresh_policy_decides_the_fingerprint():
    fingerprint = spec_of(read_postgres).fingerprint
    assert fingerprint({"refresh": "every run"}) != fingerprint({"refresh": "every run"})
    assert fingerprint({"refresh": "every N minutes", "refresh_minutes": 60}) == \
        fingerprint({"refresh": "every N minutes", "refresh_minutes": 60})
    assert fingerprint({"refresh": "on request"}) == fingerprint({"refresh": "on request"})


# --- in a workflow ------------------------------------------------------------------------------------

def _cli(*args, env):
    done = subprocess.run([sys.executable, "-m", CLI, *map(str, args), "--json"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env})
    return done.returncode, json.loads(done.stdout)


def test_a_workflow_names_the_connection_and_an_unknown_one_fails_validation(postgres, private, tmp_path):
    add(postgres)
    workflow = tmp_path / "w.json"
    node = {"id": "orders", "type": "db.read_postgres",
            "params": {"connection": "shop", "table_name": "orders", "refresh": "on request"}}
    workflow.write_text(json.dumps({"version": "0.1.0", "nodes": [node], "edges": [], "meta": {}}))
    env = {"DATAFLOW_CACHE_DIR": str(private)}
    statuses = [_cli("run", workflow, env=env)[1]["nodes"][0]["status"] for _ in range(2)]
    assert statuses == ["computed", "cached"]
    assert postgres.password not in workflow.read_text()
    node["params"]["connection"] = "nowhere"
    known = {"id": "known", "type": "db.read_postgres", "params": {"connection": "shop", "table_name": "orders"}}
    write = {"id": "copy", "type": "db.write_postgres", "params": {"connection": "elsewhere", "table_name": "t"}}
    edge = {"source": "known", "source_port": "table", "target": "copy", "target_port": "table"}
    workflow.write_text(json.dumps({"version": "0.1.0", "nodes": [node, known, write], "edges": [edge], "meta": {}}))
    code, report = _cli("validate", workflow, env=env)
    assert code == 2 and [p["node"] for p in report["problems"]] == ["orders", "copy"]
    assert "no connection named 'nowhere'" in report["problems"][0]["message"]
    assert "no connection named 'elsewhere'" in report["problems"][1]["message"]
