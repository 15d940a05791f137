"""Shared test helpers for the private-feed tests (keys, an in-memory keyring)."""

from __future__ import annotations

from decimal import Decimal

import keyring.errors

from upbit_monitor.protocol.events import AssetBalance, MyAsset, MyOrder

# >= 64 bytes: PyJWT warns when *verifying* HS512 with shorter HMAC keys (HS256: 32), and warnings are
# errors in this suite; the simulator verifies our tokens in-process.
ACCESS = "AccessKey0123456789abcdefABCDEF0123456789"
SECRET = "SecretKey0123456789abcdefABCDEF0123456789xyzSecretKey0123456789abcdef"
WRONG_SECRET = "WrongSecret0123456789abcdefABCDEF012345678WrongSecret0123456789abcdef"


class MemoryKeyring:
    """A duck-typed keyring backend kept in a dict (not a KeyringBackend subclass, so keyring's
    auto-detection never picks it up for other tests)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}
        self.fail_with: Exception | None = None

    def get_password(self, service: str, username: str) -> str | None:
        if self.fail_with is not None:
            raise self.fail_with
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if (service, username) not in self.data:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.data[(service, username)]


def my_order(
    uuid: str = "o-1",
    state: str = "wait",
    *,
    code: str = "KRW-BTC",
    ask_bid: str = "BID",
    order_type: str = "limit",
    price: str | None = "50000000",
    volume: str | None = "0.1",
    executed: str = "0",
    remaining: str | None = None,
    trade_uuid: str | None = None,
    timestamp: int = 1_700_000_000_000,
    trade_timestamp: int | None = None,
) -> MyOrder:
    """A ``MyOrder`` event with sensible defaults (DEFAULT-format field values)."""
    vol = Decimal(volume) if volume is not None else None
    ex = Decimal(executed)
    rem = Decimal(remaining) if remaining is not None else (vol - ex if vol is not None else None)
    return MyOrder(
        type="myOrder", code=code, uuid=uuid, ask_bid=ask_bid, order_type=order_type, state=state,
        trade_uuid=trade_uuid, price=Decimal(price) if price is not None else None, avg_price=None,
        volume=vol, remaining_volume=rem, executed_volume=ex, trades_count=0, reserved_fee=None,
        remaining_fee=None, paid_fee=None, locked=None, executed_funds=None, time_in_force=None,
        trade_fee=None, is_maker=None, identifier=None, smp_type=None, prevented_volume=None,
        prevented_locked=None, trade_timestamp=trade_timestamp, order_timestamp=timestamp,
        timestamp=timestamp, stream_type="REALTIME",
    )


def my_asset(
    *balances: tuple[str, str, str], asset_uuid: str = "a-1", ts: int = 1_700_000_000_000
) -> MyAsset:
    """A ``MyAsset`` event from (currency, balance, locked) triples."""
    return MyAsset(
        type="myAsset", asset_uuid=asset_uuid,
        assets=tuple(AssetBalance(c, Decimal(b), Decimal(lk)) for c, b, lk in balances),
        asset_timestamp=ts, timestamp=ts, stream_type="REALTIME",
    )
