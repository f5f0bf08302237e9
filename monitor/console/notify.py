"""A desktop notification for a new critical alert, where the desktop has a notifier.

Only `notify-send` (freedesktop) is used, and only when `[console]
desktop_notify = true` and it is on the PATH. The text is the rule's own
message (from the config, with numbers): never a comment or a viewer's name.
The notifier runs as a child process the console does not wait for on its
loop, so a slow or broken notification daemon never stalls the screen.
"""

from __future__ import annotations

import asyncio
import html
import shutil
import subprocess

from ..viewer_text import clean

NOTIFIER = "notify-send"
TIMEOUT_S = 10.0  # a notifier that hangs is ended


def find_notifier() -> str | None:
    return shutil.which(NOTIFIER)


def notification(program: str, title: str, body: str) -> list[str]:
    """The command line; the body is escaped because notification daemons read a little HTML in it."""
    return [program, "--app-name=livemon", "--urgency=critical", clean(title, 120), html.escape(clean(body, 300), quote=False)]


async def send(argv: list[str]) -> None:
    """Run the notifier; its failures are not the console's (nothing is raised, nothing printed)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    except OSError:
        return
    try:
        await asyncio.wait_for(process.wait(), TIMEOUT_S)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
