"""`dataflow run` lets each node reuse the memory earlier nodes freed (cli/allocator.py)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

from tests.helpers import edge, write_workflow

ON_GLIBC = platform.libc_ver()[0] == "glibc"

# 80 MB of column-sized arrays allocated and freed five times, as a node's temporaries are; prints
# the page faults the last four rounds took (0 when the freed memory was reused)
FAULTS_SCRIPT = """
import os, resource, sys
if sys.argv[1] == "tuned":
    from dataflow.cli.allocator import tune_for_batch
    print(tune_for_batch())
import numpy as np

def node_temporaries():
    arrays = [np.ones(1_000_000) for _ in range(10)]
    del arrays

node_temporaries()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    node_temporaries()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str, env: dict | None = None) -> list[str]:
    done = subprocess.run([sys.executable, "-c", FAULTS_SCRIPT, mode], capture_output=True, text=True,
                          timeout=120, env=env, check=True)
    return done.stdout.split()


def test_after_tuning_memory_freed_by_one_step_is_reused_by_the_next_without_page_faults():
    applied, tuned_faults = faults("tuned")
    (default_faults,) = faults("default")
    if not ON_GLIBC:  # the settings exist only in glibc's malloc: elsewhere the call does nothing
        assert applied == "False"
        return
    assert applied == "True"
    assert int(tuned_faults) < 100
    assert int(default_faults) > 1000  # glibc's defaults give the memory back and fault it in again


def test_the_opt_out_variable_leaves_glibc_defaults():
    applied, _ = faults("tuned", {**os.environ, "DATAFLOW_MALLOC_TUNING": "0"})
    assert applied == "False"


def test_dataflow_run_tunes_its_process_and_says_so_on_verbose_unless_turned_off(cli, tmp_path):
    workflow = write_workflow(tmp_path / "wf.json", [
        {"id": "n", "type": "testpack.numbers", "params": {"count": 3}},
        {"id": "t", "type": "testpack.total", "params": {}},
    ], [edge("n", "t")])
    done = cli("run", workflow, "--verbose")
    assert done.returncode == 0, done.stderr
    assert ("malloc tuned for a batch run" in done.stderr) == ON_GLIBC
    cli.env["DATAFLOW_MALLOC_TUNING"] = "off"
    done = cli("run", workflow, "--verbose")
    assert done.returncode == 0, done.stderr
    assert "malloc tuned" not in done.stderr
    assert "DATAFLOW_MALLOC_TUNING is off" in done.stderr
