"""The `dataflow` command line: a client of the kernel, as the app is, and pack installation.

    dataflow run workflows/iris.json        # or: python -m dataflow.cli run workflows/iris.json

`commands.py` declares every subcommand's arguments and `main.py` dispatches to the command's
own module, imported only when that command runs; each command lives in its own module (`run.py`,
`validate.py`, `listing.py` for `nodes` and `plugins`, `cache.py`, `packs.py` for `new-pack` and
`install`, `history.py` for `history`, `diff` and `restore` over `versions.py`, the version store the
app's Save uses too). Everything printed goes through `terminal.py`. The kernel never imports this package.

Exit codes, the same for every command: 0 success, 1 a node failed (or an install did not
happen), 2 the workflow, the command line or the request is invalid, 130 the run was interrupted.
"""

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130
#: the words read as true / false, in `--set` values and in on/off environment variables
TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
