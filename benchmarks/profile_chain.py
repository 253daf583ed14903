"""Profile the engine on the 1,000-chain (or a fan) of trivial nodes (memory tier, sequential executor).

    python benchmarks/profile_chain.py                   # first runs, top 30 by own time
    python benchmarks/profile_chain.py --rerun           # fully cached re-runs instead
    python benchmarks/profile_chain.py --sort cumulative --nodes 10000 --tiers memory,disk
    python benchmarks/profile_chain.py --executor threads        # the pool path
    python benchmarks/profile_chain.py --fan --nodes 101 --runs 300   # the 100-wide fan instead

Each profiled run gets a fresh cache folder (first runs) or reuses one engine (re-runs).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import harness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rerun", action="store_true", help="profile fully cached re-runs")
    parser.add_argument("--fan", action="store_true", help="a fan (one start, nodes - 1 consumers) instead of a chain")
    parser.add_argument("--tiers", default="memory")
    parser.add_argument("--executor", default="sequential")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--callers", help="also print who calls functions matching this name")
    args = parser.parse_args()
    harness.prepare_environment()
    import graphs

    graph = graphs.compile_(graphs.fan(args.nodes - 1) if args.fan else graphs.chain(args.nodes))
    tiers = args.tiers.split(",")
    profiler = cProfile.Profile()
    if args.rerun:
        with graphs.scratch() as folder, graphs.open_engine(folder, tiers, args.executor) as engine:
            engine.run(graph)
            for _ in range(args.runs):
                profiler.runcall(engine.run, graph)
    else:
        for _ in range(args.runs):
            with graphs.scratch() as folder, graphs.open_engine(folder, tiers, args.executor) as engine:
                profiler.runcall(engine.run, graph)
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"{args.runs} {'cached re-runs' if args.rerun else 'first runs'} of a {args.nodes}-node "
          f"{'fan' if args.fan else 'chain'}, "
          f"tiers {tiers}, {args.executor}: {total / args.runs * 1e3:.1f} ms per run under the profiler "
          f"({total / args.runs / args.nodes * 1e6:.1f} us/node)")
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
