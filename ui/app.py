"""DataFlow's Streamlit entry point (`streamlit run ui/app.py`): the frame and the router.

The workbench (palette, canvas, properties, output) is one page; the Plugins page is the only
other. Page modules live next to this file (`page_*.py`); the logic they use lives in small
importable modules (`document`, `canvas`, `analysis`, `runner`, ...), tested without a browser.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dataflow.ui import page_plugins, page_workbench
from dataflow.ui.netguard import keep_streamlit_local

keep_streamlit_local()  # Streamlit's origin check never looks up this machine's IPs on the internet

# A file, served by this app: a `:material/...:` page icon is fetched from a Google font host.
ICON = Path(page_workbench.__file__).with_name("static") / "favicon.png"
st.set_page_config(page_title="DataFlow", page_icon=str(ICON), layout="wide")

pages = [
    st.Page(page_workbench.render, title="Workbench", icon=":material/hub:", url_path="workbench", default=True),
    st.Page(page_plugins.render, title="Plugins", icon=":material/extension:", url_path="plugins"),
]
st.navigation(pages, position="top").run()
