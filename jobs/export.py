"""spark-submit entry point: accepted trajectories -> SFT files (openai, sharegpt, synthesizer, parquet).

Runs `gem-spark export --json-summary` with this script's arguments (gem_spark/cli.py):
one JSON line on success; on failure one line on stderr and a non-zero exit code.
"""

import sys

from gem_spark.cli import main

if __name__ == "__main__":
    sys.exit(main(["export", "--json-summary", *sys.argv[1:]]))
