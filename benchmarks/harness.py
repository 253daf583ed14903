"""Timing and reporting shared by every benchmark script.

Rules every figure follows (see README.md):

- A figure is a *subject* timed against a *floor* measured in the same run: the two are
  interleaved, repeat after repeat (the order alternates, so neither always runs first), after
  one untimed warm-up of each. Samples are reduced to the median and the minimum. Figures whose
  samples take milliseconds take three times the repeats (`more`): a median of 7 moves with one
  noisy moment on a shared machine. The table's `n` column gives each figure's sample count.
- The ratio is subject / floor (or floor / subject for a speed-up), of medians and of minimums.
- A target applies to the median: to the measured value itself ("<= 10 us"), to the ratio
  ("<= 1.2x"), to a speed-up (">= 1.7x") or to the difference subject - floor ("<= +0.3 s").
  A figure without a target is information only.

Each script exposes `run(repeats) -> list[Figure]` and can run alone through `main(run)`.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_REPEATS = 7

# --- environment --------------------------------------------------------------------------


def prepare_environment() -> None:
    """Make `bench_nodes` importable here and in every process started from here (the process
    executor's workers and the benchmarks' own subprocesses), compile the project's modules to
    bytecode, and keep the logs quiet."""
    _compile_project()
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(HERE) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), *paths])
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")


def _compile_project() -> None:
    """Bytecode for DataFlow's own modules, as pip writes it for every package it installs.

    The project is installed editable, so its modules are compiled at first import and the
    bytecode is written only when the environment allows it; where PYTHONDONTWRITEBYTECODE is set
    (it is on this machine) every new process would compile them again, while pandas' bytecode
    was written at install. Python reads existing bytecode whatever that variable says."""
    import compileall

    root = HERE.parent
    for folder in ("kernel", "sdk", "ui", "plugins", "benchmarks"):
        if (root / folder).is_dir():
            compileall.compile_dir(root / folder, quiet=2, workers=1)


def cores() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{usable} usable of {os.cpu_count()}"


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def header() -> str:
    """Versions and machine, printed before any figure."""
    import numpy
    import pandas
    import pyarrow

    lines = [
        "DataFlow benchmarks",
        f"  date      {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"  python    {platform.python_version()} ({sys.executable})",
        f"  pandas    {pandas.__version__}   pyarrow {pyarrow.__version__}   numpy {numpy.__version__}",
        f"  cores     {cores()}   load average {_load()}   platform {platform.platform()}",
    ]
    with contextlib.suppress(Exception):
        from dataflow.kernel import load_registry

        registry = load_registry()
        lines.append(f"  plugins   executors {sorted(registry.executors)}  caches {sorted(registry.caches)}  "
                     f"serializers {sorted(registry.serializers)}")
    return "\n".join(lines)


# --- timing -------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    """Seconds taken by `fn()`."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Mean seconds per call over `calls` back-to-back calls (for operations of microseconds)."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def more(repeats: int, factor: float = 3) -> int:
    """Repeats for a figure whose samples are cheap (milliseconds): on this noisy machine a median
    of 7 moves with one bad moment, and more samples cost little. Odd, so the median is a sample."""
    return int(repeats * factor) | 1


def interleave(samplers: dict[str, Callable[[], float]], repeats: int = DEFAULT_REPEATS,
               warmup: int = 1) -> dict[str, list[float]]:
    """Call each sampler (which returns the seconds it measured) `repeats` times, round-robin,
    alternating the order on every round; `warmup` untimed rounds first.

    Garbage is collected before each sample, so one sampler's garbage is not charged to the next.
    What exists before the first sample (imported libraries, the registry, the samplers' fixtures)
    is frozen out of those collections (`gc.freeze`): a full collection walks the whole heap, about
    25 ms with pandas loaded, and leaves the CPU caches cold for the sample that follows, which no
    real run sees. Collections during a sample are untouched."""
    names = list(samplers)
    gc.collect()
    gc.freeze()
    try:
        for _ in range(warmup):
            for name in names:
                samplers[name]()
        samples: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(repeats):
            for name in names if round_ % 2 == 0 else reversed(names):
                gc.collect()
                samples[name].append(samplers[name]())
    finally:
        gc.unfreeze()
    return samples


# --- figures ------------------------------------------------------------------------------

#: samples are seconds; "MiB" and "MB" figures hold sizes already in those units
UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9, "MiB": 1.0, "MB": 1.0}


