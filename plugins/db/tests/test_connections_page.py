"""The app's Connections page (ui/page_connections.py) without a browser: a connection is added
with its password, tested against the real server, listed without its password, and removed."""

from __future__ import annotations

import json
import stat
import sys

import pytest
from streamlit.testing.v1 import AppTest

from dataflow_db import connections


@pytest.fixture(autouse=True)
def keep_main_module():
    """AppTest runs its script as `__main__` and leaves it there; a later test's multiprocessing
    children (the processes executor's forkserver) would re-run that temporary script and die.
    Put the real one back (as tests/ui/conftest.py does)."""
    main = sys.modules.get("__main__")
    main_file, main_spec = getattr(main, "__file__", None), getattr(main, "__spec__", None)
    yield
    sys.modules["__main__"] = main
    if main is not None:
        if main_file is None:
            main.__dict__.pop("__file__", None)
        else:
            main.__file__ = main_file
        main.__spec__ = main_spec


def _page():
    from dataflow.ui import page_connections

    page_connections.render()


def test_a_connection_is_added_tested_and_removed(postgres, private):
    page = AppTest.from_function(_page, default_timeout=60).run()
    assert not page.exception
    page.text_input(key="conn_name").input("shop")
    page.text_input(key="conn_host").input("127.0.0.1")
    page.number_input(key="conn_port").set_value(postgres.port)
    page.text_input(key="conn_database").input("shop")
    page.text_input(key="conn_user").input(postgres.user)
    page.text_input(key="conn_password").input(postgres.password)
    page = next(b for b in page.button if "Save" in b.label).click().run()
    assert not page.exception and "Saved connection 'shop'" in page.success[0].value
    settings = connections.settings_file()
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    assert json.loads(settings.read_text())["shop"]["password"] == postgres.password
    assert postgres.password not in "".join(m.value for m in page.markdown)

    page = page.button(key="conn_test_shop").click().run()
    assert "connected to PostgreSQL" in page.success[0].value and "read-only" in page.success[0].value

    page = page.button(key="conn_remove_shop").click().run()
    assert connections.names() == [] and not page.exception


def test_a_failing_test_says_why(postgres, private):
    connections.save(connections.Connection(name="shop", port=postgres.port, database="shop", user=postgres.user,
                                            password="wrong"))
    page = AppTest.from_function(_page, default_timeout=60).run()
    page = page.button(key="conn_test_shop").click().run()
    assert "password authentication failed" in page.error[0].value


def test_a_connection_from_the_environment_is_listed_but_not_removable(postgres, monkeypatch):
    monkeypatch.setenv("DATAFLOW_DB_WAREHOUSE", postgres.url("shop"))
    page = AppTest.from_function(_page, default_timeout=60).run()
    assert any("warehouse" in m.value and "environment" in m.value for m in page.markdown)
    assert not [b for b in page.button if b.key == "conn_remove_warehouse"]
