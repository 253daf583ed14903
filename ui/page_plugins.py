"""The Plugins page: installed plugins with their versions and contributions, the ones that
failed to load, with their error, and each plugin's problems (a hook no spec declares, an id
another plugin claims too)."""

from __future__ import annotations

import shlex

import streamlit as st

from . import resources
from .kernel_api import DataflowError, InstallPlan, apply_install, plan_install


def render() -> None:
    """Draw the plugins page."""
    reg = resources.registry()
    resources.viewers()  # collected now, so that each plugin's viewers are listed below
    st.title("Plugins")
    if st.button("Reload plugins", key="plugins_reload", icon=":material/refresh:",
                 help="Look for plugins again, e.g. after `pip install` or `dataflow install` in a terminal "
                      "while the app runs"):
        _reload()
        reg = resources.registry()
        resources.viewers()
        st.success(f"Plugins reloaded: {len(reg.nodes)} node types. Reload any other DataFlow tab to see them.")
    records = sorted(reg.plugins.values(), key=lambda r: (r.status != "failed", r.name))
    failed = [r for r in records if r.status == "failed"]
    if failed:
        st.error(f"{len(failed)} plugin(s) failed to load; everything else works.")
    troubled = [r.name for r in records if r.problems]
    if troubled:
        st.warning(f"{len(troubled)} plugin(s) have problems (a hook no spec declares, an id another plugin "
                   f"claims too): {', '.join(troubled)}. Each one's card below says what.")
    for record in records:
        icon = {"loaded": ":material/check_circle:", "failed": ":material/error:",
                "disabled": ":material/pause_circle:"}.get(record.status, "")
        title = f"{icon} {record.name} — {record.distribution or record.module} {record.version or ''}"
        with st.expander(title, expanded=record.status == "failed" or bool(record.problems)):
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
                              for t in nodes if t in reg.nodes], hide_index=True, width="stretch")
            others = {k: v for k, v in record.contributions.items() if k != "nodes" and v}
            for kind, items in others.items():
                st.markdown(f"**{kind.capitalize()}**: " + ", ".join(f"`{i}`" for i in items))
    _install_section()
    if reg.conflicts:
        st.subheader("Conflicts")
        for kind, item_id, plugins in reg.conflicts:
            st.warning(f"{kind[:-1]} '{item_id}' is declared by {', '.join(plugins)}; none is loaded.")


def _install_section() -> None:
    """Install a node pack: pip's dry run first, what it would change, then the real install.

    Changes that would downgrade or replace what DataFlow or an installed plugin needs are refused
    unless the user explicitly forces them (the same rules as `dataflow install`)."""
    st.subheader("Install a node pack")
    with st.form("install_form", border=False):
        text = st.text_input("Package", key="install_spec", placeholder="a name on PyPI, a local folder, a wheel or a URL",
                             help="What you would give to pip install. DataFlow asks pip what would change first.")
        checked = st.form_submit_button("Check what would change", icon=":material/search:")
    if checked:
        st.session_state.pop("install_plan", None)
        packages = shlex.split(text or "")
        if not packages:
            st.warning("Type a package first.")
        else:
            with st.spinner("Asking pip for a dry run…"):
                try:
                    st.session_state["install_plan"] = plan_install(packages)
                except DataflowError as exc:
                    st.error(str(exc))
    plan: InstallPlan | None = st.session_state.get("install_plan")
    if plan is None:
        return
    if not plan.changes:
        st.info("Nothing to install: everything is already there.")
        return
    st.dataframe([{"package": c.name, "action": c.action, "version": c.version, "installed": c.installed or "",
                   "refused because": c.problem or ""} for c in plan.changes], hide_index=True, key="install_table")
    force = False
    if plan.refused:
        st.error("Installing this would downgrade or replace what DataFlow or an installed plugin needs.")
        force = st.checkbox("Install anyway (it may break DataFlow or a plugin)", key="install_force")
    if st.button("Install", key="install_go", type="primary", disabled=bool(plan.refused) and not force):
        with st.spinner(f"Installing {' '.join(plan.packages)}…"):
            try:
                apply_install(plan, force=force)
            except DataflowError as exc:
                st.error(str(exc))
                return
        st.session_state.pop("install_plan", None)
        _reload()
        st.success("Installed. Reload the page (and any other DataFlow tab) to see the new nodes in the palette.")


def _reload() -> None:
    """Load the plugins again (registry and engine), and drop this session's analysis of the open
    workflow, which was made with the old ones."""
    resources.reload_plugins()
    if "memo" in st.session_state:
        st.session_state.memo.clear()
