"""Objects shared by every session of the process, created once (`st.cache_resource`):
the plugin registry, the viewers the plugins give the app, and the engine. The engine's granted folders are kept in step with the
app's settings and upload folder. After a pack is installed, `reload_plugins` drops both, so
the next rerun loads the plugins again."""

from __future__ import annotations

import importlib
from pathlib import Path

import streamlit as st

from . import storage
from .hookspecs import Viewer
from .kernel_api import Engine, Registry, collect_contributions, load_registry


@st.cache_resource(show_spinner="Loading plugins…")
def registry() -> Registry:
    """The plugin registry, loaded once per process."""
    return load_registry()


@st.cache_resource(show_spinner=False)
def viewers() -> dict[str, Viewer]:
    """Port type -> viewer, from every plugin's `register_viewers` (the app's hook, `hookspecs.py`).
    Listed under each plugin's contributions on the Plugins page."""
    return collect_contributions(registry(), "register_viewers", check_viewer)


def check_viewer(plugin: str, port_type: object, viewer: object = None) -> tuple[str, Viewer]:
    """What `register(port_type, viewer)` must get: a port type name and a callable."""
    if not isinstance(port_type, str) or not callable(viewer):
        raise TypeError(f"register_viewers expects register(port_type_name, viewer_function), "
                        f"got {port_type!r}, {viewer!r}")
    return port_type, viewer


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The engine, opened once per process, with the upload folder and the settings' folders granted."""
    eng = Engine.open(registry(), executor="threads")
    grant(eng, storage.load_settings()["data_dirs"])
    return eng


def grant(eng: Engine, folders: list[str]) -> None:
    """Make the engine's granted folders = the upload folder + `folders` (from the settings)."""
    wanted = [storage.uploads_dir(), *(Path(f) for f in folders)]
    eng.data_dirs[:] = wanted


def reload_plugins() -> None:
    """Forget the registry and everything built from it, after a pack was installed: the next
    `registry()` finds the new pack's nodes, estimators, formats and port types, and the next
    `engine()` runs with them. The old engine must go too: it holds the old registry and makes it
    the active one on every run (what nodes see through `dataflow.sdk.estimators()` and
    `connectors()`). It is closed once nodes still running on it have finished."""
    old = engine()
    engine.clear()
    viewers.clear()
    registry.clear()
    importlib.invalidate_caches()  # the import system's folder listings predate the install
    old.close()
