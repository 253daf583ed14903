"""Objects shared by every session of the process, created once (`st.cache_resource`):
the plugin registry and the engine. The engine's granted folders are kept in step with the
app's settings and upload folder."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dataflow.kernel import Engine, Registry, load_registry

from . import storage


@st.cache_resource(show_spinner="Loading plugins…")
def registry() -> Registry:
    """The plugin registry, loaded once per process."""
    return load_registry()


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
