"""`dataflow new-pack` and `dataflow install`: create a node pack, install one safely."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from dataflow.kernel import DataflowError, load_registry
from dataflow.sdk.template import PackNameError, create_pack

from . import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from .install import InstallPlan, apply_install, plan_install
from .terminal import echo, echo_stderr

SYMBOLS = {"new": "+", "upgrade": "^", "downgrade": "v", "reinstall": "="}


def cmd_new_pack(args: argparse.Namespace) -> int:
    """Create a pack from the SDK's template in `--dir`; exit 2 when the name is unusable or taken."""
    try:
        folder = create_pack(args.name, Path(args.dir))
    except (PackNameError, FileExistsError) as exc:
        echo_stderr(f"error: {exc}")
        return EXIT_INVALID
    echo(f"created {folder}")
    echo(f"next: pip install -e {folder}   (its node then shows in `dataflow nodes` and in the app)")
    echo(f"      pytest {folder}")
    return EXIT_OK


def _show_plan(plan: InstallPlan) -> None:
    if not plan.changes:
        echo("nothing to install: everything is already there")
    for change in plan.changes:
        was = f" (installed: {change.installed})" if change.installed else ""
        echo(f"  {SYMBOLS.get(change.action, '?')} {change.action:<9} {change.name} {change.version}{was}")
        if change.problem:
            echo(f"      refused: {change.problem}")


def cmd_install(args: argparse.Namespace) -> int:
    """Show pip's plan, refuse what would break DataFlow (exit 2), install after confirmation."""
    try:
        plan = plan_install(args.packages)
    except DataflowError as exc:
        return _fail(args, str(exc), EXIT_FAILED)
    before = set(load_registry().nodes)
    if not args.json:
        echo("pip would make these changes:")
        _show_plan(plan)
    if plan.refused and not args.force:
        return _fail(args, "refusing to install: it would downgrade or replace what DataFlow or an installed "
                     "plugin needs (see above); use --force to install anyway", EXIT_INVALID, plan)
    if args.dry_run:
        if args.json:
            echo(json.dumps({"status": "dry-run", "plan": plan.to_dict()}, indent=2))
        return EXIT_OK
    if not args.yes and not _confirm():
        return _fail(args, "not installed (confirm with --yes when not running in a terminal)", EXIT_FAILED, plan)
    try:
        apply_install(plan, force=args.force)
    except DataflowError as exc:
        return _fail(args, str(exc), EXIT_FAILED, plan)
    importlib.invalidate_caches()
    registry = load_registry()
    added = sorted(set(registry.nodes) - before)
    failed = [r for r in registry.plugins.values() if r.status == "failed"]
    if args.json:
        echo(json.dumps({"status": "installed", "plan": plan.to_dict(), "new_nodes": added,
                          "failed_plugins": [r.to_dict() for r in failed]}, indent=2))
    else:
        echo(f"installed. New node types: {', '.join(added) or 'none'}")
        for record in failed:
            echo(f"warning: plugin '{record.name}' failed to load: {record.error}")
        echo("the app shows them after a reload of its page")
    return EXIT_OK


def _confirm() -> bool:
    if not sys.stdin.isatty():
        return False
    return input("install? [y/N] ").strip().lower() in ("y", "yes")


def _fail(args: argparse.Namespace, message: str, code: int, plan: InstallPlan | None = None) -> int:
    if args.json:
        echo(json.dumps({"status": "refused" if code == EXIT_INVALID else "failed", "error": message,
                          "plan": plan.to_dict() if plan else None}, indent=2))
    else:
        echo_stderr(f"error: {message}")
    return code

