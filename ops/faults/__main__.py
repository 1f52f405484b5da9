"""`python -m ops.faults`: run the fault drills (see ops/faults/__init__.py)."""

import sys

from ops.faults.run import main

sys.exit(main())
