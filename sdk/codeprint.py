"""A fingerprint of a node's code, so that editing a node recomputes it without a version bump.

As joblib's `Memory` and Hamilton's cache do, the cache key includes what the function *is*,
not only its name and declared version. The fingerprint is a blake2b over:

- the function's bytecode, names and constants (nested functions, lambdas and comprehensions
  included), but not its line numbers, file name or docstring: moving a node in its file or
  rewording its help does not invalidate its results;
- its default values and the values its closure holds;
- what it is defined with in its own module: every module-level function or class of the
  same module it refers to by name (followed transitively, so a helper's helper counts),
  and module-level constants it reads (numbers, strings, and small tuples, lists and dicts
  of them).

Anything else (other modules, installed libraries) is the `version=` and the pack version's
business. The fingerprint is computed once per node type, on first use (`CodePrint`: a module's
helpers may be defined after the decorated function, so reading it at decoration time would
miss them), and takes tens of microseconds for a typical node; it is the same in every process
and on every run.
"""

from __future__ import annotations

import hashlib
import types
from typing import Any

_SIMPLE = (int, float, complex, str, bytes, bool, type(None), type(Ellipsis))
_CONTAINERS = (tuple, frozenset, list, dict)
_MAX_DEPTH = 8  # how deep helper chains are followed; deeper ones are the pack version's business


class CodePrint:
    """A node's code fingerprint as the zero-argument callable a `NodeSpec` carries: computed on
    the first call, then remembered (specs copied by the registry share it)."""

    __slots__ = ("fn", "text")

    def __init__(self, fn: Any):
        self.fn = fn
        self.text = ""

    def __call__(self) -> str:
        if not self.text:
            self.text = code_fingerprint(self.fn)
        return self.text


def code_fingerprint(fn: Any) -> str:
    """A short hex digest of `fn`'s code and what it is defined with in its own module; the same
    text in every process. Never raises: an object without code gets a digest of its name."""
    digest = hashlib.blake2b(digest_size=12)
    try:
        _Walker(digest, getattr(fn, "__module__", None)).function(fn, 0)
    except Exception as exc:  # an exotic callable: its name and the failure still make a stable print
        digest.update(f"unreadable:{getattr(fn, '__qualname__', fn)!s}:{type(exc).__name__}".encode())
    return digest.hexdigest()


class _Walker:
    """Feeds a function and the same-module objects it refers to into one hash, each once."""

    def __init__(self, digest: Any, module: str | None):
        self.digest = digest
        self.module = module
        self.seen: set[int] = set()

    def feed(self, *parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
            self.digest.update(len(data).to_bytes(8, "little"))
            self.digest.update(data)

    def function(self, fn: Any, depth: int) -> None:
        if id(fn) in self.seen:
            self.feed("seen", getattr(fn, "__qualname__", ""))
            return
        self.seen.add(id(fn))
        fn = getattr(fn, "__wrapped__", fn)  # functools.wraps: the wrapped function is the node
        code = getattr(fn, "__code__", None)
        if code is None:
            self.feed("callable", getattr(fn, "__qualname__", type(fn).__qualname__))
            return
        self.feed("fn", fn.__qualname__)
        self.code(code, getattr(fn, "__doc__", None))
        self.feed("defaults", self.value(fn.__defaults__), self.value(fn.__kwdefaults__))
        for cell in fn.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell
                contents = None
            self.reference(contents, depth)
        if depth < _MAX_DEPTH:
            self.globals(code, getattr(fn, "__globals__", {}), depth)

    def code(self, code: types.CodeType, doc: str | None = None) -> None:
        consts = code.co_consts
        if doc is not None and consts and consts[0] == doc:
            consts = consts[1:]  # the docstring is the node's description, not its behaviour
        self.feed(code.co_code, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
                  code.co_argcount, code.co_kwonlyargcount, code.co_flags)
        for const in consts:
            if isinstance(const, types.CodeType):
                self.code(const)
            else:
                self.feed(self.value(const))

    def globals(self, code: types.CodeType, namespace: dict[str, Any], depth: int) -> None:
        for name in _global_names(code):
            if name not in namespace:
                continue  # a builtin, or a name defined later
            value = namespace[name]
            if isinstance(value, _SIMPLE) or (isinstance(value, _CONTAINERS) and _plain(value)):
                self.feed("global", name, self.value(value))
            elif getattr(value, "__module__", None) == self.module:
                self.feed("global", name)
                self.reference(value, depth + 1)

    def reference(self, value: Any, depth: int) -> None:
        """A closure value or a same-module global: functions and classes by their code, plain
        values by their text, anything else by its type only (its state is data, not code)."""
        if isinstance(value, types.FunctionType):
            if value.__module__ == self.module and depth <= _MAX_DEPTH:
                self.function(value, depth)
            else:
                self.feed("fn", value.__module__, value.__qualname__)
        elif isinstance(value, type):
            self.klass(value, depth)
        elif isinstance(value, _SIMPLE) or (isinstance(value, _CONTAINERS) and _plain(value)):
            self.feed(self.value(value))
        else:
            self.feed("object", type(value).__module__, type(value).__qualname__)

    def klass(self, cls: type, depth: int) -> None:
        if id(cls) in self.seen or cls.__module__ != self.module or depth > _MAX_DEPTH:
            self.feed("class", cls.__module__, cls.__qualname__)
            return
        self.seen.add(id(cls))
        self.feed("class", cls.__qualname__, [b.__qualname__ for b in cls.__bases__])
        for name, member in sorted(vars(cls).items()):
            member = getattr(member, "__func__", member)  # staticmethod / classmethod
            if isinstance(member, property):
                member = member.fget
            if isinstance(member, types.FunctionType):
                self.feed("member", name)
                self.function(member, depth + 1)
            elif isinstance(member, _SIMPLE) and not name.startswith("__"):
                self.feed("member", name, self.value(member))

    def value(self, value: Any) -> str:
        """Stable text for a constant: frozensets sorted (their order depends on the hash seed)."""
        if isinstance(value, frozenset):
            return "frozenset(" + ",".join(sorted(self.value(v) for v in value)) + ")"
        if isinstance(value, (tuple, list)):
            return "(" + ",".join(self.value(v) for v in value) + ")"
        if isinstance(value, dict):
            return "{" + ",".join(sorted(f"{self.value(k)}:{self.value(v)}" for k, v in value.items())) + "}"
        if isinstance(value, _SIMPLE):
            return repr(value)
        return f"<{type(value).__module__}.{type(value).__qualname__}>"


def _plain(value: tuple | frozenset | list | dict, budget: int = 1000) -> bool:
    """True for a container of plain values only (numbers, text, nested plain containers), small
    enough (`budget` items) that its text is a cheap part of the fingerprint."""
    items = list(value.items()) if isinstance(value, dict) else value
    if len(items) > budget:
        return False
    for item in items:
        for part in (item if isinstance(value, dict) else (item,)):
            if not (isinstance(part, _SIMPLE) or (isinstance(part, _CONTAINERS) and _plain(part, budget // 2))):
                return False
    return True


def _global_names(code: types.CodeType) -> list[str]:
    """Every name a code object and the code nested in it may look up as a global."""
    names: dict[str, None] = {}
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(dict.fromkeys(current.co_names))
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return list(names)
