"""`livemon demo`: a simulated broadcast served on a local websocket, in a background thread.

The server runs on its own event loop so the simulation's pacing and fan-out
never share a loop with the console; the console connects to it through the
real websocket client, exactly as `livemon watch` would.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Awaitable, Callable

from feeds.server import EventServer

Content = Callable[[EventServer], Awaitable[object]]


class BackgroundServer:
    def __init__(self, content: Content, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.content = content
        self.server = EventServer(host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="livemon-demo-server", daemon=True)

    def start(self, timeout: float = 10.0) -> str:
        """Start serving; return the URL once the port is bound (port 0: a free one)."""
        self._thread.start()
        if not self._ready.wait(timeout):
            raise OSError("the demo server did not start")
        if self._error is not None:
            raise self._error
        return self.server.url

    def stop(self, timeout: float = 5.0) -> None:
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            pass  # stop(): the console has closed

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        try:
            await self.server.start()
        except BaseException as error:  # noqa: BLE001 - handed to the caller of start()
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        finished = False
        try:
            await self.server.wait_for_clients(1)  # the broadcast starts when the console is watching
            await self.content(self.server)
            finished = True
        finally:
            await self.server.close(end_of_stream=finished)
