"""Nodes used by the app's tests (installed with pip into a temporary folder)."""
