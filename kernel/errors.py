"""The kernel's exceptions: one root, a few meaningful subclasses.

Every message says what happened, where (node, parameter, file, line) and what to do next.
Validation collects every problem before raising, so a user fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass


class DataflowError(Exception):
    """Root of every error the kernel raises on purpose."""


class NodeDefinitionError(DataflowError):
    """A node declaration is invalid; raised at import time, naming the node and the fix."""


class CacheError(DataflowError):
    """A cache entry could not be read or written; the engine treats it as a miss."""


class Cancelled(BaseException):  # noqa: N818  (named for what happened, as asyncio.CancelledError)
    """The run was stopped: raised inside a node by `dataflow.sdk.progress` once the user pressed
    Stop (or Ctrl-C), so a long node ends at its next report instead of running on abandoned.

    A BaseException on purpose, as `asyncio.CancelledError` and `KeyboardInterrupt` are: the
    `except Exception:` that a node (or a library it calls) wraps around a step must not swallow
    it. A node that must clean up uses `try/finally`. The engine reports the node as skipped,
    caches nothing for it, and the next run computes it again."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a workflow, tied to where it is."""

    code: str
    message: str
    node: str | None = None
    edge: int | None = None
    param: str | None = None
    workflow_param: str | None = None  # the workflow parameter it is about (declared, bound or set)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "node": self.node,
                "edge": self.edge, "param": self.param, "workflow_param": self.workflow_param}

    def __str__(self) -> str:
        return self.message


class WorkflowError(DataflowError):
    """A workflow file is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        lines = "\n".join(f"  - {p.message}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"{where}{count} problem{'s' if count != 1 else ''} found:\n{lines}")


class NodeError(DataflowError):
    """Raised by a node for a user mistake (bad column, empty file): shown without a traceback.

        raise NodeError("column 'price' does not exist", param="column")
    """

    def __init__(self, message: str, *, param: str | None = None):
        self.param = param
        super().__init__(f"parameter '{param}': {message}" if param else message)


class OutputTypeError(DataflowError, TypeError):
    """A node returned a value that is not of its output port's type (its serializer's `check` said so)."""


def did_you_mean(word: str, options) -> str:
    """A ' (did you mean `x`?)' suffix when a close option exists, else ''.

    A case slip ("PRICE" for "price") is the likeliest mistake, so it wins over spelling neighbours."""
    return Speller(budget=None)(word, options)


class Speller:
    """`did_you_mean` for many words, in time linear in the number of problems.

    difflib compares a word with every option (about 20 us each), so a file with 10,000 dangling
    edges among 10,000 nodes asked for 10^8 comparisons. A speller prepares each set of options
    once (by `key`), answers a repeated word from memory, always finds a case slip (a dict
    lookup), and spends at most `budget` option comparisons on spelling neighbours in all: the
    first problems get their suggestion, the thousandth of the same kind does not.

        spell = Speller()
        spell("pirce", workflow.nodes, key="nodes")   # ' (did you mean `price`?)'
    """

    BUDGET = 10_000

    def __init__(self, budget: int | None = BUDGET):
        self.budget = budget
        self._prepared: dict[object, tuple[list[str], dict[str, str]]] = {}
        self._answers: dict[tuple[object, str], str] = {}

    def __call__(self, word: str, options, key: object = None) -> str:
        word = str(word)
        if key is not None and (key, word) in self._answers:
            return self._answers[(key, word)]
        names, lowered = self._prepare(options, key)
        close = lowered.get(word.lower())
        cost = 8 + 2 * len(names)  # a search costs about 8 comparisons whatever its size, then 2 per option
        if close is None and (self.budget is None or self.budget >= cost):
            if self.budget is not None:
                self.budget -= cost
            close = _neighbour(word, names, lowered)
        answer = f" (did you mean `{close}`?)" if close is not None else ""
        if key is not None:
            self._answers[(key, word)] = answer
        return answer

    def _prepare(self, options, key: object) -> tuple[list[str], dict[str, str]]:
        prepared = self._prepared.get(key) if key is not None else None
        if prepared is None:
            names = [str(o) for o in options]
            lowered: dict[str, str] = {}
            for name in names:
                lowered.setdefault(name.lower(), name)  # the first spelling wins, as before
            prepared = (names, lowered)
            if key is not None:
                self._prepared[key] = prepared
        return prepared


def _neighbour(word: str, names: list[str], lowered: dict[str, str]) -> str | None:
    """The closest spelling neighbour of `word` by difflib's ratio, then ignoring case."""
    import difflib

    close = difflib.get_close_matches(word, names, n=1)
    if close:
        return close[0]
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1)
    return lowered[close[0]] if close else None
