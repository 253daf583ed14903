"""`python -m dataflow.ui [streamlit options]`: start the app, kept local and behind a secret.

The same as `streamlit run ui/app.py [options]`, plus what must be in place before the server
accepts its first connection:
- `netguard.keep_streamlit_local()`: Streamlit never looks this machine up on the internet;
- `launch.install_gate(secret)`: a fresh secret for this launch, required (with the app's own
  origin, and no framing by others) for the page, the WebSocket and every endpoint with app
  data (gate.py). The link to open, with the secret, is printed once the server is up.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dataflow.ui.gate import new_secret
from dataflow.ui.launch import install_gate
from dataflow.ui.netguard import keep_streamlit_local


def main(argv: list[str] | None = None) -> None:
    """Guard, then hand over to Streamlit's own command line (`streamlit run <app.py> ...`)."""
    keep_streamlit_local()
    install_gate(new_secret())
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(Path(__file__).with_name("app.py")),
                *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
