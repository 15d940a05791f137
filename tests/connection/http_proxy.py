"""A minimal recording HTTP proxy on 127.0.0.1 for the proxy tests.

Handles ``CONNECT host:port`` (how websockets tunnels through a proxy) and absolute-form
``GET http://host:port/path`` (how urllib sends plain HTTP through one). Every request line is
recorded with its headers. ``routes`` maps the hostnames the client asked for to real addresses,
so a test can use a non-loopback name (``upbit-sim.test``) that only the proxy can resolve:
a connection that succeeds to such a name went through the proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


class RecordingProxy:
    """Start with :meth:`start` inside the test coroutine; :meth:`stop` closes every tunnel."""

    def __init__(self, routes: dict[str, str]) -> None:
        self.routes = routes  # requested host -> real host (port kept)
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, target, headers)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.transport.abort()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def _target(self, host: str, port: int) -> tuple[str, int]:
        return self.routes.get(host, host), port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            self.requests.append((method, target, headers))
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                up_reader, up_writer = await asyncio.open_connection(*self._target(host, int(port)))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                url = urlsplit(target)
                assert url.hostname is not None
                up_reader, up_writer = await asyncio.open_connection(
                    *self._target(url.hostname, url.port or 80)
                )
                path = url.path + (f"?{url.query}" if url.query else "")
                rest = "".join(f"{k}: {v}\r\n" for k, v in headers.items()
                               if k.lower() not in ("proxy-connection", "connection"))
                request = f"{method} {path} HTTP/1.1\r\n{rest}Connection: close\r\n\r\n"
                up_writer.write(request.encode("latin-1"))
            self._writers.add(up_writer)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(OSError, RuntimeError):
                dst.close()
