"""A pack used by the plugin-loading tests."""
