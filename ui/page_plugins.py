"""The Plugins page: installed plugins with their versions and contributions, and the ones that
failed to load, with their error."""

from __future__ import annotations

import streamlit as st

from . import resources


def render() -> None:
    """Draw the plugins page."""
    reg = resources.registry()
    st.title("Plugins")
    records = sorted(reg.plugins.values(), key=lambda r: (r.status != "failed", r.name))
    failed = [r for r in records if r.status == "failed"]
    if failed:
        st.error(f"{len(failed)} plugin(s) failed to load; everything else works.")
    for record in records:
        icon = {"loaded": ":material/check_circle:", "failed": ":material/error:",
                "disabled": ":material/pause_circle:"}.get(record.status, "")
        title = f"{icon} {record.name} — {record.distribution or record.module} {record.version or ''}"
        with st.expander(title, expanded=record.status == "failed"):
            st.caption(f"status: {record.status} · module: {record.module}")
            if record.error:
                st.error(record.error)
            for problem in record.problems:
                st.warning(problem)
            nodes = record.contributions.get("nodes", [])
            if nodes:
                st.markdown("**Nodes**")
                st.dataframe([{"type": t, "label": reg.nodes[t].label, "category": reg.nodes[t].category,
                               "version": reg.nodes[t].version, "description": reg.nodes[t].description}
                              for t in nodes if t in reg.nodes], hide_index=True, use_container_width=True)
            others = {k: v for k, v in record.contributions.items() if k != "nodes" and v}
            for kind, items in others.items():
                st.markdown(f"**{kind.capitalize()}**: " + ", ".join(f"`{i}`" for i in items))
    if reg.conflicts:
        st.subheader("Conflicts")
        for kind, item_id, plugins in reg.conflicts:
            st.warning(f"{kind[:-1]} '{item_id}' is declared by {', '.join(plugins)}; none is loaded.")
