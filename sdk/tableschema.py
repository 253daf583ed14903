"""Table schemas: the ordered columns of a table and their kinds, known without reading its data.

A `TableSchema` is plain data (names, kinds, the categories of a category column), so columns can
be reasoned about without pandas: the kernel's schema pass asks each node how its output schema
follows from its input schemas and parameters, and the `Column` widget (`widgets.py`) names every
column parameter that does not fit before a single row is read.

Kinds are a newcomer's words, shared by the SDK, validation and the app:

    number  integer  text  category  boolean  datetime  other

`other` says nothing about the values, so no check ever fails because of it. A schema whose kinds
were read from the first rows of a file only (a CSV) is not `exact`: its names are certain, its
kinds a reading that later rows may contradict, so validation never refuses a run over them. A
schema that is not `complete` knows some columns but not all (more may follow), so a name it does
not list is never called missing (unless it lacks the prefix all further columns share).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

NUMBER, INTEGER, TEXT, CATEGORY, BOOLEAN, DATETIME, OTHER = (
    "number", "integer", "text", "category", "boolean", "datetime", "other")
KINDS = (NUMBER, INTEGER, TEXT, CATEGORY, BOOLEAN, DATETIME, OTHER)
NUMERIC = (NUMBER, INTEGER)


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    """One column: its name, its kind, and for a category column its categories when known."""

    name: str
    kind: str = OTHER
    categories: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}; kinds: {', '.join(KINDS)}")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.categories is not None:
            data["categories"] = list(self.categories)
        return data


ColumnLike = ColumnSchema | tuple[str, str] | str


@dataclass(frozen=True, slots=True)
class TableSchema:
    """The ordered columns of a table. Immutable: every method returns a new schema.

        TableSchema.of(("price", "number"), ("region", "text"))
        schema.select(["region"]).with_column("total", "number")
    """

    columns: tuple[ColumnSchema, ...] = ()
    #: False when the kinds come from the first rows of a file only (the names are always certain)
    exact: bool = True
    #: False when more columns may follow the known ones (a classifier's probability columns):
    #: then a name that is not here is not known to be missing
    complete: bool = True
    #: for an incomplete schema: every column that may follow starts with this (empty: any name)
    more_prefix: str = ""
    _index: dict[str, ColumnSchema] = field(init=False, repr=False, compare=False, hash=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.name: c for c in reversed(self.columns)})

    @classmethod
    def of(cls, *columns: ColumnLike, exact: bool = True, complete: bool = True) -> TableSchema:
        """A schema from `ColumnSchema`s, `(name, kind)` pairs or bare names (kind `other`)."""
        return cls(tuple(_column(c) for c in columns), exact, complete)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._index
        except TypeError:  # an unhashable "name"
            return False

    def __len__(self) -> int:
        return len(self.columns)

    def get(self, name: str) -> ColumnSchema | None:
        """The column called `name`, or None."""
        try:
            return self._index.get(name)
        except TypeError:
            return None

    def kind(self, name: str) -> str:
        """The kind of column `name` (`other` when there is no such column)."""
        column = self.get(name)
        return column.kind if column is not None else OTHER

    def lacks(self, name: str) -> bool:
        """True when the table is known not to have column `name`."""
        if name in self:
            return False
        return self.complete or bool(self.more_prefix and not str(name).startswith(self.more_prefix))

    def select(self, names: Iterable[str]) -> TableSchema:
        """Only the named columns, in the order given. A name the schema does not have is left out,
        unless the schema is incomplete: then it is kept with kind `other`, and the result is complete."""
        if not self.complete:
            return replace(self, columns=tuple(self.get(n) or ColumnSchema(n) for n in names if not self.lacks(n)),
                           complete=True, more_prefix="")
        return replace(self, columns=tuple(c for n in names if (c := self.get(n)) is not None))

    def drop(self, names: Iterable[str]) -> TableSchema:
        gone = set(names)
        return replace(self, columns=tuple(c for c in self.columns if c.name not in gone))

    def rename(self, mapping: Mapping[str, str]) -> TableSchema:
        return replace(self, columns=tuple(replace(c, name=mapping.get(c.name, c.name)) for c in self.columns))

    def with_column(self, column: ColumnLike, kind: str | None = None) -> TableSchema:
        """A column added at the end, or replacing the one of the same name where it stands."""
        new = _column(column) if kind is None else ColumnSchema(str(column), kind)
        if new.name in self:
            return replace(self, columns=tuple(new if c.name == new.name else c for c in self.columns))
        return replace(self, columns=(*self.columns, new))

    def with_kinds(self, kinds: Mapping[str, str]) -> TableSchema:
        """The same columns, the named ones with new kinds (and no categories)."""
        return replace(self, columns=tuple(ColumnSchema(c.name, kinds[c.name]) if c.name in kinds else c
                                           for c in self.columns))

    def inexact(self) -> TableSchema:
        return replace(self, exact=False)

    def incomplete(self, more_prefix: str = "") -> TableSchema:
        """The same columns, and more may follow (each starting with `more_prefix`, when given)."""
        return replace(self, complete=False, more_prefix=more_prefix)

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns], "exact": self.exact, "complete": self.complete,
                "more_prefix": self.more_prefix}

    def __str__(self) -> str:
        return ", ".join(f"{c.name} ({c.kind})" for c in self.columns) or "no columns"


def _column(value: ColumnLike) -> ColumnSchema:
    if isinstance(value, ColumnSchema):
        return value
    if isinstance(value, str):
        return ColumnSchema(value)
    name, kind = value
    return ColumnSchema(name, kind)


def kind_fits(kind: str, wanted: Iterable[str]) -> bool:
    """Whether a column of `kind` is acceptable where one of `wanted` is asked for: `other` always is,
    and an integer column is a number."""
    wanted = tuple(wanted)
    return not wanted or kind == OTHER or kind in wanted or (kind == INTEGER and NUMBER in wanted)
