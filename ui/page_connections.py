"""The Connections page: the named database connections workflows refer to, added, tested and
removed here. Passwords go into the db plugin's private settings file (mode 0600), never into a
workflow; a connection set in the environment (DATAFLOW_DB_<NAME>) is listed but not editable.
The logic is the db plugin's (`dataflow_db.connections`); without that plugin the page says so."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    """Draw the connections page."""
    st.title("Connections")
    try:
        from dataflow_db import connections
    except ImportError:
        st.info("Database connections come with the db plugin: `pip install dataflow-db` (it is in plugins/db).")
        return
    from dataflow.sdk import NodeError

    st.caption("A workflow names a connection (`\"connection\": \"sales\"`); its host, user and password stay on "
               f"this computer, in {connections.settings_file()} (readable by you only) or in an environment "
               "variable DATAFLOW_DB_<NAME>. A connection is read-only unless it allows writes.")
    try:
        names = connections.names()
        found = [connections.get(name) for name in names]
    except NodeError as exc:
        st.error(str(exc))
        return
    saved = st.session_state.pop("conn_saved", None)
    if saved:
        st.success(saved)
    if not found:
        st.info("No connection yet: add one below.")
    for connection in found:
        with st.container(border=True):
            where = f"{connection.user}@{connection.host}:{connection.port}/{connection.database}"
            writes = "allows writes" if connection.allow_writes else "read-only"
            st.markdown(f"**{connection.name}** · {connection.kind} · `{where}` · {writes} · from the {connection.origin}")
            test, remove = st.columns(2)
            if test.button("Test", key=f"conn_test_{connection.name}", icon=":material/network_check:"):
                try:
                    st.success(connections.check(connection.name))
                except NodeError as exc:
                    st.error(str(exc))
            if connection.origin == "settings" and remove.button("Remove", key=f"conn_remove_{connection.name}",
                                                                  icon=":material/delete:"):
                connections.remove(connection.name)
                st.rerun()
    _add_form(connections, NodeError)


def _add_form(connections, node_error) -> None:  # noqa: ANN001 - the plugin's module and its error class
    st.subheader("Add or replace a connection")
    with st.form("conn_add", clear_on_submit=True):
        name = st.text_input("Name", key="conn_name", help="Letters, digits, _ and -: what workflows call it")
        host_col, port_col = st.columns([3, 1])
        host = host_col.text_input("Host", value="127.0.0.1", key="conn_host")
        port = port_col.number_input("Port", value=5432, min_value=1, max_value=65535, key="conn_port")
        database = st.text_input("Database", key="conn_database")
        user = st.text_input("User", key="conn_user")
        password = st.text_input("Password", type="password", key="conn_password")
        allow_writes = st.checkbox("Allow write nodes to change this database", key="conn_writes")
        timeout = st.number_input("Connect timeout (seconds)", value=10, min_value=2, max_value=600, key="conn_timeout")
        if st.form_submit_button("Save connection", icon=":material/save:"):
            try:
                connections.save(connections.Connection(
                    name=name.strip(), host=host.strip(), port=int(port), database=database.strip(),
                    user=user.strip(), password=password, allow_writes=allow_writes, connect_timeout=int(timeout)))
            except node_error as exc:
                st.error(str(exc))
            else:
                st.session_state["conn_saved"] = f"Saved connection '{name.strip()}'. Press Test to try it."
                st.rerun()
