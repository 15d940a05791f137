"""DEFAULT <-> SIMPLE key tables (upbit-protocol.md section 3), shared by the parser, the encoder
and the simulator.

Each table lists ``(DEFAULT key, SIMPLE key)`` pairs in the field order of the matching event class
in :mod:`upbit_monitor.protocol.events` (``epoch`` excluded: it is ours, not Upbit's). Nested
objects (orderbook units, asset balances, subscription entries) have their own tables.
"""

from __future__ import annotations

from typing import Final

KeyTable = tuple[tuple[str, str], ...]

TICKER: Final[KeyTable] = (
    ("type", "ty"),
    ("code", "cd"),
    ("opening_price", "op"),
    ("high_price", "hp"),
    ("low_price", "lp"),
    ("trade_price", "tp"),
    ("prev_closing_price", "pcp"),
    ("change", "c"),
    ("change_price", "cp"),
    ("signed_change_price", "scp"),
    ("change_rate", "cr"),
    ("signed_change_rate", "scr"),
    ("trade_volume", "tv"),
    ("acc_trade_volume", "atv"),
    ("acc_trade_volume_24h", "atv24h"),
    ("acc_trade_price", "atp"),
    ("acc_trade_price_24h", "atp24h"),
    ("trade_date", "tdt"),
    ("trade_time", "ttm"),
    ("trade_timestamp", "ttms"),
    ("ask_bid", "ab"),
    ("acc_ask_volume", "aav"),
    ("acc_bid_volume", "abv"),
    ("highest_52_week_price", "h52wp"),
    ("highest_52_week_date", "h52wdt"),
    ("lowest_52_week_price", "l52wp"),
    ("lowest_52_week_date", "l52wdt"),
    ("market_state", "ms"),
    ("is_trading_suspended", "its"),
    ("delisting_date", "dd"),
    ("market_warning", "mw"),
    ("timestamp", "tms"),
    ("stream_type", "st"),
    ("trade_status", "ts"),
    ("market_state_for_ios", "msfi"),
)

TRADE: Final[KeyTable] = (
    ("type", "ty"),
    ("code", "cd"),
    ("trade_price", "tp"),
    ("trade_volume", "tv"),
    ("ask_bid", "ab"),
    ("prev_closing_price", "pcp"),
    ("change", "c"),
    ("change_price", "cp"),
    # Note: SIMPLE ``td`` here (yyyy-MM-dd) vs the ticker's ``tdt`` (yyyyMMdd).
    ("trade_date", "td"),
    ("trade_time", "ttm"),
    ("trade_timestamp", "ttms"),
    ("timestamp", "tms"),
    ("sequential_id", "sid"),
    ("best_ask_price", "bap"),
    ("best_ask_size", "bas"),
    ("best_bid_price", "bbp"),
    ("best_bid_size", "bbs"),
    ("stream_type", "st"),
)

ORDERBOOK: Final[KeyTable] = (
    ("type", "ty"),
    ("code", "cd"),
    ("total_ask_size", "tas"),
    ("total_bid_size", "tbs"),
    ("orderbook_units", "obu"),
    ("timestamp", "tms"),
    ("level", "lv"),
    ("stream_type", "st"),
)

ORDERBOOK_UNIT: Final[KeyTable] = (
    ("ask_price", "ap"),
    ("bid_price", "bp"),
    ("ask_size", "as"),
    ("bid_size", "bs"),
)

CANDLE: Final[KeyTable] = (
    ("type", "ty"),
    ("code", "cd"),
    ("candle_date_time_utc", "cdttmu"),
    ("candle_date_time_kst", "cdttmk"),
    ("opening_price", "op"),
    ("high_price", "hp"),
    ("low_price", "lp"),
    ("trade_price", "tp"),
    ("candle_acc_trade_volume", "catv"),
    ("candle_acc_trade_price", "catp"),
    ("timestamp", "tms"),
    ("stream_type", "st"),
)

