"""A small HTTP/1.1 JSON server on plain asyncio streams (the simulator's REST endpoints).

The simulator needs exact control over status lines and headers (``Remaining-Req``, ``Retry-After``,
418/429) and keep-alive behaviour, which an HTTP framework would hide; the protocol needed is tiny:
GET requests, optional bodies skipped, ``Accept-Encoding: gzip`` honoured, keep-alive on HTTP/1.1.
A subclass answers requests in :meth:`JsonHttpServer.handle`.
"""

from __future__ import annotations

import asyncio
import gzip
from abc import ABC, abstractmethod

from upbit_monitor.sim.config import SimConfig

__all__ = ["HttpError", "JsonHttpServer"]

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            418: "I'm a teapot", 429: "Too Many Requests"}


class HttpError(Exception):
    """An error response (status + Upbit-style numeric error body)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class JsonHttpServer(ABC):
    """Accepts connections, parses request heads, writes the answers of :meth:`handle`."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @abstractmethod
    def handle(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer one request: (status, extra headers, body)."""

    async def start(self, port: int = 0) -> int:
        """Listen on ``config.host:port``; returns the bound port."""
        self._server = await asyncio.start_server(self._serve, self.config.host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and drop open keep-alive connections; returns once their sockets are closed.

        ``writer.close()`` would wait for the client to read what is buffered, and the socket is only
        closed on a later loop iteration: a loop stopped right after ``stop()`` (a test, app exit)
        then leaks the server-side socket (ResourceWarning) and a pending ``_serve`` task. So the
        transports are aborted and their handlers awaited here.
        """
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            tasks = list(self._tasks)
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=1.0)
                for task in pending:  # cannot happen after abort(); never leave one behind anyway
                    task.cancel()
                if pending:
                    await asyncio.wait(pending)
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = [*lines[0].split(" "), "", "", ""][:3]
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                status, extra, body = self.handle(method, target, headers)
                if "gzip" in headers.get("accept-encoding", "") and len(body) > 256:
                    body = gzip.compress(body, compresslevel=5)
                    extra["Content-Encoding"] = "gzip"
                keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
                       "Content-Type: application/json; charset=utf-8",
                       f"Content-Length: {len(body)}",
                       f"Connection: {'keep-alive' if keep else 'close'}"]
                out.extend(f"{k}: {v}" for k, v in extra.items())
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
                await writer.drain()
                if not keep:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()
