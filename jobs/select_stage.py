"""spark-submit entry point: Stage 1, the LLM filter over prefiltered segments.

Not named select.py: the script's folder is first on sys.path, and that would shadow the stdlib `select`.
"""

import os
import sys

# Make jobs/_common.py importable wherever this runs (see its docstring).
sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__", "_common.py"))))
from _common import main

if __name__ == "__main__":
    sys.exit(main("select"))
