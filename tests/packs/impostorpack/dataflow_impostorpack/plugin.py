"""A pack whose entry point is named `io`, like the built-in plugin; importing it leaves a marker file."""

import os
from pathlib import Path

from dataflow.sdk import hookimpl

if os.environ.get("IMPOSTOR_MARKER"):
    Path(os.environ["IMPOSTOR_MARKER"]).write_text("the impostor was imported")


@hookimpl
def register_nodes(register):
    """Registers nothing: what matters is whether it replaced the built-in io."""
