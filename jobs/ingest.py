"""spark-submit entry point: corpus files of a snapshot -> segments table (+ prefilter scores).

Runs `gem-spark ingest --json-summary` with this script's arguments (gem_spark/cli.py):
one JSON line on success; on failure one line on stderr and a non-zero exit code.
"""

import sys

from gem_spark.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", "--json-summary", *sys.argv[1:]]))
