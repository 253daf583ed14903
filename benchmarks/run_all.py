"""Run every DataFlow benchmark and print one table: figure | measured | floor | ratio | target | result.

    python benchmarks/run_all.py                  # everything, 7 interleaved repeats per figure
    python benchmarks/run_all.py --only engine,cache
    python benchmarks/run_all.py --repeats 9

Each script also runs alone (`python benchmarks/bench_engine.py`). See README.md.
"""

from __future__ import annotations

import argparse
import gc
import time

import harness

SUITES = ("engine", "cache", "parallel", "startup", "data", "schemas", "validate", "command", "dask", "profile",
          "export", "loops")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=harness.DEFAULT_REPEATS,
                        help=f"interleaved repeats per figure (default {harness.DEFAULT_REPEATS})")
    parser.add_argument("--only", default=",".join(SUITES), help=f"comma-separated subset of {', '.join(SUITES)}")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; choose from {', '.join(SUITES)}")
    if args.repeats < harness.DEFAULT_REPEATS:
        print(f"note: {args.repeats} repeats is fewer than the {harness.DEFAULT_REPEATS} a reported figure needs")

    harness.prepare_environment()
    import bench_cache
    import bench_command
    import bench_dask
    import bench_data
    import bench_engine
    import bench_export
    import bench_loops
    import bench_parallel
    import bench_profile
    import bench_schemas
    import bench_startup
    import bench_validate

    modules = {"engine": bench_engine, "cache": bench_cache, "parallel": bench_parallel, "startup": bench_startup,
               "data": bench_data, "schemas": bench_schemas,
                "validate": bench_validate, "command": bench_command, "dask": bench_dask,
               "profile": bench_profile, "export": bench_export, "loops": bench_loops}
    print(harness.header(), flush=True)
    started = time.perf_counter()
    figures = []
    for name in chosen:
        suite_start = time.perf_counter()
        figures += modules[name].run(args.repeats)
        gc.collect()
        print(f"  ({name}: {time.perf_counter() - suite_start:.0f} s)", flush=True)
    print(f"\n== results (median / min over n interleaved samples: {args.repeats}, or more where a sample "
          "takes milliseconds) ==\n")
    print(harness.table(figures))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
