"""``python -m upbit_monitor.sim`` prints working URLs."""

from __future__ import annotations

import asyncio
import sys

import pytest

from tests.sim.conftest import client, recv_obj

pytestmark = pytest.mark.asyncio


async def test_cli_prints_working_urls() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "upbit_monitor.sim", "--seed", "3", "--rate", "50", "--markets", "20",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        urls: dict[str, str] = {}
        async with asyncio.timeout(20):
            while "REST" not in urls:
                line = (await proc.stdout.readline()).decode()
                assert line, "simulator exited early"
                if ":" in line and "//" in line:
                    label, _, url = line.partition(": ")
                    urls[label.strip().split()[0]] = url.strip()
        assert urls["public"].endswith("/websocket/v1") and urls["private"].endswith("/websocket/v1/private")
        async with client(urls["public"]) as ws:
            await ws.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"],"is_only_snapshot":true}]')
            assert (await recv_obj(ws))["code"] == "KRW-BTC"
    finally:
        proc.terminate()
        await proc.wait()
