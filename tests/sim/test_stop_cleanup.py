"""Simulator.stop() closes every server-side socket and task before it returns.

A loop that stops right after ``stop()`` (the end of a test, app exit) must not leave a socket to the
garbage collector (ResourceWarning, an error under -W error) or a pending handler task.
The scenario runs on its own plain asyncio loop, which is closed right after the coroutine
returns (no extra iterations, like qasync at the end of a test); the clients are raw sockets closed
synchronously, so every warning left is the server's.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings
from typing import Any

from tests.manager.waiting import wait_until
from upbit_monitor.sim.server import Simulator


async def _client(loop: asyncio.AbstractEventLoop, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    return sock


async def _scenario(clients: list[socket.socket]) -> None:
    loop = asyncio.get_running_loop()
    sim = Simulator(msg_rate=100, n_krw_markets=10, seed=3)
    await sim.start()
    # A REST keep-alive client that read its answer and keeps the connection open.
    rest = await _client(loop, sim.rest_port)
    clients.append(rest)
    await loop.sock_sendall(rest, b"GET /v1/market/all HTTP/1.1\r\nHost: sim\r\n\r\n")
    assert (await loop.sock_recv(rest, 65536)).startswith(b"HTTP/1.1 200")
    # A WebSocket client that connected but is still in (or stuck before) its handshake.
    ws_half = await _client(loop, sim.ws.port)
    clients.append(ws_half)
    await loop.sock_sendall(ws_half, b"GET /websocket/v1 HTTP/1.1\r\nHost: sim\r\n")
    await wait_until(lambda: sim.ws._conns, within=3.0)  # accepted (the server tracks every socket)
    # Without closing all transports, stop() would wait for websockets' 10 s open_timeout.
    async with asyncio.timeout(3.0):
        await sim.stop()


def test_stop_leaves_no_socket_and_no_task_behind() -> None:
    problems: list[Any] = []
    clients: list[socket.socket] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda _loop, ctx: problems.append(ctx.get("message")))
        try:
            loop.run_until_complete(_scenario(clients))
        finally:
            for sock in clients:
                sock.close()
            loop.close()
        del loop
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
    assert problems == []
