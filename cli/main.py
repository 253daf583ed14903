"""The entry point of the `dataflow` command: the parser (`commands.py`), logging set-up, and
dispatch to the command's own module, imported only then: a command loads what it uses and not
the other commands' modules. Exit codes are listed in the package docstring (`dataflow.cli`)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable

from . import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK
from .commands import add_commands
from .terminal import PrintableFormatter, echo, echo_stderr


def build_parser() -> argparse.ArgumentParser:
    """The `dataflow` parser: each subcommand's arguments and its handler (`args.handler`)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                        help="log details and show tracebacks")
    parser = argparse.ArgumentParser(prog="dataflow", description="Run and inspect DataFlow workflows.",
                                     parents=[common])
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")
    add_commands(sub, common)
    return parser


def handler_of(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler a subcommand names (`"run:cmd_run"`), its module imported now."""
    module, function = name.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `dataflow` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.verbose = getattr(args, "verbose", False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler])
    if args.version:
        from importlib.metadata import version

        echo(f"dataflow {version('dataflow-workbench')}")
        return EXIT_OK
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_INVALID
    try:
        return handler_of(args.handler)(args)
    except KeyboardInterrupt:
        echo_stderr("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
