"""The keys dialog's Test button on Bithumb: a throw-away v2 private connection to Bithumb's simulator,
signed with the candidate keys (timestamp claim), answered or refused as Bithumb."""

from __future__ import annotations

import pytest

from upbit_monitor.config import Settings
from upbit_monitor.features.private.probe import probe_private
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.sim.bithumb import BithumbSimulator
from upbit_monitor.sim.server import Simulator


@pytest.mark.asyncio
async def test_probe_accepts_bithumb_keys_and_names_bithumb_on_refusal() -> None:
    async with Simulator(seed=1, n_krw_markets=5) as upbit:
        async with BithumbSimulator(beside=upbit) as bithumb:
            # Upbit's private URL points nowhere useful: the probe must use Bithumb's own.
            settings = Settings(ws_private_url="ws://127.0.0.1:9/websocket/v1/private",
                                bithumb_ws_private_url=bithumb.ws_private_url)
            good = Credentials.create(bithumb.config.access_key, bithumb.config.secret_key, "HS256")
            ok, message = await probe_private(settings, good, timeout_s=5, venue="bithumb")
            assert ok, message
            wrong = Credentials.create(bithumb.config.access_key, "w" * 64, "HS256")
            ok, message = await probe_private(settings, wrong, timeout_s=5, venue="bithumb")
            assert not ok and message.startswith("Bithumb rejected the key")
            assert [r.path for r in bithumb.connections if r.private] == ["/websocket/v2/private"] * 2
