"""Fixtures for the db plugin's tests: a real PostgreSQL server started here on 127.0.0.1 (once per
session), a private folder per test (the connections file lives there), SQLite files made here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pgserver import INSTALL_HINT, TempServer, server_binaries  # noqa: E402


@pytest.fixture(autouse=True)
def private(tmp_path, monkeypatch):
    """A fresh private folder, and no DATAFLOW_DB_* variable from the caller's environment."""
    folder = tmp_path / "private"
    monkeypatch.setenv("DATAFLOW_CACHE_DIR", str(folder))
    for key in [k for k in os.environ if k.startswith("DATAFLOW_DB_")]:
        monkeypatch.delenv(key)
    return folder


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session, with a database `shop` holding `orders`."""
    if server_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    import sqlalchemy as sa

    with TempServer() as server:
        admin = sa.create_engine(server.url("postgres").replace("postgresql://", "postgresql+psycopg://"),
                                 isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as connection:
            connection.execute(sa.text("CREATE DATABASE shop"))
        shop = sa.create_engine(server.url("shop").replace("postgresql://", "postgresql+psycopg://"),
                                poolclass=sa.pool.NullPool)
        with shop.begin() as connection:
            orders().to_sql("orders", connection, index=False)
            connection.execute(sa.text("CREATE SCHEMA sales"))
            orders().head(2).to_sql("orders", connection, schema="sales", index=False)
        server.engine = shop
        yield server


def orders() -> pd.DataFrame:
    return pd.DataFrame({
        "order_id": [1, 2, 3, 4],
        "region": ["north", "south", "north", "O'Brien; DROP TABLE orders; --"],
        "price": [9.5, 20.0, 3.25, 7.0],
        "qty": pd.array([1, 2, None, 1], dtype="Int64"),
        "paid": [True, False, True, True],
        "ordered_at": pd.to_datetime(["2024-01-05 10:00", "2024-02-01 09:30", "2024-02-03 12:00", "2024-03-01 08:00"]),
    })
