"""Escaping user text for the canvas, whose node content is Markdown with raw HTML (and KaTeX).

Every string a user or a file supplies (labels, column names, values, error messages) goes
through `text()` before it reaches a node: each character that Markdown, HTML or KaTeX could
read as syntax becomes a numeric HTML entity, so it is shown, never interpreted.
"""

from __future__ import annotations

_SAFE = frozenset(" ,.:;-=/")


def text(value: object, limit: int = 200) -> str:
    """`value` as inert text for node content: letters, digits and a few punctuation marks stay,
    everything else becomes `&#N;`; newlines become spaces; long text is cut with an ellipsis."""
    raw = " ".join(str(value).split())
    if len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    return "".join(c if (c.isalnum() and c.isascii()) or c in _SAFE else f"&#{ord(c)};" for c in raw)