@dataclass
class Figure:
    """One line of the final table. Samples are in seconds; `unit` is how they are shown.

    `target_on`: "measured" (an absolute bound on the subject, in `unit`), "ratio" (subject /
    floor), "speedup" (floor / subject, a lower bound) or "delta" (subject - floor, in `unit`);
    None for information only.
    """

    name: str
    subject: list[float]
    floor: list[float] | None = None
    floor_name: str = ""
    unit: str = "ms"
    target_on: str | None = None
    target: float | None = None
    note: str = ""
    ratio_kind: str = "ratio"

    def stats(self, samples: list[float]) -> tuple[float, float]:
        scale = UNITS[self.unit]
        return statistics.median(samples) * scale, min(samples) * scale

    @property
    def speedup(self) -> bool:
        return self.target_on == "speedup" or self.ratio_kind == "speedup"

    def ratios(self) -> tuple[float, float] | None:
        if not self.floor:
            return None
        (s_med, s_min), (f_med, f_min) = self.stats(self.subject), self.stats(self.floor)
        if self.speedup:
            return f_med / s_med, f_min / s_min
        return (s_med / f_med if f_med else float("inf")), (s_min / f_min if f_min else float("inf"))

    def target_text(self) -> str:
        if self.target_on is None:
            return "info"
        if self.target_on == "measured":
            return f"<= {self.target:g} {self.unit}"
        if self.target_on == "ratio":
            return f"<= {self.target:g}x"
        if self.target_on == "speedup":
            return f">= {self.target:g}x"
        return f"<= +{self.target:g} {self.unit}"

    def verdict(self) -> str:
        if self.target_on is None or self.target is None:
            return "-"
        med = self.stats(self.subject)[0]
        if self.target_on == "measured":
            ok = med <= self.target
        elif self.target_on == "delta":
            ok = med - self.stats(self.floor)[0] <= self.target
        elif self.target_on == "speedup":
            ok = self.ratios()[0] >= self.target
        else:
            ok = self.ratios()[0] <= self.target
        return "PASS" if ok else "MISS"

    def row(self) -> list[str]:
        s_med, s_min = self.stats(self.subject)
        measured = f"{_num(s_med)} / {_num(s_min)} {self.unit}"
        if self.floor:
            f_med, f_min = self.stats(self.floor)
            floor = f"{_num(f_med)} / {_num(f_min)} {self.unit}  {self.floor_name}"
            r_med, r_min = self.ratios()
            ratio = f"{_ratio(r_med)} / {_ratio(r_min)}" + (" speed-up" if self.speedup else "")
            if self.target_on == "delta":
                delta = s_med - f_med
                ratio += f"  ({'+' if delta >= 0 else '-'}{_num(abs(delta))} {self.unit})"
        else:
            floor, ratio = "-", "-"
        return [self.name, str(len(self.subject)), measured, floor, ratio, self.target_text(), self.verdict()]


def _num(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _ratio(value: float) -> str:
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def table(figures: Iterable[Figure]) -> str:
    """The final table: figure | samples | measured | floor | ratio | target | PASS/MISS (median / min)."""
    figures = list(figures)
    heads = ["figure", "n", "measured (med / min)", "floor (med / min)", "ratio (med / min)", "target", "result"]
    rows = [heads] + [f.row() for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(len(heads))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    notes = [f"  [{f.name}] {f.note}" for f in figures if f.note]
    if notes:
        lines += ["", "notes:", *notes]
    passed = sum(f.verdict() == "PASS" for f in figures)
    missed = sum(f.verdict() == "MISS" for f in figures)
    lines += ["", f"{passed} PASS, {missed} MISS, {len(figures) - passed - missed} information only "
              "(targets judged on the median)"]
    return "\n".join(lines)


def report(figures: list[Figure]) -> None:
    """Print figures as they are measured, so a long run shows progress."""
    for f in figures:
        s_med, s_min = f.stats(f.subject)
        line = f"  {f.name}: {_num(s_med)} / {_num(s_min)} {f.unit}"
        if f.floor:
            r_med, r_min = f.ratios()
            line += f"  ({'speed-up' if f.speedup else 'ratio'} {_ratio(r_med)} / {_ratio(r_min)} vs {f.floor_name})"
        print(line + f"  [{f.verdict()}]", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help=f"interleaved repeats per figure (default {DEFAULT_REPEATS}; at least 7 to report)")
    return parser.parse_args(argv)


def main(run: Callable[[int], list[Figure]], argv: list[str] | None = None) -> list[Figure]:
    """Run one benchmark script alone: header, figures as they come, then the table."""
    args = parse_args(argv)
    prepare_environment()
    print(header(), flush=True)
    started = time.perf_counter()
    figures = run(args.repeats)
    print()
    print(table(figures))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return figures
