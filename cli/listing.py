"""`dataflow nodes` and `dataflow plugins`: what is installed, as a table or as JSON."""

from __future__ import annotations

import argparse

from . import EXIT_OK
from .loading import load_plugins
from .terminal import echo, print_json


def cmd_nodes(args: argparse.Namespace) -> int:
    """Every node type by category, with its ports (or only those of `--plugin`)."""
    registry = load_plugins()
    specs = sorted(registry.nodes.values(), key=lambda s: (s.category, s.type_id))
    if args.plugin:
        specs = [s for s in specs if s.plugin == args.plugin]
    if args.json:
        print_json([s.to_dict() for s in specs])
        return EXIT_OK
    category = None
    for spec in specs:
        if spec.category != category:
            category = spec.category
            echo(f"\n{category}")
        ins = ", ".join(f"{p.name}: {p.type.name}{'?' if p.optional else ''}" for p in spec.inputs)
        outs = ", ".join(f"{p.name}: {p.type.name}" for p in spec.outputs)
        echo(f"  {spec.type_id:<32} {spec.description}")
        echo(f"  {'':<32} ({ins}) -> ({outs})")
    return EXIT_OK


def cmd_plugins(args: argparse.Namespace) -> int:
    """Every plugin with its distribution, version, status and contributions, errors and problems."""
    registry = load_plugins(report=False)
    records = list(registry.plugins.values())
    if args.json:
        print_json([r.to_dict() for r in records])
        return EXIT_OK
    for r in records:
        counts = ", ".join(f"{len(v)} {k}" for k, v in r.contributions.items()) or "nothing"
        echo(f"{r.name:<16} {r.distribution or '-':<28} {r.version or '-':<10} {r.status:<8} {counts}")
        if r.error:
            echo(f"{'':<16} error: {r.error}")
        for problem in r.problems:
            echo(f"{'':<16} problem: {problem}")
    return EXIT_OK
