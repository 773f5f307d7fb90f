"""`python -m gem_spark ...` is the `gem-spark` command."""

import sys

from gem_spark.cli import main

sys.exit(main())
