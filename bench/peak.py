"""`python -m bench.peak FILE MODULE ARGS...`: run MODULE as `python -m MODULE ARGS...` would, then write its peak RSS (MB) to FILE.

A child's ru_maxrss on Linux starts from its parent's high-water mark at the fork, so a bench
runner that grew (generating the 4-hour workload holds ~2M viewer names) would be counted in
every child's peak. VmHWM is the process's own memory since its exec.
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
