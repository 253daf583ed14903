"""DataFlow's Streamlit entry point.

For now it shows what is installed: the node catalogue and the plugins, with the ones that
failed to load. The canvas workbench is built on top of this (see the UI issue).
"""

from __future__ import annotations

import streamlit as st

from dataflow.kernel import load_registry

st.set_page_config(page_title="DataFlow", layout="wide")


@st.cache_resource
def registry():
    """The plugin registry, loaded once per process."""
    return load_registry()


reg = registry()
st.title("DataFlow")
st.caption("A local, node-based data-science workbench. Run workflows headless today with "
           "`dataflow run WORKFLOW.json`; the canvas is on its way.")

failed = [r for r in reg.plugins.values() if r.status == "failed"]
for record in failed:
    st.error(f"Plugin **{record.name}** failed to load: {record.error}")

nodes_tab, plugins_tab = st.tabs(["Node types", "Plugins"])
with nodes_tab:
    search = st.text_input("Search nodes", key="node_search")
    for spec in sorted(reg.nodes.values(), key=lambda s: (s.category, s.type_id)):
        if search and search.lower() not in f"{spec.type_id} {spec.description}".lower():
            continue
        st.markdown(f"**{spec.label}** `{spec.type_id}` ({spec.category})")
        st.caption(spec.description)
with plugins_tab:
    st.dataframe([r.to_dict() for r in reg.plugins.values()], hide_index=True)
