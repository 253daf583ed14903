"""Counts in words, for text the user reads: "1 node", "2 nodes", "0 nodes"."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` with `noun`, or `nouns` (default: noun + "s") unless the count is exactly 1."""
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"
