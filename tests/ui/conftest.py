"""Fixtures for the app's tests: the UI test pack installed with pip, a private cache folder,
a real Streamlit server and a headless Chromium (for the e2e tests)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.helpers import PACKS, pip_install_target

HERE = Path(__file__).resolve().parent
UIPACK = HERE / "uipack"


@pytest.fixture(scope="session")
def ui_site(tmp_path_factory) -> Path:
    """dataflow-uipack and dataflow-testpack, pip-installed into a folder put on sys.path."""
    target = tmp_path_factory.mktemp("uisite")
    pip_install_target(target, UIPACK, PACKS / "testpack")
    sys.path.insert(0, str(target))
    yield target
    sys.path.remove(str(target))


@pytest.fixture(scope="session")
def ui_registry(ui_site):
    """A registry with the UI pack and the test pack."""
    from dataflow.kernel import load_registry

    return load_registry()


@pytest.fixture
def app_env(ui_site, tmp_path, monkeypatch) -> Path:
    """A private cache folder and workflows folder for one AppTest; shared resources reset."""
    import streamlit as st

    monkeypatch.setenv("DATAFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DATAFLOW_WORKFLOWS_DIR", str(tmp_path / "workflows"))
    (tmp_path / "workflows").mkdir()
    st.cache_resource.clear()
    yield tmp_path
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def server(ui_site, tmp_path_factory):
    """The real app (`python -m dataflow.ui`, behind its per-launch secret) with the UI pack, its own cache and workflows folders."""
    from tests.ui.server import StreamlitServer

    base = tmp_path_factory.mktemp("e2e")
    (base / "workflows").mkdir()
    env = {"PYTHONPATH": os.pathsep.join([str(ui_site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "DATAFLOW_CACHE_DIR": str(base / "cache"), "DATAFLOW_WORKFLOWS_DIR": str(base / "workflows")}
    with StreamlitServer(env, base / "streamlit.log") as srv:
        srv.base = base
        yield srv


@pytest.fixture(scope="session")
def browser():
    from tests.ui.browser import CHROMIUM, shared_chromium

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium), as "
                    ".ci/run does, or point CHROMIUM at a Chromium binary")
    return shared_chromium()


@pytest.fixture
def page(browser, server):
    from playwright.sync_api import expect

    from tests.ui.browser import TRACK_FLOW_JS

    expect.set_options(timeout=30_000)
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
    ctx.add_init_script(TRACK_FLOW_JS)
    ctx.add_cookies(server.cookies())  # as if the user had opened the link with the secret
    pg = ctx.new_page()
    if float(os.environ.get("CPU_THROTTLE", "1")) > 1:   # robustness check: slow the page's CPU (CDP)
        ctx.new_cdp_session(pg).send("Emulation.setCPUThrottlingRate", {"rate": float(os.environ["CPU_THROTTLE"])})
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    ctx.close()


@pytest.fixture(autouse=True)
def keep_main_module():
    """AppTest runs its script as `__main__` and leaves it there; multiprocessing's spawn and
    forkserver children then re-run that temporary script and die. Put the real one back."""
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    main_spec = getattr(main, "__spec__", None)
    yield
    sys.modules["__main__"] = main
    if main is not None:
        if main_file is None:
            main.__dict__.pop("__file__", None)
        else:
            main.__file__ = main_file
        main.__spec__ = main_spec
