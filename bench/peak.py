"""`python -m bench.peak FILE MODULE ARGS...`: run MODULE as `python -m MODULE ARGS...` would, then write its peak RSS (MB) to FILE.

For a command the bench does not run in its own code: the process reads its own peak
(`measures.peak_rss_mb`), as a parent's wait4 cannot.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from bench.measures import peak_rss_mb


def main() -> None:
    out, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        Path(out).write_text(f"{peak_rss_mb()}\n")


if __name__ == "__main__":
    main()
