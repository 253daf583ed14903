"""DataFlow's Streamlit entry point (started by `python -m dataflow.ui`): the frame and the router.

The workbench (palette, canvas, properties, output) is one page; the Plugins page and the
Connections page (the db plugin's named database connections) are the others. Page modules live
next to this file (`page_*.py`); the logic they use lives in small importable modules (`document`,
`canvas`, `analysis`, `runner`, ...), tested without a browser.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dataflow.ui import page_connections, page_plugins, page_workbench
from dataflow.ui.launch import gate_installed
from dataflow.ui.netguard import keep_streamlit_local

keep_streamlit_local()  # Streamlit's origin check never looks up this machine's IPs on the internet

# A file, served by this app: a `:material/...:` page icon is fetched from a Google font host.
ICON = Path(page_workbench.__file__).with_name("static") / "favicon.png"
st.set_page_config(page_title="DataFlow", page_icon=str(ICON), layout="wide")

if st.context.headers.get("Host") and not gate_installed():
    # Served (a browser connected: it sent a Host) by a plain `streamlit run ui/app.py`, without the
    # per-launch secret (ui/gate.py): any program or page on this machine could drive it, so it
    # shows nothing but how to start safely. (AppTest runs the script with no request at all.)
    st.error("DataFlow must be started with `python -m dataflow.ui` (or `python3 dev.py app`), which "
             "protects it with a secret for this launch. This server was started without it and "
             "shows nothing.")
    st.stop()

pages = [
    st.Page(page_workbench.render, title="Workbench", icon=":material/hub:", url_path="workbench", default=True),
    st.Page(page_plugins.render, title="Plugins", icon=":material/extension:", url_path="plugins"),
    st.Page(page_connections.render, title="Connections", icon=":material/database:", url_path="connections"),
]
st.navigation(pages, position="top").run()
