"""Test nodes for DataFlow's suite: small, deterministic, observable."""
