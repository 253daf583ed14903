"""A pack whose import fails: the rest of DataFlow must still load."""

import dataflow_this_module_does_not_exist  # noqa: F401
