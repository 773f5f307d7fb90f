"""spark-submit entry point: rule checks + LLM judge (of synthesized trajectories; --mode teacher: refined).

Runs `gem-spark run --stages judge --json-summary` with this script's arguments (gem_spark/cli.py):
one JSON line on success; on failure one line on stderr and a non-zero exit code.
"""

import sys

from gem_spark.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "--stages", "judge", "--json-summary", *sys.argv[1:]]))
