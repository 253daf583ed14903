"""DataFlow's machine-learning nodes (scikit-learn), registered by `dataflow_sklearn.plugin`."""
