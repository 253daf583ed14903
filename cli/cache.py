"""`dataflow cache info` and `dataflow cache clear`: the cache folder, its tiers and their figures.

The tiers come from plugins (the built-in `cache` plugin, distribution `dataflow-cache`). Without
any, both commands say in one line what to install or enable, and exit 2.
"""

from __future__ import annotations

import argparse

from dataflow.kernel import DataflowError, Engine, Registry
from dataflow.kernel.pluginindex import FILE_NAME as PLUGIN_INDEX
from dataflow.kernel.plugins import BUILTIN_PLUGINS

from . import EXIT_INVALID, EXIT_OK
from .loading import load_plugins
from .terminal import echo, echo_stderr, print_json


def cmd_cache(args: argparse.Namespace) -> int:
    """`info`: the cache folder and each tier's figures; `clear`: remove every entry, the run history and
    the plugin index (`dataflow run` writes it again)."""
    registry = load_plugins()
    if not registry.caches:
        echo_stderr(f"error: {why_no_cache(registry)}")
        return EXIT_INVALID
    try:
        engine = Engine.open(registry, executor="sequential" if "sequential" in registry.executors
                             else next(iter(registry.executors), "sequential"))
    except DataflowError as exc:
        echo_stderr(f"error: {exc}")
        return EXIT_INVALID
    with engine:
        if engine.cache is None:  # every tier failed to start: the engine logged why, one line each
            echo_stderr("error: no cache tier could start (see the warnings above)")
            return EXIT_INVALID
        if args.action == "clear":
            removed = engine.cache.clear()
            history = engine.cache_root / "history"
            for file in history.glob("*.json") if history.exists() else []:
                file.unlink(missing_ok=True)
            (engine.cache_root / PLUGIN_INDEX).unlink(missing_ok=True)
            echo(f"removed {removed} cache entries from {engine.cache_root}")
            return EXIT_OK
        info = {"directory": str(engine.cache_root), "tiers": engine.cache.stats()}
    if args.json:
        print_json(info)
    else:
        echo(f"cache folder: {info['directory']}")
        for tier in info["tiers"]:
            figures = ", ".join(f"{k} {v}" for k, v in tier.items() if k not in ("tier", "persistent"))
            echo(f"  {tier['tier']:<8} {figures}")
    return EXIT_OK


def why_no_cache(registry: Registry) -> str:
    """One line saying why `registry` has no cache tier, and what to install or enable."""
    distribution = BUILTIN_PLUGINS["cache"]
    record = registry.plugins.get("cache")
    if record is None:
        return f"no cache plugin is installed: `pip install {distribution}` to use `dataflow cache`"
    if record.status == "disabled":
        return (f"the cache plugin ({distribution}) is disabled by DATAFLOW_PLUGINS / DATAFLOW_DISABLE_PLUGINS: "
                f"enable it to use `dataflow cache`")
    if record.status == "failed":
        return (f"the cache plugin ({distribution}) failed to load (see `dataflow plugins`): reinstall "
                f"{distribution} to use `dataflow cache`")
    return f"the cache plugin ({distribution}) registered no cache tier (see `dataflow plugins`)"
