"""`dev.py`, the two commands of the README: the install is done once per change of the project
files (`app` after `test` installs nothing), and `test` on a machine without Chromium stops at once
saying what to install (or installs it, as root)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "STAMP", tmp_path / "stamp")
    monkeypatch.setattr(module, "venv_bin", lambda name: Path(__file__))     # an existing file: no new venv
    module.calls = []
    monkeypatch.setattr(module, "run", lambda *args, env=None: module.calls.append([str(a) for a in args]))
    return module


def pip_targets(dev) -> list[str]:
    """The root distribution's editable install specs, one per pip install of the projects."""
    return [call[i + 1] for call in dev.calls for i, a in enumerate(call[:-1])
            if a == "-e" and "plugins" not in call[i + 1]]


def test_app_after_test_installs_nothing_and_test_after_app_installs_once(dev):
    dev.install(with_tests=True)
    assert pip_targets(dev) == [f"{ROOT}[test]"]
    dev.calls.clear()
    dev.install(with_tests=False)                     # app: the test extras are a superset
    dev.install(with_tests=True)
    assert dev.calls == []
    dev.STAMP.write_text(json.dumps({"digest": dev._digest(), "extras": []}))
    dev.install(with_tests=True)                      # test after a plain app install: once
    assert pip_targets(dev) == [f"{ROOT}[test]"]
    dev.calls.clear()
    dev.install(with_tests=False)
    dev.install(with_tests=True)
    assert dev.calls == []


def test_the_install_silences_setuptools_deprecation_warnings(dev, monkeypatch):
    seen = []
    monkeypatch.setattr(dev, "run", lambda *args, env=None: seen.append(env))
    dev.install(with_tests=False)
    assert seen and all(env == {"PYTHONWARNINGS": "ignore"} for env in seen)


def test_without_chromium_the_tests_stop_at_once_saying_what_to_install(dev, monkeypatch):
    monkeypatch.setattr(dev, "chromium", lambda: None)
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)          # not root: nothing is installed
    with pytest.raises(SystemExit) as stop:
        dev.main(["test"])
    assert "sudo apt-get install chromium" in str(stop.value.code)
    assert dev.calls == []                                        # stopped before the 20 s install


def test_as_root_the_tests_install_chromium_with_apt_get(dev, monkeypatch):
    found = iter([None, "/usr/bin/chromium"])
    monkeypatch.setattr(dev, "chromium", lambda: next(found))
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/usr/bin/apt-get")
    dev.ensure_system_packages()
    assert dev.calls[-1][:3] == ["apt-get", "install", "-y"] and "chromium" in dev.calls[-1]


def test_as_root_the_tests_install_the_security_suites_tracing_tools_too(dev, monkeypatch):
    monkeypatch.setattr(dev, "chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    monkeypatch.setattr(dev.shutil, "which", lambda name: None if name in ("strace", "ip") else f"/usr/bin/{name}")
    dev.ensure_system_packages()
    assert dev.calls[-1][:3] == ["apt-get", "install", "-y"]
    assert {"strace", "iproute2"} <= set(dev.calls[-1]) and "chromium" not in dev.calls[-1]


def test_only_a_selection_holding_the_browser_tests_needs_chromium(dev):
    assert dev.needs_browser([]) and dev.needs_browser(["-q", "-x"])
    assert dev.needs_browser([str(ROOT / "tests")]) and dev.needs_browser([str(ROOT / "tests" / "ui")])
    assert dev.needs_browser([str(ROOT / "tests" / "ui" / "test_e2e.py")])
    assert not dev.needs_browser([str(ROOT / "tests" / "ui" / "test_document.py"), "-q"])
    assert not dev.needs_browser([str(ROOT / "tests" / "test_run.py")])
    assert not dev.needs_browser(["--ignore-glob=tests/ui/test_e2e*"])


def test_as_root_the_tests_install_postgresql_when_its_server_is_missing(dev, monkeypatch):
    monkeypatch.setattr(dev, "postgresql_installed", lambda: False)
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    monkeypatch.setattr(dev.shutil, "which", lambda name: f"/usr/bin/{name}")
    dev.ensure_postgresql()
    assert dev.calls[-1][:3] == ["apt-get", "install", "-y"] and "postgresql" in dev.calls[-1]


def test_only_a_selection_holding_the_database_tests_needs_postgresql(dev):
    assert dev.needs_postgresql([]) and dev.needs_postgresql([str(ROOT / "plugins")])
    assert dev.needs_postgresql([str(ROOT / "plugins" / "db" / "tests" / "test_postgres.py")])
    assert not dev.needs_postgresql([str(ROOT / "plugins" / "sql"), "-q"])
