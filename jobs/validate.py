"""spark-submit entry point: check a tool-use dataset with a rule profile (counts by code, failures out).

Runs `gem-spark validate --json-summary` with this script's arguments (gem_spark/cli.py):
one JSON line on success; on failure one line on stderr and a non-zero exit code.
"""

import sys

from gem_spark.cli import main

if __name__ == "__main__":
    sys.exit(main(["validate", "--json-summary", *sys.argv[1:]]))
