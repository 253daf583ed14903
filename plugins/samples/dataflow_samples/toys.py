"""scikit-learn's toy data sets (shipped inside scikit-learn, nothing is downloaded) as tables."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Help, Table, node

# The data sets whose target is a class: their `target` column holds the class names as text.
_CLASSIFICATION = {"iris", "wine", "breast_cancer", "digits"}


@node(category="Input/Samples", label="Sample data set")
def dataset(
    *,
    name: Annotated[Literal["iris", "wine", "breast_cancer", "diabetes", "digits"],
                    Help("iris (150 flowers, 3 species), wine (178 wines, 3 cultivars), breast_cancer (569 "
                         "tumours, malignant/benign), diabetes (442 patients, disease progression: a number), "
                         "digits (1,797 8x8 images of handwritten digits)")] = "iris",
) -> Table:
    """A classic data set from scikit-learn: its feature columns and a `target` column.

    For the classification sets (iris, wine, breast_cancer, digits) `target` holds the class
    names as text (e.g. "setosa"); for diabetes it is the measured disease progression.
    """
    import numpy as np
    import pandas as pd
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame
    if name in _CLASSIFICATION:
        names = np.asarray(bunch.target_names).astype(str)
        frame["target"] = pd.Series(names[bunch.target.to_numpy()], index=frame.index, dtype="str")
    return frame
