"""What the command line prints: text from files made harmless for a terminal.

Node ids, type names, parameter values and error messages come from workflow files and plugins
that other people wrote. Printed raw, an escape sequence in them can recolour or clear the
screen, rewrite earlier lines (carriage return), set the window title, or hide text (bidi
overrides). Everything the CLI prints goes through `printable`, which writes each control or
invisible formatting character as a visible `\\uXXXX` escape; newlines and tabs stay. The same
escape is valid inside a JSON string, so `--json` output keeps its data and stays valid JSON
(json.dumps escapes C0 controls itself, not DEL, C1 controls or bidi marks).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any, TextIO

#: C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), zero-width and bidi
#: formatting marks, the line and paragraph separators, and the byte-order mark.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def printable(text: Any) -> str:
    """`str(text)` with every terminal control character written as a visible `\\uXXXX` escape.

        >>> printable("node\\x1b[2J")
        'node\\\\u001b[2J'
    """
    return UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", str(text))


def echo(text: Any = "", stream: TextIO | None = None) -> None:
    """Print `text` made printable, with a newline, on `stream` (standard output by default)."""
    out = stream or sys.stdout
    out.write(printable(text) + "\n")
    out.flush()


class PrintableFormatter(logging.Formatter):
    """A logging formatter whose lines are `printable` (log messages quote plugin and file text)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def echo_stderr(text: Any = "") -> None:
    """`echo` on standard error: progress, notes, warnings and errors."""
    echo(text, sys.stderr)


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on standard output, made printable like every other line."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        # text the terminal cannot take (a lone surrogate in a node's error, from a file name
        # that is not UTF-8, say): JSON escapes keep the output valid and complete
        text = json.dumps(data, indent=2, ensure_ascii=True, default=str)
    echo(text)
