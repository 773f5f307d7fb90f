"""spark-submit entry point: every stage of a mode (the production synthesizer path unless --mode teacher).

Runs `gem-spark run --json-summary` with this script's arguments (gem_spark/cli.py):
one JSON line on success; on failure one line on stderr and a non-zero exit code.
"""

import sys

from gem_spark.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "--json-summary", *sys.argv[1:]]))
