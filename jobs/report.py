"""spark-submit entry point: the run report (counts, reason codes, tokens, cost)."""

import os
import sys

# Make jobs/_common.py importable wherever this runs (see its docstring).
sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__", "_common.py"))))
from _common import main

if __name__ == "__main__":
    sys.exit(main("report"))
