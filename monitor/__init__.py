"""livemon: a real-time monitor for live-commerce broadcasts.

The hot path of the core may be compiled (mypyc, see setup.py); the .py files
stay the one source. The compiled modules are passed over, and the same .py
files run interpreted, when LIVEMON_PURE=1 is set (the tests hold both to the
same answers) or when a source file in a checkout is newer than its compiled
module (an edit not rebuilt yet: `make` rebuilds).
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from types import ModuleType
from typing import Sequence

_HERE = os.path.dirname(os.path.abspath(__file__))


class _SourceOnly:
    """Finds `monitor.<name>` in its .py file, never in a compiled extension beside it."""

    @staticmethod
    def find_spec(name: str, path: Sequence[str] | None = None, target: ModuleType | None = None) -> ModuleSpec | None:
        package, _, module = name.partition(".")
        if package != __name__ or not module or "." in module:
            return None
        source = os.path.join(_HERE, module + ".py")
        return spec_from_file_location(name, source) if os.path.exists(source) else None


def _stale() -> list[str]:
    """In a source checkout: the compiled sources edited since the last build (then all of them run pure).

    The build is as new as its newest extension file: the shared library is
    rebuilt whenever a source changed, the small per-module shims need not be.
    """
    if not os.path.exists(os.path.join(_HERE, os.pardir, "setup.py")):
        return []
    built: dict[str, float] = {}
    for entry in os.listdir(_HERE):
        suffix = next((suffix for suffix in EXTENSION_SUFFIXES if entry.endswith(suffix)), None)
        if suffix is not None:
            built[entry[: -len(suffix)]] = os.path.getmtime(os.path.join(_HERE, entry))
    if not built:
        return []
    build = max(built.values())
    sources = (name + ".py" for name in built)
    return [source for source in sources
            if os.path.exists(os.path.join(_HERE, source)) and os.path.getmtime(os.path.join(_HERE, source)) > build]


if os.environ.get("LIVEMON_PURE"):
    sys.meta_path.insert(0, _SourceOnly)
elif _edited := _stale():
    print(f"livemon: {', '.join(sorted(_edited))} changed since it was compiled: running pure Python "
          "(`make` compiles again)", file=sys.stderr)
    sys.meta_path.insert(0, _SourceOnly)


def compiled() -> bool:
    """Whether the engine runs compiled (False: pure Python, no build or LIVEMON_PURE=1)."""
    from . import engine

    return not (engine.__file__ or "").endswith(".py")
