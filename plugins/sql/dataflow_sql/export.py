"""Plain DuckDB code for `sql.query`, for `dataflow export` (the `register_exporters` hook).

The query reaches the script as a Python literal and runs on a connection configured and locked as
the node's (`sandbox.py`): in memory, no file system or network access, no extension, no Python
object found by name (only the registered inputs a, b, c), the same memory limit and threads; it
must be one SELECT statement and is interrupted after the node's time limit. `sql.query_files`
(views over files, a private spill folder) stays a call.
"""

from __future__ import annotations

from dataflow.sdk import Code, NodeCode

from .sandbox import _LOCKED


def query_code(node: NodeCode) -> Code:
    out, lit = node.outputs["table"], node.literals
    tables = [(name, node.inputs[name]) for name in ("a", "b", "c") if name in node.inputs]
    lines = [f"for _frame in ({', '.join(var for _, var in tables)},):",
             "    if len(set(map(str, _frame.columns))) != _frame.shape[1]:",
             "        raise ValueError('an input has two columns with the same name; rename one first')",
             f"_statements = duckdb.extract_statements({lit['query']})",
             "if len(_statements) != 1 or _statements[0].type != duckdb.StatementType.SELECT:",
             "    raise ValueError('the query must be one SELECT statement')",
             f"_connection = duckdb.connect(':memory:', config={dict(_LOCKED)!r})",
             "_connection.execute('SET lock_configuration = true')",
             *(f"_connection.register({name!r}, {var})" for name, var in tables),
             f"_timer = _threading.Timer({lit['timeout']}, _connection.interrupt)",
             "_timer.start()",
             "try:",
             f"    {out} = _connection.execute({lit['query']}).df()",
             "finally:",
             "    _timer.cancel()",
             "    _connection.close()"]
    return Code(lines, ["import threading as _threading", "import duckdb"])


EXPORTERS = {"sql.query": query_code}
