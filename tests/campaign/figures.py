"""The campaign's tally: one row per area (cases tried, failures, crashes, hangs, data lost),
printed as a table at the end of the pytest session (see conftest.py), and the load figures
(what was measured, its value and its target: load, and where the kills landed), printed under it."""

from __future__ import annotations

import os
from collections import Counter

#: `DATAFLOW_LONG=1` runs the long part: more examples, 50 kill trials, more concurrent runs
LONG = os.environ.get("DATAFLOW_LONG") == "1"
COLUMNS = ("tried", "failures", "crashes", "hangs", "data lost")
TALLY: dict[str, Counter] = {}
#: load figures: what was measured -> (value as text, target as text)
FIGURES: dict[str, tuple[str, str]] = {}


def tally(area: str) -> Counter:
    """The counters of one area of the table (created at 0 on first use)."""
    return TALLY.setdefault(area, Counter({c: 0 for c in COLUMNS}))


def record(what: str, value: str, target: str = "") -> None:
    """A load figure for the second table."""
    FIGURES[what] = (value, target)


def table() -> str:
    """The figures as a Markdown table."""
    lines = ["| area | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for area, counts in TALLY.items():
        lines.append(f"| {area} | " + " | ".join(f"{counts[c]:,}" for c in COLUMNS) + " |")
    total = Counter()
    for counts in TALLY.values():
        total.update(counts)
    lines.append("| **total** | " + " | ".join(f"**{total[c]:,}**" for c in COLUMNS) + " |")
    return "\n".join(lines)


def figures_table() -> str:
    """The load figures as a Markdown table ("" when none was measured)."""
    if not FIGURES:
        return ""
    lines = ["| figure | measured | target |", "|---|---:|---|"]
    lines += [f"| {what} | {value} | {target} |" for what, (value, target) in FIGURES.items()]
    return "\n".join(lines)
