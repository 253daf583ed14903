"""`python -m dataflow.cli ...` runs the `dataflow` command."""

import sys

from .main import main

sys.exit(main())
