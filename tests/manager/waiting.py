"""Wait for a condition with a deadline (tests never sleep-and-hope)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_until(cond: Callable[[], object], within: float = 3.0, step: float = 0.002) -> None:
    """Poll ``cond`` on the loop until it is truthy; TimeoutError after ``within`` seconds."""
    async with asyncio.timeout(within):
        while True:
            if cond():
                return
            await asyncio.sleep(step)
