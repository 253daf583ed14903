"""The plugin module named by the `serializers` entry point: registers one serializer per port type."""

from __future__ import annotations

from collections.abc import Callable

from dataflow.sdk import Serializer, hookimpl

from .arrays import ArraySerializer
from .dicts import MetricsSerializer, ParamsSerializer
from .figures import FigureSerializer
from .models import ModelSerializer
from .tables import SeriesSerializer, TableSerializer


def serializers() -> list[Serializer]:
    """A fresh instance of every built-in serializer."""
    return [TableSerializer(), SeriesSerializer(), ModelSerializer(), MetricsSerializer(),
            ParamsSerializer(), ArraySerializer(), FigureSerializer()]


@hookimpl
def register_serializers(register: Callable[[Serializer], None]) -> None:
    """Register the built-in serializers: table, series, model, metrics, params, array, figure."""
    for serializer in serializers():
        register(serializer)
