"""An append-only JSON Lines file the disk may refuse: the recorder's and the dead letters'.

A full disk, a quota or a vanished device must not stop the monitor. The
first write or flush that fails closes the file, logs one warning and keeps
the reason in `failed`; later lines are counted in `dropped` and the run goes
on to its summary. Lines reach the disk within `flush_s` of being written (a
timer on the running loop), so a kill loses at most the last second.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

log = logging.getLogger("livemon.output")


class AppendFile:
    """Lines appended to `path`; `what` names the file in the one warning ("recording", "dead letters")."""

    def __init__(self, path: str | Path, what: str, *, flush_s: float = 1.0) -> None:
        self.path = Path(path)
        self.what = what
        self.flush_s = flush_s
        self.failed: str | None = None  # why writing stopped, once it has
        self.dropped = 0  # lines not written after that
        try:
            self.file = open(self.path, "ab")
        except OSError as error:  # before the run: the user can fix it and start again
            raise ValueError(f"{path}: cannot write the {what}: {error.strerror or error}") from None
        self._flush_timer: asyncio.TimerHandle | None = None

    def write(self, data: bytes, lines: int = 1) -> None:
        """Append whole lines (`lines` of them, for the count of what was dropped)."""
        if self.file is None:
            self.dropped += lines
            return
        try:
            self.file.write(data)
        except OSError as error:
            self.dropped += lines
            self._fail(error)
            return
        if self._flush_timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop: nobody would flush later
                self.flush()
                return
            self._flush_timer = loop.call_later(self.flush_s, self.flush)

    def flush(self) -> None:
        self._flush_timer = None
        if self.file is None:
            return
        try:
            self.file.flush()
        except OSError as error:
            self._fail(error)

    def close(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self.file is None:
            return
        try:
            self.file.close()  # flushes what is buffered
        except OSError as error:
            self._fail(error)
        self.file = None

    def _fail(self, error: OSError) -> None:
        self.failed = f"{self.path}: {error.strerror or error}"
        log.warning("%s: cannot write the %s (%s); it stops here, the monitor goes on",
                    self.path, self.what, error.strerror or error)
        file, self.file = self.file, None
        try:
            file.close()
        except OSError:
            pass  # the buffer it could not write is what failed
