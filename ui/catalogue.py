"""What the palette offers: every node type with the words a search finds it by, and the category
tree (top-level categories, then their sub-categories).

A node is found by its label, type id, category and description words, and also by what it
offers to choose: its `Literal[...]` choices (`iris`, `wine` find the sample data set node) and,
for a parameter that picks a registered estimator (the sklearn plugin's `ModelChoice`, whose widget
JSON says `"kind": "modelchoice"`), every estimator of that kind by id and label (`kmeans` finds
the clustering node). Nothing here knows about Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .kernel_api import NodeSpec

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Entry:
    """One node type as the palette shows and searches it."""

    type_id: str
    label: str
    category: str           # "Transform/Rows": the tree's top level is the part before "/"
    description: str
    choices: tuple[str, ...]  # what its parameters offer to choose (shown under a search hit)

    @property
    def top(self) -> str:
        return self.category.split("/", 1)[0]

    def to_dict(self) -> dict[str, object]:
        return {"id": self.type_id, "label": self.label, "category": self.category, "top": self.top,
                "description": self.description, "choices": list(self.choices)}


def _choices(spec: NodeSpec, estimators: Mapping[str, object]) -> tuple[str, ...]:
    found: list[str] = []
    for param in spec.params:
        if param.choices:
            found += [str(c) for c in param.choices]
        widget = param.widget.to_dict() if param.widget is not None else {}
        if widget.get("kind") == "modelchoice":
            for eid, est in estimators.items():
                if getattr(est, "kind", None) == widget.get("model_kind"):
                    found += [eid.rsplit(".", 1)[-1], str(getattr(est, "label", ""))]
    return tuple(dict.fromkeys(c for c in found if c))


def entries(specs: Iterable[NodeSpec], estimators: Mapping[str, object]) -> list[Entry]:
    """The palette's node types (deprecated ones left out), by category then label."""
    result = [Entry(spec.type_id or spec.name, spec.label, spec.category, spec.description,
                    _choices(spec, estimators))
              for spec in specs if not spec.deprecated]
    return sorted(result, key=lambda e: (e.category.lower(), e.label.lower()))


def words(text: str) -> list[str]:
    """Lower-case words of `text` (`Train/test split` -> train, test, split)."""
    return _WORD.findall(text.lower())


def score(entry: Entry, query: str) -> int:
    """How well `entry` matches `query` (0: it does not). Every query word must start a word of
    the entry; a word of the label counts most, then the type id, the choices, the category and the
    description. The browser runs the same rule (palette_component/index.html) as the user types."""
    terms = words(query)
    if not terms:
        return 0
    fields = ((8, words(entry.label)), (5, words(entry.type_id)), (4, words(" ".join(entry.choices))),
              (2, words(entry.category)), (1, words(entry.description)))
    total = 0
    for term in terms:
        best = max((weight * (2 if term in ws else 1) for weight, ws in fields
                    if any(w.startswith(term) for w in ws)), default=0)
        if best == 0:
            return 0
        total += best
    return total


def search(all_entries: Iterable[Entry], query: str) -> list[Entry]:
    """The entries matching `query`, best first (then by label)."""
    scored = [(score(e, query), e) for e in all_entries]
    return [e for s, e in sorted(scored, key=lambda p: (-p[0], p[1].label.lower())) if s > 0]


def tree(all_entries: Iterable[Entry]) -> dict[str, dict[str, list[Entry]]]:
    """{top-level category: {full category: [entries]}}, in the entries' order."""
    result: dict[str, dict[str, list[Entry]]] = {}
    for entry in all_entries:
        result.setdefault(entry.top, {}).setdefault(entry.category, []).append(entry)
    return result
