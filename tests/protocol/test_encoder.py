"""Encoder: wire dicts per format, frames, exact decimals; the key tables match the event classes."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from msgspec.structs import replace

from tests.protocol import samples
from upbit_monitor.errors import LocalProtocolError
from upbit_monitor.protocol import events, keys
from upbit_monitor.protocol.encoder import encode, encode_frame


@pytest.mark.parametrize(
    ("cls", "table"),
    [
        (events.Ticker, keys.TICKER),
        (events.Trade, keys.TRADE),
        (events.Orderbook, keys.ORDERBOOK),
        (events.OrderbookUnit, keys.ORDERBOOK_UNIT),
        (events.Candle, keys.CANDLE),
        (events.MyOrder, keys.MY_ORDER),
        (events.MyAsset, keys.MY_ASSET),
        (events.AssetBalance, keys.ASSET_BALANCE),
        (events.SubscriptionEntry, keys.SUBSCRIPTION_ENTRY),
        (events.Announcement, keys.ANNOUNCEMENT),
        (events.Indicator, keys.INDICATOR),
        (events.IndicatorSignal, keys.INDICATOR_SIGNAL),
    ],
)
def test_key_tables_follow_event_field_order(cls: type, table: keys.KeyTable) -> None:
    fields = [f for f in cls.__struct_fields__ if f != "epoch"]  # type: ignore[attr-defined]
    assert fields == [d for d, _ in table]
    assert len({s for _, s in table}) == len(table)  # SIMPLE keys unique within a message


@pytest.mark.parametrize("name", sorted(samples.LITERAL_FRAMES))
def test_encoded_frame_equals_spec_frame(name: str) -> None:
    frame, event = samples.LITERAL_FRAMES[name]
    fmt = "SIMPLE" if name.endswith("simple") else "DEFAULT"
    assert orjson.loads(encode_frame([event], fmt)) == orjson.loads(frame)


def test_encode_keys_per_format() -> None:
    assert encode(samples.TRADE)["trade_date"] == "2024-10-31"
    assert encode(samples.TRADE, "SIMPLE")["td"] == "2024-10-31"
    assert encode(samples.TRADE, "JSON_LIST") == encode(samples.TRADE, "DEFAULT")
    assert encode(samples.TRADE, "SIMPLE_LIST") == encode(samples.TRADE, "SIMPLE")
    ob = encode(samples.ORDERBOOK, "SIMPLE")
    assert ob["obu"] == [
        {"ap": 5101000, "bp": 5100000, "as": 1.5, "bs": 4.25},
        {"ap": 5102000, "bp": 5099000, "as": 11.0, "bs": 16.0},
    ]
    assert "epoch" not in encode(replace(samples.TICKER, epoch=7))


def test_legacy_ticker_fields_only_when_set() -> None:
    assert "ts" not in encode(samples.TICKER, "SIMPLE")
    wire = encode(replace(samples.TICKER, trade_status="ACTIVE"), "SIMPLE")
    assert wire["ts"] == "ACTIVE"
    assert encode(samples.TICKER, "SIMPLE")["dd"] is None  # present-but-null stays


def test_frames_single_and_list() -> None:
    assert encode_frame(samples.STATUS_UP, "DEFAULT") == b'{"status":"UP"}'
    frame = encode_frame([samples.TICKER, samples.TRADE], "SIMPLE_LIST")
    decoded = orjson.loads(frame)
    assert [o["ty"] for o in decoded] == ["ticker", "trade"]
    assert orjson.loads(encode_frame([samples.TRADE], "JSON_LIST"))[0]["type"] == "trade"


def test_decimals_exact_and_plain() -> None:
    frame = encode_frame([samples.MY_ASSET], "SIMPLE")
    assert b'"b":1386929.37231066771348207123' in frame
    assert b'"b":0.00000001' in frame


@pytest.mark.parametrize(
    "call",
    [
        lambda: encode(samples.TICKER, "XML"),
        lambda: encode(events.UnknownMessage("unknown", "x", b"{}")),
        lambda: encode_frame([samples.TICKER, samples.TRADE], "SIMPLE"),
        lambda: encode_frame([], "JSON_LIST"),
        lambda: encode_frame([], "DEFAULT"),
        lambda: encode_frame(samples.TICKER, "json"),
        lambda: encode_frame(
            replace(samples.MY_ASSET, assets=(events.AssetBalance("KRW", Decimal("NaN"), Decimal(0)),))
        ),
    ],
)
def test_encoder_errors(call: object) -> None:
    with pytest.raises(LocalProtocolError):
        call()  # type: ignore[operator]
