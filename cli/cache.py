"""`dataflow cache info` and `dataflow cache clear`: the cache folder, its tiers and their figures."""

from __future__ import annotations

import argparse
from typing import Any

from dataflow.kernel import DataflowError, Engine

from . import EXIT_INVALID, EXIT_OK
from .loading import load_plugins
from .terminal import echo, echo_stderr, print_json


def add_cache_command(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register `cache` on the main parser's subcommands."""
    cache = sub.add_parser("cache", parents=[common], help="show or clear the cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--json", action="store_true")
    cache.set_defaults(handler=cmd_cache)


def cmd_cache(args: argparse.Namespace) -> int:
    """`info`: the cache folder and each tier's figures; `clear`: remove every entry and the run history."""
    registry = load_plugins()
    try:
        engine = Engine.open(registry, executor="sequential" if "sequential" in registry.executors
                             else next(iter(registry.executors), "sequential"))
    except DataflowError as exc:
        echo_stderr(f"error: {exc}")
        return EXIT_INVALID
    with engine:
        if args.action == "clear":
            removed = engine.cache.clear()
            history = engine.history_dir / "history"
            for file in history.glob("*.json") if history.exists() else []:
                file.unlink(missing_ok=True)
            echo(f"removed {removed} cache entries from {engine.history_dir}")
            return EXIT_OK
        info = {"directory": str(engine.history_dir), "tiers": engine.cache.stats()}
    if args.json:
        print_json(info)
    else:
        echo(f"cache folder: {info['directory']}")
        for tier in info["tiers"]:
            figures = ", ".join(f"{k} {v}" for k, v in tier.items() if k not in ("tier", "persistent"))
            echo(f"  {tier['tier']:<8} {figures}")
    return EXIT_OK
