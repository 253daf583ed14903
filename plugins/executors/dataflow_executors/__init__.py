"""DataFlow's built-in executors: where a node runs once the engine decides it should.

- `sequential`: in the engine's own thread, one node after another (the easiest to debug);
- `threads`: in a thread pool, so independent branches overlap (pandas, NumPy and Arrow release
  the GIL in their heavy loops);
- `processes`: in worker processes, for pure-Python nodes that hold the GIL; values cross as the
  bytes of their port serializers (Arrow IPC for tables).
"""

from .inline import SequentialExecutor
from .processes import ProcessExecutor
from .threads import ThreadExecutor

__all__ = ["ProcessExecutor", "SequentialExecutor", "ThreadExecutor"]
