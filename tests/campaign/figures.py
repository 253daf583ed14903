"""The campaign's tally: one row per area (cases tried, failures, crashes, hangs, data lost),
printed as a table at the end of the pytest session (see conftest.py)."""

from __future__ import annotations

import os
from collections import Counter

#: `DATAFLOW_LONG=1` runs the long part: more examples, 50 kill trials, more concurrent runs
LONG = os.environ.get("DATAFLOW_LONG") == "1"
COLUMNS = ("tried", "failures", "crashes", "hangs", "data lost")
TALLY: dict[str, Counter] = {}


def tally(area: str) -> Counter:
    """The counters of one area of the table (created at 0 on first use)."""
    return TALLY.setdefault(area, Counter({c: 0 for c in COLUMNS}))


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
