"""Build: the hot path of the pure core compiled with mypyc, where a C compiler and mypy are at hand.

The .py files stay the one source. `pip install` compiles the modules in
`COMPILED` into C extensions; without a compiler (or without mypy) the same
package installs as pure Python and runs the same code, slower. Set
LIVEMON_PURE_BUILD=1 to skip the compilation on purpose.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup

#: The per-event and per-tick path: the decoded events' completion, admission, the engine's fold, the rooms' counters and windows, the rules.
COMPILED = [
    "monitor/completion.py",
    "monitor/catalog.py",
    "monitor/windows.py",
    "monitor/products.py",
    "monitor/metrics.py",
    "monitor/rules.py",
    "monitor/clock.py",
    "monitor/engine.py",
]


def _extensions() -> list:
    if os.environ.get("LIVEMON_PURE_BUILD"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("livemon: mypy is not installed here: installing pure Python", file=sys.stderr)
        return []
    try:
        extensions = mypycify(COMPILED, opt_level="3", debug_level="0", group_name="monitor.compiled_core")
    except Exception as error:  # mypyc refused the source: the package still works, uncompiled
        print(f"livemon: not compiled ({error}): installing pure Python", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # no C compiler: setuptools skips them and the .py files run
    return extensions


setup(ext_modules=_extensions())
