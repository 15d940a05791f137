"""``RestClient.accounts``: the authenticated balance snapshot the assets panel starts from."""

from __future__ import annotations

import pytest

from tests.features.private.env import private_env
from tests.features.private.helpers import ACCESS, SECRET, WRONG_SECRET
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.errors import RestError
from upbit_monitor.protocol.auth import make_jwt


@pytest.mark.asyncio
async def test_accounts_with_valid_and_invalid_tokens() -> None:
    async with private_env() as (sim, _mgr):
        client = RestClient(sim.rest_url, timeout_s=5)
        balances = await client.accounts(f"Bearer {make_jwt(ACCESS, SECRET)}")
        assert {b.currency: (b.balance, b.locked) for b in balances} == sim.account.balances()
        with pytest.raises(RestError) as info:
            await client.accounts(f"Bearer {make_jwt(ACCESS, WRONG_SECRET, alg='HS256')}")
        assert info.value.status == 401
        text = f"{info.value} {info.value!r}"
        assert WRONG_SECRET not in text and "Bearer" not in text
