"""The `dataflow` command line: a client of the kernel, as the app is, and pack installation.

    dataflow run workflows/iris.json        # or: python -m dataflow.cli run workflows/iris.json

`main.py` is the entry point of the console script. The kernel never imports this package.
"""
