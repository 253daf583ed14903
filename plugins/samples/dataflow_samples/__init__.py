"""DataFlow's sample data: tables that need no file.

`samples.dataset` gives scikit-learn's bundled toy data sets (iris, wine, breast_cancer,
diabetes, digits; no download); `samples.synthetic` generates classification, regression,
blob and daily time-series tables of any size from a seed. scikit-learn, pandas and numpy
are imported when a node runs, not when the plugin loads.
"""

__version__ = "0.1.0"
