"""Event factories for the storage tests."""

from __future__ import annotations

from decimal import Decimal

from upbit_monitor.protocol.events import AssetBalance, Candle, MyAsset, MyOrder, Trade


def make_candle(code: str = "KRW-BTC", minute: int = 0, price: float = 100.0, ts: int = 0) -> Candle:
    """A ``candle.1m`` event starting *minute* minutes after 2024-01-01T00:00Z."""
    hh, mm = divmod(minute, 60)
    utc = f"2024-01-01T{hh:02d}:{mm:02d}:00"
    return Candle(
        "candle.1m", code, utc, utc, price, price + 1, price - 1, price, 1.5, price * 1.5,
        ts or 1_704_067_200_000 + minute * 60_000, "REALTIME",
    )


CANDLE_BASE = 1_704_067_200  # 2024-01-01T00:00:00Z


def make_trade(seq: int, code: str = "KRW-BTC", price: float = 100.0) -> Trade:
    """A trade event with sequential id *seq*."""
    return Trade(
        "trade", code, price, 0.1, "BID", 99.0, "RISE", 1.0, "2024-01-01", "00:00:00",
        1_704_067_200_000 + seq, 1_704_067_200_000 + seq, seq, price + 1, 1.0, price - 1, 1.0,
        "REALTIME",
    )


def make_order(
    uuid_: str, state: str, ts: int, executed: str = "0", trade_uuid: str | None = None
) -> MyOrder:
    """A myOrder event."""
    d = Decimal
    return MyOrder(
        "myOrder", "KRW-BTC", uuid_, "BID", "limit", state, trade_uuid, d("100"), d("100"),
        d("1.5"), d("1.5") - d(executed), d(executed), 1 if trade_uuid else 0, d("0.1"), d("0.1"),
        d("0"), d("150"), d(executed) * 100, None, None, None, None, None, None, None, ts, ts, ts,
        "REALTIME",
    )


def make_asset(asset_uuid: str, ts: int, krw: str = "1000000.123456789012345678") -> MyAsset:
    """A myAsset event with KRW and BTC balances."""
    return MyAsset(
        "myAsset", asset_uuid,
        (AssetBalance("KRW", Decimal(krw), Decimal("0")),
         AssetBalance("BTC", Decimal("0.00000001"), Decimal("0.5"))),
        ts, ts, "REALTIME",
    )
