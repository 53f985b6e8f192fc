"""`python -m labui.cli`: the same as the `labui` console script."""

import sys

from labui.cli import main

sys.exit(main())
