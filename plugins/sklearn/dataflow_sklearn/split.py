"""Split a table into training and test rows."""

from __future__ import annotations

from typing import Annotated, TypedDict

from dataflow.sdk import Bounds, Column, Help, NodeError, Step, Table, node

from . import schemas
from .columns import require_column


class Split(TypedDict):
    train: Annotated[Table, Help("The rows to train on")]
    test: Annotated[Table, Help("The held-out rows to evaluate on")]


@node(category="Machine learning/Prepare", label="Train/test split", schema=schemas.split)
def train_test_split(table: Table, *,
                     test_fraction: Annotated[float, Bounds(0.01, 0.99), Step(0.05),
                                              Help("Share of the rows held out for testing")] = 0.25,
                     stratify: Annotated[str, Column("table"),
                                         Help("Keep this column's class proportions in both parts (empty: no)")] = "",
                     seed: Annotated[int, Bounds(0, 2**31 - 1), Help("Seed of the shuffle (same seed, same split)")]
                     = 0) -> Split:
    """Shuffle the rows and split them into a training part and a test part.

    Rows keep their index labels, so the parts can be joined back to the original table.
    The split is the one scikit-learn's train_test_split gives for the same seed.
    """
    from sklearn.model_selection import train_test_split as split

    n_test = round(len(table) * test_fraction)
    if len(table) < 2 or n_test < 1 or n_test >= len(table):
        raise NodeError(f"cannot split {len(table)} row(s) with a test fraction of {test_fraction}: each part needs "
                        "at least one row", param="test_fraction")
    labels = None
    if stratify:
        require_column(table, stratify, "stratify")
        labels = table[stratify]
        missing = int(labels.isna().sum())
        if missing:
            raise NodeError(f"the stratify column '{stratify}' has {missing} missing value(s); fill or drop them "
                            "first", param="stratify")
        counts = labels.value_counts()
        if counts.min() < 2:
            rare = ", ".join(repr(c) for c in counts[counts < 2].index[:5])
            raise NodeError(f"class(es) {rare} of '{stratify}' have a single row, so they cannot be in both parts; "
                            "leave stratify empty or remove those rows", param="stratify")
        labels = labels.to_numpy(dtype=object)
    try:
        train, test = split(table, test_size=test_fraction, random_state=seed, stratify=labels)
    except ValueError as exc:  # e.g. fewer test rows than classes when stratifying
        raise NodeError(f"cannot split: {exc}", param="stratify" if stratify else "test_fraction") from None
    return {"train": train, "test": test}
