"""Suggestions for a mistyped name (a column, a sheet, a format)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, options: Iterable[object]) -> str:
    """A " (did you mean 'x'?)" suffix when a close option exists, else ""."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
