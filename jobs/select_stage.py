"""spark-submit entry point: Stage 1, the LLM filter over prefiltered segments.

Runs `gem-spark run --stages select --json-summary` with this script's arguments (gem_spark/cli.py):
one JSON line on success; on failure one line on stderr and a non-zero exit code.

Not named select.py: spark-submit puts the script's folder first on sys.path, and that would shadow
the stdlib `select`.
"""

import sys

from gem_spark.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "--stages", "select", "--json-summary", *sys.argv[1:]]))
