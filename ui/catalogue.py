"""What the palette offers: every node type with the words a search finds it by, and the category
tree (top-level categories, then their sub-categories).

A node is found by its label, type id, category and description words, and also by what it
offers to choose: its `Literal[...]` choices (`iris`, `wine` find the sample data set node) and,
for a parameter that picks a registered estimator (the sklearn plugin's `ModelChoice`, whose widget
JSON says `"kind": "modelchoice"`), every estimator of that kind by id and label (`kmeans` finds
the clustering node). Nothing here knows about Streamlit.

The ranking rule, best first (`rank`; the browser applies the same one as the user types):
1. the match score (`score`): a query word that is a whole word of the label beats one that only
   starts a word of the label, which beats any match outside the label (type id, choices,
   category, description, in that order);
2. then how many of the shipped templates use the node type (`uses`): among equal matches the
   node people build with comes first (`split`: *Train/test split*, in five templates, before
   *Split column*, in none);
3. then the label, alphabetically.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .kernel_api import NodeSpec

_WORD = re.compile(r"[a-z0-9]+")
_LABEL_WORD = re.compile(r"[a-z0-9]+(?:/[a-z0-9]+)*")


@dataclass(frozen=True)
class Entry:
    """One node type as the palette shows and searches it."""

    type_id: str
    label: str
    category: str           # "Transform/Rows": the tree's top level is the part before "/"
    description: str
    choices: tuple[str, ...]  # what its parameters offer to choose (shown under a search hit)
    uses: int = 0             # how many shipped templates use the type: breaks ties between equal matches

    @property
    def top(self) -> str:
        return self.category.split("/", 1)[0]

    def to_dict(self) -> dict[str, object]:
        return {"id": self.type_id, "label": self.label, "category": self.category, "top": self.top,
                "description": self.description, "choices": list(self.choices), "uses": self.uses}


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


def uses(types_per_template: Iterable[Iterable[str]]) -> Counter[str]:
    """How many templates use each node type (a type used twice in one template counts once)."""
    return Counter(t for types in types_per_template for t in set(types))


def entries(specs: Iterable[NodeSpec], estimators: Mapping[str, object],
            used: Mapping[str, int] | None = None) -> list[Entry]:
    """The palette's node types (deprecated ones left out), by category then label; `used`: how
    many shipped templates use each type (`uses`)."""
    used = used or {}
    result = [Entry(spec.type_id or spec.name, spec.label, spec.category, spec.description,
                    _choices(spec, estimators), used.get(spec.type_id or spec.name, 0))
              for spec in specs if not spec.deprecated]
    return sorted(result, key=lambda e: (e.category.lower(), e.label.lower()))


def words(text: str) -> list[str]:
    """Lower-case words of `text` (`Train/test split` -> train, test, split)."""
    return _WORD.findall(text.lower())


def label_words(label: str) -> list[str]:
    """Lower-case words of a label, a slash joining a compound into one word (`Train/test split` ->
    train/test, split): a query word that starts the compound matches it, but only as the start of
    a word, so `train` ranks *Train classifier* before *Train/test split* and `split` the other
    way round."""
    return _LABEL_WORD.findall(label.lower())


def score(entry: Entry, query: str) -> int:
    """How well `entry` matches `query` (0: it does not). Every query word must start a word of
    the entry; a word of the label counts most, then the type id, the choices, the category and the
    description. The browser runs the same rule (palette_component/index.html) as the user types."""
    terms = words(query)
    if not terms:
        return 0
    fields = ((8, label_words(entry.label)), (5, words(entry.type_id)), (4, words(" ".join(entry.choices))),
              (2, words(entry.category)), (1, words(entry.description)))
    total = 0
    for term in terms:
        best = max((weight * (2 if term in ws else 1) for weight, ws in fields
                    if any(w.startswith(term) for w in ws)), default=0)
        if best == 0:
            return 0
        total += best
    return total


def rank(entry: Entry, query: str) -> tuple[int, int, str]:
    """The sort key of a search hit (smaller first): match score, then template uses, then label."""
    return -score(entry, query), -entry.uses, entry.label.lower()


def search(all_entries: Iterable[Entry], query: str) -> list[Entry]:
    """The entries matching `query`, best first (the module's ranking rule)."""
    return sorted((e for e in all_entries if score(e, query) > 0), key=lambda e: rank(e, query))


def tree(all_entries: Iterable[Entry]) -> dict[str, dict[str, list[Entry]]]:
    """{top-level category: {full category: [entries]}}, in the entries' order."""
    result: dict[str, dict[str, list[Entry]]] = {}
    for entry in all_entries:
        result.setdefault(entry.top, {}).setdefault(entry.category, []).append(entry)
    return result
