"""spark-submit entry point: the run report (counts, reason codes, tokens, cost).

Runs `gem-spark report --json-summary` with this script's arguments (gem_spark/cli.py):
one JSON line on success; on failure one line on stderr and a non-zero exit code.
"""

import sys

from gem_spark.cli import main

if __name__ == "__main__":
    sys.exit(main(["report", "--json-summary", *sys.argv[1:]]))
