"""A request refused as too fast is resent on the same socket, not answered with a reconnect."""

from __future__ import annotations

import asyncio

import pytest

from tests.connection.test_connection_sim import make
from tests.manager.simtools import simulator, subscription_requests, wire_set
from tests.manager.waiting import wait_until
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec


@pytest.mark.asyncio
async def test_throttle_error_frame_resends_full_set_without_reconnecting() -> None:
    # The server allows 2 requests/s while our client paces at Upbit's 5/s: the third quick
    # change is refused with an error frame (the simulator's TOO_MANY_SUBSCRIBE).
    async with simulator(msg_rate_per_s=2) as sim:
        h = await make(sim)
        try:
            codes = ["KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE"]
            for code in codes:
                h.mgr.update(h.comp, [Spec("ticker", (code,))])
                await asyncio.sleep(0.04)  # past the coalescing window: one request per change
            await wait_until(lambda: any(r.rate_limited for r in sim.requests), within=3.0)
            # The latest set is eventually accepted by the server...
            await wait_until(
                lambda: any(
                    not r.rate_limited and r.error is None and wire_set(r.text) == {"ticker": ["KRW-DOGE"]}
                    for r in subscription_requests(sim)
                ),
                within=5.0,
            )
            m = h.metrics()
            # ...on the same socket: no reconnect, same epoch, and the refusal is shown as an error.
            assert len(sim.connections) == 1
            assert m.epoch == 1 and m.reconnects == 0
            assert m.last_server_error is not None and "TOO_MANY" in str(m.last_server_error)
        finally:
            await h.mgr.shutdown()
