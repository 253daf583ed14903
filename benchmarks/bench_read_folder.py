"""io.read_folder on a folder of 1,000 small CSVs vs a plain pandas loop + concat.

    python benchmarks/bench_read_folder.py              # 7 interleaved samples
    python benchmarks/bench_read_folder.py --repeats 9

The folder holds 1,000 CSV files of 50 rows each (order_id, day, customer, amount, shop), made
once in a temporary folder. The subject calls `io.read_folder` (pattern `*.csv`, with its
source-file column) as the engine calls it; the floor is the loop a data scientist writes:
`pd.concat([pd.read_csv(p).assign(source_file=p.name) for p in sorted(folder.glob("*.csv"))])`.
Both in this process, interleaved. Target from the issue: <= 1.2x.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

FILES = 1_000
ROWS = 50


def make_folder() -> Path:
    import numpy as np
    import pandas as pd

    folder = Path(tempfile.mkdtemp(prefix="dataflow-bench-folder-"))
    rng = np.random.default_rng(0)
    for number in range(FILES):
        pd.DataFrame({"order_id": np.arange(number * ROWS, (number + 1) * ROWS),
                      "day": rng.integers(1, 29, ROWS), "customer": rng.integers(1000, 2000, ROWS),
                      "amount": rng.random(ROWS).round(2) * 100,
                      "shop": rng.choice(["north", "south", "east"], ROWS)}).to_csv(folder / f"part-{number:04}.csv",
                                                                                   index=False)
    return folder


def run(repeats: int) -> list:
    import pandas as pd
    from dataflow_io.nodes import read_folder
    from harness import Figure, interleave, report

    folder = make_folder()
    try:
        def subject() -> float:
            started = time.perf_counter()
            read_folder(folder=str(folder), pattern="*.csv")
            return time.perf_counter() - started

        def floor() -> float:
            started = time.perf_counter()
            pd.concat([pd.read_csv(p).assign(source_file=p.name) for p in sorted(folder.glob("*.csv"))],
                      ignore_index=True)
            return time.perf_counter() - started

        ours = read_folder(folder=str(folder), pattern="*.csv")
        plain = pd.concat([pd.read_csv(p).assign(source_file=p.name) for p in sorted(folder.glob("*.csv"))],
                          ignore_index=True)
        assert ours.drop(columns="source_file").equals(plain.drop(columns="source_file"))
        samples = interleave({"subject": subject, "floor": floor}, repeats)
        figures = [Figure(f"io.read_folder, {FILES:,} CSVs of {ROWS} rows", samples["subject"], samples["floor"],
                          "pandas loop + concat", unit="ms", target_on="ratio", target=1.2)]
        report(figures)
        return figures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import harness

    harness.main(run)
