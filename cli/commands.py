"""The subcommands and their arguments: everything `dataflow --help` shows, and nothing else.

Each subcommand names its handler as `"module:function"` (`args.handler`), a module of this
package that `main.py` imports only when that command runs: `dataflow run` imports `run.py` and
what it needs, never the modules of history, packs, report, export or install. So this module
imports nothing of DataFlow, and a command's start-up pays only for that command.
"""

from __future__ import annotations

import argparse
from typing import Any

#: the Dask executor's scheduler address variable (`run --scheduler` sets it for this process)
SCHEDULER_ENV = "DATAFLOW_DASK_SCHEDULER"
#: `diff`'s name for the workflow file as it is now
CURRENT = "current"


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register every subcommand on the main parser's subcommands, in `--help` order."""
    _add_run(sub, common)
    _add_validate(sub, common)
    _add_listing(sub, common)
    _add_cache(sub, common)
    _add_history(sub, common)
    _add_export(sub, common)
    _add_report(sub, common)
    _add_packs(sub, common)


def add_value_options(parser: argparse.ArgumentParser) -> None:
    """Add `--set` and `--params` to a subcommand (read by `values.given_values`)."""
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="set workflow parameter NAME, or node parameter NODE.PARAM=VALUE (repeatable); "
                             "validated like the app does")
    parser.add_argument("--params", metavar="FILE", help="set workflow parameters from a JSON object such as "
                                                         '{"threshold": 0.7} (--set wins over it)')


def worker_count(text: str) -> int:
    """`--workers`: a whole number of at least 1 (argparse reports anything else, exit 2)."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {count}")
    return count


def _add_run(sub: Any, common: argparse.ArgumentParser) -> None:
    run = sub.add_parser("run", parents=[common], help="run a workflow headless")
    run.add_argument("workflow", help="the workflow JSON file")
    add_value_options(run)
    run.add_argument("--only", action="append", default=[], metavar="NODE",
                     help="run this node and what it needs, nothing else (repeatable)")
    run.add_argument("--executor", default="threads",
                     help="execution back end: sequential, threads, processes (dask with dataflow-dask)")
    run.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                     help=f"with --executor dask: run on this Dask scheduler's cluster instead of a local one "
                          f"(default: ${SCHEDULER_ENV}); see docs/dask.md for what a remote scheduler exposes")
    run.add_argument("--workers", type=worker_count, default=None, help="worker count for pool executors (1 or more)")
    run.add_argument("--no-cache", action="store_true", help="compute every node; read and write no cache")
    run.add_argument("--json", action="store_true", help="print one JSON object with every node's result")
    run.add_argument("--output-dir", metavar="DIR",
                     help="write outputs of nodes nothing consumes: tables as Parquet, metrics as JSON, figures as HTML")
    run.add_argument("--data-dir", action="append", default=[], metavar="FOLDER",
                     help="grant file nodes access to FOLDER (repeatable; the workflow's folder and "
                          "DATAFLOW_DATA_DIRS are always granted)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    run.set_defaults(handler="run:cmd_run")


def _add_validate(sub: Any, common: argparse.ArgumentParser) -> None:
    validate = sub.add_parser("validate", parents=[common], help="report every problem in a workflow without running it")
    validate.add_argument("workflow")
    validate.add_argument("--json", action="store_true")
    validate.add_argument("--data-dir", action="append", default=[], metavar="FOLDER",
                          help="grant file nodes access to FOLDER, as `run --data-dir` does (their headers are "
                               "read to check column parameters)")
    add_value_options(validate)
    validate.set_defaults(handler="validate:cmd_validate")


def _add_listing(sub: Any, common: argparse.ArgumentParser) -> None:
    nodes = sub.add_parser("nodes", parents=[common], help="list every node type")
    nodes.add_argument("--json", action="store_true")
    nodes.add_argument("--plugin", help="only the nodes of this plugin")
    nodes.set_defaults(handler="listing:cmd_nodes")

    plugins = sub.add_parser("plugins", parents=[common], help="list plugins, their versions, and the ones that failed to load")
    plugins.add_argument("--json", action="store_true")
    plugins.set_defaults(handler="listing:cmd_plugins")


def _add_cache(sub: Any, common: argparse.ArgumentParser) -> None:
    cache = sub.add_parser("cache", parents=[common], help="show or clear the cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--json", action="store_true")
    cache.set_defaults(handler="cache:cmd_cache")


def _add_history(sub: Any, common: argparse.ArgumentParser) -> None:
    history = sub.add_parser("history", parents=[common], help="list the kept versions of a workflow file")
    history.add_argument("workflow")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler="history:cmd_history")
    diff = sub.add_parser("diff", parents=[common], help="what changed between two versions of a workflow",
                          description="Compare two versions node by node. A version is `latest`, `current` (the "
                                      "file as it is) or an id from `dataflow history` (4 or more digits). "
                                      "Default: the latest kept version against the current file.")
    diff.add_argument("workflow")
    diff.add_argument("old", nargs="?", default="latest", metavar="A")
    diff.add_argument("new", nargs="?", default=CURRENT, metavar="B")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(handler="history:cmd_diff")
    back = sub.add_parser("restore", parents=[common], help="bring back a kept version of a workflow file "
                                                            "(the current file is kept as a version first)")
    back.add_argument("workflow")
    back.add_argument("ref", metavar="VERSION", help="`latest` or an id from `dataflow history` (4 or more digits)")
    back.add_argument("--json", action="store_true")
    back.set_defaults(handler="history:cmd_restore")


def _add_export(sub: Any, common: argparse.ArgumentParser) -> None:
    export = sub.add_parser("export", parents=[common], help="write the workflow as a plain Python script")
    export.add_argument("workflow")
    export.add_argument("-o", "--output", required=True, metavar="SCRIPT", help="the script to write (.py)")
    add_value_options(export)
    export.set_defaults(handler="script:cmd_export")


def _add_report(sub: Any, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser("report", parents=[common], help="run the workflow and write a one-file HTML report")
    report.add_argument("workflow")
    report.add_argument("-o", "--output", required=True, metavar="REPORT", help="the report to write (.html)")
    report.add_argument("--data-dir", action="append", default=[], metavar="FOLDER",
                        help="grant file nodes access to FOLDER, as `run --data-dir` does")
    report.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    add_value_options(report)
    report.set_defaults(handler="report:cmd_report")


def _add_packs(sub: Any, common: argparse.ArgumentParser) -> None:
    new = sub.add_parser("new-pack", parents=[common], help="create a ready-to-install node pack")
    new.add_argument("name", help="the pack's name, e.g. text-tools (node ids become text_tools.<function>)")
    new.add_argument("--dir", default=".", help="the folder to create it in (default: here)")
    new.set_defaults(handler="packs:cmd_new_pack")

    install = sub.add_parser("install", parents=[common],
                             help="install node packs with pip, after a dry run that refuses to break DataFlow")
    install.add_argument("packages", nargs="+", help="what pip should install (names, paths, URLs)")
    install.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    install.add_argument("--dry-run", action="store_true", help="only show what would change")
    install.add_argument("--force", action="store_true",
                         help="install even if it downgrades or replaces what DataFlow or a plugin needs")
    install.add_argument("--json", action="store_true")
    install.set_defaults(handler="packs:cmd_install")
