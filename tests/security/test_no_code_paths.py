"""No workflow or formula text reaches `eval`, `exec`, `compile`, `DataFrame.query/eval`, `pd.eval`,
pickle or `joblib.load` (issue 15, the security suite).

A static check reads every module of kernel/, sdk/, ui/ and the built-in plugins with `ast` and
lists each call that could run code or unpickle; only the documented exceptions below may stay,
each with its reason (and each must still exist, so the list stays honest). A payload test then
runs `dataflow run` on a workflow full of hostile formulas and a pickle disguised as a model
file, under a Python audit hook, and proves at run time that none of that text was executed,
no dangerous class was unpickled, no command was started and the marker file never appeared.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_workflow
from tests.test_formula import hostile

pytestmark = pytest.mark.security_check("no workflow text reaches eval/exec/compile/query/pickle")
ROOT = Path(__file__).resolve().parents[2]
CODE = [ROOT / "kernel", ROOT / "sdk", ROOT / "ui", *sorted(ROOT.glob("plugins/*/dataflow_*"))]

RUNS_CODE = {"eval", "exec", "compile", "__import__", "breakpoint"}       # builtins called by name
RUNS_CODE_ATTRIBUTES = {"query", "eval"}                                   # DataFrame.query/eval, pd.eval
UNPICKLES = {"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle"}
ALLOWED = {
    # (file, what): why it is safe
    ("plugins/serializers/dataflow_serializers/models.py", "joblib.load"):
        "the model serializer of DataFlow's private cache (mode 0700) and its own workers; "
        "it has no export, so the engine never reads these bytes from anywhere a workflow names",
    ("plugins/dask/dataflow_dask/executor.py", "import pickle"):
        "only pickle.PickleBuffer: a serializer's bytes handed out of band to Dask's own transport between "
        "DataFlow's driver and its workers; nothing here unpickles",
    ("sdk/formula/text.py", "ast.parse"):
        "the formula interpreter parses (never runs) the text, then walks the tree with an allowlist",
    **{(f"plugins/executors/dataflow_executors/{name}", what): why
       for name, why in [("wire.py", "messages on the pipe between the engine and its own worker processes"),
                         ("processes.py", "an exception pickled by DataFlow's own worker process"),
                         ("worker.py", "the worker checks that an exception it just pickled can be rebuilt")]
       for what in ("import pickle", "pickle.loads")},
}


def _uses(path: Path) -> list[tuple[int, str]]:
    """(line, what) for every call or import in `path` that could run code or unpickle."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in RUNS_CODE:
                found.append((node.lineno, func.id))
            elif isinstance(func, ast.Attribute):
                dotted = ast.unparse(func)
                owner = dotted.split(".")[0]
                if func.attr in RUNS_CODE_ATTRIBUTES or dotted in ("joblib.load", "ast.parse", "pd.read_pickle") \
                        or func.attr in ("read_pickle", "loads") and owner in UNPICKLES | {"joblib"}:
                    found.append((node.lineno, dotted))
                if any(k.arg == "allow_pickle" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                       for k in node.keywords):
                    found.append((node.lineno, f"{dotted}(allow_pickle=...)"))
                if any(k.arg == "trusted" and not isinstance(k.value, ast.Name | ast.Attribute | ast.Call)
                       for k in node.keywords) and func.attr in ("load", "loads"):
                    found.append((node.lineno, f"{dotted}(trusted=<constant>)"))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            for module in modules:
                if module.split(".")[0] in UNPICKLES:
                    found.append((node.lineno, f"import {module}"))
                if module == "joblib" and "load" in names:
                    found.append((node.lineno, "from joblib import load"))
                if module == "builtins" and set(names) & RUNS_CODE:
                    found.append((node.lineno, "from builtins import eval/exec/compile"))
    return found


def _all_uses() -> dict[tuple[str, str], list[int]]:
    uses: dict[tuple[str, str], list[int]] = {}
    for folder in CODE:
        for path in sorted(folder.rglob("*.py")):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            for line, what in _uses(path):
                uses.setdefault((str(path.relative_to(ROOT)), what), []).append(line)
    return uses


def test_the_static_check_finds_what_it_looks_for(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import pickle\nfrom joblib import load\nimport numpy as np\n"
                     "eval(x)\nexec(x)\ncompile(x, 'f', 'eval')\ndf.query(x)\npd.eval(x)\njoblib.load(f)\n"
                     "np.load(f, allow_pickle=True)\npd.read_pickle(f)\nre.compile(x)\nskops.io.load(f, trusted=True)\n")
    assert [what for _, what in _uses(probe)] == [
        "import pickle", "from joblib import load", "eval", "exec", "compile", "df.query", "pd.eval", "joblib.load",
        "np.load(allow_pickle=...)", "pd.read_pickle", "skops.io.load(trusted=<constant>)"]


def test_no_code_of_dataflow_calls_eval_exec_compile_query_or_unpickles_outside_the_documented_exceptions():
    uses = _all_uses()
    unexpected = {f"{path}:{lines} {what}" for (path, what), lines in uses.items() if (path, what) not in ALLOWED}
    assert not unexpected, "calls that could run workflow text or unpickle it:\n" + "\n".join(sorted(unexpected))
    assert set(ALLOWED) <= set(uses), f"documented exceptions that no longer exist: {set(ALLOWED) - set(uses)}"


