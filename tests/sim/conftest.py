"""Helpers for simulator tests: a running Simulator and small websockets client utilities."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect

from upbit_monitor.sim.server import Simulator


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A fast simulator: plenty of traffic, small idle timeout disabled (120 s default)."""
    async with Simulator(seed=7, msg_rate=3000, connect_rate_per_s=50) as s:
        yield s


async def recv_obj(ws: ClientConnection, within: float = 3.0) -> Any:
    """Next frame, decoded (asserts it is a binary frame)."""
    raw = await asyncio.wait_for(ws.recv(), within)
    assert isinstance(raw, bytes), f"expected a binary frame, got {type(raw).__name__}"
    return orjson.loads(raw)


async def recv_until(
    ws: ClientConnection, predicate: Callable[[Any], bool], within: float = 3.0, limit: int = 100_000
) -> list[Any]:
    """Frames up to and including the first one matching ``predicate``."""
    out: list[Any] = []
    async with asyncio.timeout(within):
        while len(out) < limit:
            obj = await recv_obj(ws, within)
            out.append(obj)
            if predicate(obj):
                return out
    raise AssertionError("predicate never matched")


def kind(obj: Any) -> tuple[str, str]:
    """(type, stream_type) of a DEFAULT or SIMPLE data object."""
    if isinstance(obj, list):
        obj = obj[0]
    return obj.get("type", obj.get("ty")), obj.get("stream_type", obj.get("st"))


def client(url: str, **kwargs: Any) -> connect:
    """A plain websockets client as any third-party Upbit client would open it.

    ``max_queue=None`` keeps reading while we close, so closing during a heavy stream does not wait
    for ``close_timeout`` behind unread frames.
    """
    kwargs.setdefault("close_timeout", 1.0)
    kwargs.setdefault("max_queue", None)
    return connect(url, proxy=None, **kwargs)
