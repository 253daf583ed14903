"""`python -m dataflow.ui [streamlit options]`: start the app with Streamlit kept off the network.

The same as `streamlit run ui/app.py [options]`, except that `netguard.keep_streamlit_local()`
runs in the server process before it accepts a connection (see netguard.py for why).
"""

from __future__ import annotations

import sys
from pathlib import Path

from dataflow.ui.netguard import keep_streamlit_local


def main(argv: list[str] | None = None) -> None:
    """Guard, then hand over to Streamlit's own command line (`streamlit run <app.py> ...`)."""
    keep_streamlit_local()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(Path(__file__).with_name("app.py")),
                *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
