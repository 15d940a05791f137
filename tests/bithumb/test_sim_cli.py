"""``python -m upbit_monitor.sim --bithumb`` serves Bithumb beside Upbit."""

from __future__ import annotations

import asyncio
import sys

import pytest

from tests.sim.conftest import client, recv_obj


@pytest.mark.asyncio
async def test_cli_starts_bithumb_beside_upbit() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "upbit_monitor.sim", "--seed", "3", "--rate", "50", "--markets", "20",
        "--bithumb", stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        publics: list[str] = []
        async with asyncio.timeout(20):
            while len(publics) < 2:
                line = (await proc.stdout.readline()).decode()
                assert line, "simulator exited early"
                if line.strip().startswith("public WebSocket"):
                    publics.append(line.partition(": ")[2].strip())
        upbit_url, bithumb_url = publics
        assert upbit_url != bithumb_url
        async with client(bithumb_url) as ws:
            await ws.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"is_only_snapshot":true}]')
            assert (await recv_obj(ws))["code"] == "KRW-BTC"
    finally:
        proc.terminate()
        await proc.wait()
