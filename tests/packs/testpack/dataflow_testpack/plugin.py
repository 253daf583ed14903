"""Registers every node of the test pack's modules."""

from typing import Annotated, Literal

from dataflow_sklearn import estimator

from dataflow.sdk import Bounds, Help, SourceConnector, hookimpl, spec_of

from . import nodes, parallel_nodes


@hookimpl
def register_nodes(register):
    for module in (nodes, parallel_nodes):
        for value in vars(module).values():
            if spec_of(value) is not None and value.__module__ == module.__name__:
                register(value)


class NumbersText(SourceConnector):
    """Text files of one number per line, read as a params dict."""

    id = "numbers-txt"
    label = "Numbers, one per line"
    extensions = (".numbers",)
    port_type = "params"

    def read(self, path, **options):
        return {"values": [int(line) for line in path.read_text().split()]}


def show_params(value, container):
    """Shows a params dict as JSON in the app."""
    container.json(value)


@hookimpl
def register_sources(register):
    register(NumbersText())


@hookimpl
def register_viewers(register):
    register("params", show_params)


@estimator(kind="regressor", label="Constant guess", version=2)
def constant(*, strategy: Literal["mean", "median"] = "mean",
             quantile: Annotated[float, Bounds(0.0, 1.0), Help("only for strategy quantile")] = 0.5):
    """Predicts one number for every row (a baseline)."""
    from sklearn.dummy import DummyRegressor

    return DummyRegressor(strategy=strategy)


@hookimpl
def register_estimators(register):
    register(constant)