AUDIT = '''
import os, sys

LOG, MARKER = os.environ["DATAFLOW_AUDIT_LOG"], os.environ["DATAFLOW_AUDIT_MARKER"]
DANGEROUS = {"os", "posix", "nt", "builtins", "subprocess", "sys", "shutil", "importlib", "runpy", "socket"}


def _has_marker(code):
    for const in code.co_consts:
        if isinstance(const, str) and MARKER in const:
            return True
        if hasattr(const, "co_consts") and _has_marker(const):
            return True
    return MARKER in code.co_filename


def _hook(event, args):
    if event == "exec" and hasattr(args[0], "co_consts") and _has_marker(args[0]):
        note = "exec of workflow text"
    elif event == "pickle.find_class" and str(args[0]).split(".")[0] in DANGEROUS:
        note = f"unpickled {args[0]}.{args[1]}"
    elif event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn") and MARKER in repr(args[:3]):  # not the environment
        note = f"{event} {args!r}"
    elif event == "open" and MARKER in str(args[0]):
        note = f"open {args[0]!r}"
    else:
        return
    with open(LOG, "a") as log:
        log.write(note + "\\n")


sys.addaudithook(_hook)
'''


def _audited(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose Python processes run the audit hook, and the log it writes."""
    site = tmp_path / "audit"
    site.mkdir()
    (site / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / "audit.log"
    log.touch()
    return {**os.environ, "PYTHONPATH": str(site), "DATAFLOW_AUDIT_LOG": str(log),
            "DATAFLOW_AUDIT_MARKER": "MARKER_pwned"}, log


def test_the_audit_hook_sees_text_executed_and_dangerous_classes_unpickled(tmp_path):
    env, log = _audited(tmp_path)
    subprocess.run([sys.executable, "-c", "import os, pickle\nexec(compile('x = \"MARKER_pwned\"', 'f', 'exec'))\n"
                    "class C:\n    def __reduce__(self): return (os.getcwd, ())\npickle.loads(pickle.dumps(C()))"],
                   env=env, check=True, timeout=60)
    assert "exec of workflow text" in log.read_text() and "unpickled posix.getcwd" in log.read_text()


class _Planted:
    """A pickle that would create the marker file when unpickled."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_hostile_workflow_runs_none_of_its_text_and_unpickles_nothing(tmp_path, pack_site):
    marker = tmp_path / "MARKER_pwned"
    env, log = _audited(tmp_path)
    env.update(PYTHONPATH=os.pathsep.join([env["PYTHONPATH"], str(pack_site)]), DATAFLOW_CACHE_DIR=str(tmp_path / "cache"))
    (tmp_path / "data.csv").write_text("a,n,flag\nx,1,True\nyy,5,False\n")
    (tmp_path / "model.skops").write_bytes(pickle.dumps(_Planted(str(marker))))
    (tmp_path / "model_joblib.skops").write_bytes(pickle.dumps(_Planted(str(marker)), protocol=2))
    formulas = hostile(str(marker))
    nodes = [{"id": "data", "type": "io.read_csv", "params": {"path": "data.csv"}}]
    nodes += [{"id": f"f{i}", "type": "transform.filter", "params": {"formula": text}} for i, text in enumerate(formulas)]
    nodes += [{"id": f"d{i}", "type": "transform.derive", "params": {"name": "z", "formula": text}}
              for i, text in enumerate(formulas)]
    formula_flow = write_workflow(tmp_path / "formulas.json", nodes, [{"source": "data", "target": n["id"]}
                                                                       for n in nodes[1:]])
    model_flow = write_workflow(tmp_path / "models.json", [
        {"id": "data", "type": "io.read_csv", "params": {"path": "data.csv"}},
        {"id": "model_a", "type": "sklearn.load_model", "params": {"path": "model.skops"}},
        {"id": "model_b", "type": "sklearn.load_model", "params": {"path": "model_joblib.skops"}}])
    results = {}
    for command in (["validate", formula_flow], ["run", formula_flow], ["run", model_flow]):
        done = subprocess.run([sys.executable, "-m", "dataflow.cli", *map(str, command), "--json"], env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode != 0 and "Traceback" not in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
        results[command[0], Path(command[1]).stem] = json.loads(done.stdout)
    # the formulas are refused before anything runs; the pickles are refused as model files
    assert results["run", "formulas"]["status"] == "invalid"
    assert len(results["run", "formulas"]["problems"]) >= len(formulas) * 2 - 10
    status = {n["id"]: n for n in results["run", "models"]["nodes"]}
    assert status["data"]["status"] == "computed"
    assert status["model_a"]["status"] == status["model_b"]["status"] == "failed", status
    assert "not a skops model file" in status["model_a"]["error"], status["model_a"]
    assert log.read_text() == ""  # nothing executed, unpickled or started, no marker opened
    assert not marker.exists()
