"""scikit-learn's toy data sets (shipped inside scikit-learn, nothing is downloaded) as tables."""

from __future__ import annotations

from typing import Annotated, Literal

from dataflow.sdk import Help, Table, TableSchema, node

# The data sets whose target is a class: their `target` column holds the class names as text.
_CLASSIFICATION = {"iris", "wine", "breast_cancer", "digits"}


_MEASURES = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
             "symmetry", "fractal dimension")
#: each data set's feature columns, known without loading it (scikit-learn's own names)
_FEATURES = {
    "iris": ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"),
    "wine": ("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
             "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines",
             "proline"),
    "breast_cancer": (*(f"mean {m}" for m in _MEASURES), *(f"{m} error" for m in _MEASURES),
                      *(f"worst {m}" for m in _MEASURES)),
    "diabetes": ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"),
    "digits": tuple(f"pixel_{row}_{col}" for row in range(8) for col in range(8)),
}


def _dataset_schema(*, name: str) -> TableSchema:
    target = "text" if name in _CLASSIFICATION else "number"
    return TableSchema.of(*((feature, "number") for feature in _FEATURES[name]), ("target", target))


@node(category="Input/Samples", label="Sample data set", schema=_dataset_schema)
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
