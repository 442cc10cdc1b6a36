"""`python -m treenet` runs the command line."""

import sys

from treenet.cli import main

sys.exit(main())