MY_ORDER: Final[KeyTable] = (
    ("type", "ty"),
    ("code", "cd"),
    ("uuid", "uid"),
    ("ask_bid", "ab"),
    ("order_type", "ot"),
    ("state", "s"),
    ("trade_uuid", "tuid"),
    ("price", "p"),
    ("avg_price", "ap"),
    ("volume", "v"),
    ("remaining_volume", "rv"),
    ("executed_volume", "ev"),
    ("trades_count", "tc"),
    ("reserved_fee", "rsf"),
    ("remaining_fee", "rmf"),
    ("paid_fee", "pf"),
    ("locked", "l"),
    ("executed_funds", "ef"),
    ("time_in_force", "tif"),
    ("trade_fee", "tf"),
    ("is_maker", "im"),
    ("identifier", "id"),
    ("smp_type", "smpt"),
    ("prevented_volume", "pv"),
    ("prevented_locked", "pl"),
    ("trade_timestamp", "ttms"),
    ("order_timestamp", "otms"),
    ("timestamp", "tms"),
    ("stream_type", "st"),
)

MY_ASSET: Final[KeyTable] = (
    ("type", "ty"),
    ("asset_uuid", "astuid"),
    ("assets", "ast"),
    ("asset_timestamp", "asttms"),
    ("timestamp", "tms"),
    ("stream_type", "st"),
)

ASSET_BALANCE: Final[KeyTable] = (
    ("currency", "cu"),
    ("balance", "b"),
    ("locked", "l"),
)

# 2026 types (protocol-2026.md), key for key as upbit-sdk 1.1.0 declares them (``types/simple_*.py``).
ANNOUNCEMENT: Final[KeyTable] = (
    ("type", "ty"),
    ("uuid", "uid"),
    ("category", "cat"),
    ("event_type", "et"),
    ("title", "tt"),
    ("body", "bd"),
    ("url", "url"),
    ("listed_at", "lat"),
    ("first_listed_at", "flat"),
    ("timestamp", "tms"),
    ("stream_type", "st"),
)

# ``indicator`` / ``indicator_signal`` are flat: the kind, its params and its values are siblings.
INDICATOR: Final[KeyTable] = (
    ("type", "ty"),
    ("code", "cd"),
    ("timeframe", "tf"),
    ("indicator", "ind"),
    ("params", "p"),
    ("value", "v"),
    ("candle_date_time_utc", "cdttmu"),
    ("timestamp", "tms"),
    ("stream_type", "st"),
)

INDICATOR_SIGNAL: Final[KeyTable] = (
    ("type", "ty"),
    ("code", "cd"),
    ("timeframe", "tf"),
    ("indicator", "ind"),
    ("params", "p"),
    ("trigger", "tr"),
    ("event_params", "ep"),
    ("value", "v"),
    ("candle_date_time_utc", "cdttmu"),
    ("timestamp", "tms"),
    ("stream_type", "st"),
)

# The keys INSIDE an indicator's ``params``, ``event_params`` and ``value`` objects are abbreviated in
# SIMPLE frames too (``{"p": 14}`` for ``{"period": 14}``), with maps of their own.
INDICATOR_PARAMS: Final[KeyTable] = (
    ("period", "p"),
    ("type", "t"),
    ("long_period", "lop"),
    ("short_period", "shp"),
    ("multiplier", "m"),
    ("fast", "f"),
    ("slow", "s"),
    ("signal_period", "sgp"),
)

INDICATOR_EVENT_PARAMS: Final[KeyTable] = (
    ("multiplier", "mul"),
    ("threshold", "th"),
)

INDICATOR_VALUES: Final[KeyTable] = (
    ("volume", "vol"),
    ("avg_volume", "av"),
    ("ratio", "rto"),
    ("rsi", "rsi"),
    ("value", "value"),
    ("ma_short", "mas"),
    ("ma_long", "mal"),
    ("bb_upper", "bbu"),
    ("bb_middle", "bbm"),
    ("bb_lower", "bbl"),
    ("macd", "macd"),
    ("macd_signal", "macds"),
    ("histogram", "hist"),
)

LIST_SUBSCRIPTIONS: Final[KeyTable] = (
    ("method", "mthd"),
    ("result", "rslt"),
    ("ticket", "tckt"),
)

SUBSCRIPTION_ENTRY: Final[KeyTable] = (
    ("type", "ty"),
    ("codes", "cds"),
    ("level", "lv"),
)

FORMATS: Final[tuple[str, ...]] = ("DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST")
SIMPLE_FORMATS: Final[frozenset[str]] = frozenset({"SIMPLE", "SIMPLE_LIST"})
LIST_FORMATS: Final[frozenset[str]] = frozenset({"JSON_LIST", "SIMPLE_LIST"})
