from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from upbit_monitor.sim.server import Simulator


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(msg_rate=300, n_krw_markets=40, seed=7) as s:
        yield s
