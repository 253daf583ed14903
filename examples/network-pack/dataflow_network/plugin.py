"""Registers everything the pack brings, each through its own hook."""

from dataflow.sdk import hookimpl

from . import models, nodes
from .edgelist import EdgeListConnector
from .graph import GraphSerializer, show_graph


@hookimpl
def register_nodes(register):
    for fn in (nodes.from_edges, nodes.degrees, nodes.components):
        register(fn)


@hookimpl
def register_serializers(register):
    register(GraphSerializer())


@hookimpl
def register_viewers(register):
    register("graph", show_graph)


@hookimpl
def register_sources(register):
    register(EdgeListConnector())


@hookimpl
def register_estimators(register):
    register(models.huber)
