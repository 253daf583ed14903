"""Loading the installed plugins for a command, each failure or problem said once on stderr."""

from __future__ import annotations

import logging

from dataflow.kernel import Registry, load_registry

from .terminal import echo_stderr


class _NoLoadWarnings(logging.Filter):
    """Drops the plugin loader's warning lines while the CLI loads plugins: it says the same itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.WARNING


def load_plugins(report: bool = True, lazy: bool = False) -> Registry:
    """The installed plugins, each failure or problem said once on stderr, as a `warning:` line
    (the loader's log line saying the same is left out; `--verbose` still shows its traceback).
    `report=False` for `dataflow plugins`, whose table says it. `lazy=True` (`dataflow run`): the
    plugins that give only node types and executors load when the run looks one of them up."""
    loader_log, quiet = logging.getLogger("dataflow.kernel.plugins"), _NoLoadWarnings()
    loader_log.addFilter(quiet)
    try:
        registry = load_registry(lazy=lazy)
    finally:
        loader_log.removeFilter(quiet)
    if report:
        _report_plugin_failures(registry)
    return registry


def _report_plugin_failures(registry: Registry) -> None:
    for record in registry.plugins.values():
        if record.status == "failed":
            echo_stderr(f"warning: plugin '{record.name}' failed to load: {record.error} (see `dataflow plugins`)")
        for problem in record.problems:
            echo_stderr(f"warning: plugin '{record.name}': {problem}")
