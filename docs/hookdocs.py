"""Render `docs/hookspecs.md` from the kernel's hookspecs module, so the page never drifts from the
code. A development tool, not part of the package; run it from the project's root:

    python docs/hookdocs.py > docs/hookspecs.md

`tests/test_docs.py` runs it the same way and fails when the page differs from what it prints.
"""

from __future__ import annotations

import inspect
import sys

from dataflow.kernel import hookspecs


def hook_names() -> list[str]:
    """Every hook, in the order the module declares them."""
    return [name for name, fn in vars(hookspecs).items() if inspect.isfunction(fn) and hasattr(fn, "dataflow_spec")]


def render() -> str:
    """The Markdown page: the module's introduction, then each hook's signature and docstring."""
    parts = ["# Hook specifications\n",
             "Generated from `kernel/hookspecs.py` by `python docs/hookdocs.py > docs/hookspecs.md`; a test "
             "fails when this page and the code differ.\n",
             _indented(inspect.getdoc(hookspecs) or ""), ""]
    for name in hook_names():
        fn = getattr(hookspecs, name)
        signature = str(inspect.signature(fn)).replace("'", "")
        kind = "event" if name.startswith("on_") else "registration"
        parts += [f"## `{name}{signature}`\n", f"*{kind} hook*\n", _indented(inspect.getdoc(fn) or ""), ""]
    return "\n".join(parts).rstrip() + "\n"


def _indented(doc: str) -> str:
    """Docstring text as Markdown: indented example blocks become fenced Python blocks."""
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            while block and not block[-1].strip():
                block.pop()
            out.extend(["```python", *(line[4:] for line in block), "```", ""])
            block.clear()

    for line in doc.splitlines():
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out).strip() + "\n"


if __name__ == "__main__":
    sys.stdout.buffer.write(render().encode("utf-8"))  # UTF-8 with \n line ends, whatever the platform
