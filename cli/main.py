"""The entry point of the `dataflow` command: the parser, logging set-up, and dispatch to the
command modules. Exit codes are listed in the package docstring (`dataflow.cli`)."""

from __future__ import annotations

import argparse
import logging
import sys

from . import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK
from .cache import add_cache_command
from .history import add_history_commands
from .listing import add_listing_commands
from .packs import add_pack_commands
from .report import add_report_command
from .run import add_run_command
from .script import add_export_command
from .terminal import PrintableFormatter, echo, echo_stderr
from .validate import add_validate_command


def build_parser() -> argparse.ArgumentParser:
    """The `dataflow` parser: each subcommand's arguments and its handler (`args.handler`)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                        help="log details and show tracebacks")
    parser = argparse.ArgumentParser(prog="dataflow", description="Run and inspect DataFlow workflows.",
                                     parents=[common])
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")
    add_run_command(sub, common)
    add_validate_command(sub, common)
    add_listing_commands(sub, common)
    add_cache_command(sub, common)
    add_history_commands(sub, common)
    add_export_command(sub, common)
    add_report_command(sub, common)
    add_pack_commands(sub, common)
    return parser


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
        return args.handler(args)
    except KeyboardInterrupt:
        echo_stderr("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
