"""Sample events and literal wire frames written from upbit-protocol.md §3, §5 and §8.

The literal frames are copied from the spec's constructed examples (or written from its field
tables), so parser tests do not depend on our own encoder.
"""

from __future__ import annotations

from decimal import Decimal

from upbit_monitor.protocol.events import (
    Announcement,
    AssetBalance,
    Candle,
    DelistingDate,
    Event,
    Indicator,
    IndicatorSignal,
    MyAsset,
    MyOrder,
    Orderbook,
    OrderbookUnit,
    ServerError,
    StatusUp,
    SubscriptionEntry,
    SubscriptionList,
    Ticker,
    Trade,
)

# --- literal frames -----------------------------------------------------------------------------

TICKER_SIMPLE = (
    b'{"ty":"ticker","cd":"KRW-BTC","op":141200000,"hp":142900000,"lp":140800000,"tp":142350000,'
    b'"pcp":141200000,"c":"RISE","cp":1150000,"scp":1150000,"cr":0.0081444759,"scr":0.0081444759,'
    b'"tv":0.0031,"atv":1523.1,"atv24h":3311.7,"atp":216601000000.5,"atp24h":470200000000.1,'
    b'"tdt":"20250704","ttm":"051400","ttms":1751606040365,"ab":"BID","aav":760.2,"abv":762.9,'
    b'"h52wp":163325000,"h52wdt":"2025-01-20","l52wp":72100000,"l52wdt":"2024-08-05",'
    b'"ms":"ACTIVE","its":false,"dd":null,"mw":"NONE","tms":1751606040403,"st":"REALTIME"}'
)

TICKER = Ticker(
    "ticker", "KRW-BTC", 141200000, 142900000, 140800000, 142350000, 141200000, "RISE",
    1150000, 1150000, 0.0081444759, 0.0081444759, 0.0031, 1523.1, 3311.7, 216601000000.5,
    470200000000.1, "20250704", "051400", 1751606040365, "BID", 760.2, 762.9, 163325000,
    "2025-01-20", 72100000, "2024-08-05", "ACTIVE", False, None, "NONE", 1751606040403, "REALTIME",
)  # fmt: skip

TRADE_DEFAULT = (
    b'{"type":"trade","code":"KRW-BTC","timestamp":1730336862082,"trade_date":"2024-10-31",'
    b'"trade_time":"01:07:42","trade_timestamp":1730336862047,"trade_price":100473000.0,'
    b'"trade_volume":0.00014208,"ask_bid":"BID","prev_closing_price":100571000.0,"change":"FALL",'
    b'"change_price":98000.0,"sequential_id":17303368620470000,"best_ask_price":100473000,'
    b'"best_ask_size":0.43,"best_bid_price":100465000,"best_bid_size":0.02,"stream_type":"SNAPSHOT"}'
)

TRADE = Trade(
    "trade", "KRW-BTC", 100473000.0, 0.00014208, "BID", 100571000.0, "FALL", 98000.0, "2024-10-31",
    "01:07:42", 1730336862047, 1730336862082, 17303368620470000, 100473000, 0.43, 100465000, 0.02,
    "SNAPSHOT",
)  # fmt: skip

ORDERBOOK_SIMPLE = (
    b'{"ty":"orderbook","cd":"KRW-ETH","tas":12.5,"tbs":20.25,'
    b'"obu":[{"ap":5101000,"bp":5100000,"as":1.5,"bs":4.25},{"ap":5102000,"bp":5099000,"as":11.0,"bs":16.0}],'
    b'"tms":1751606867762,"lv":0,"st":"REALTIME"}'
)

ORDERBOOK = Orderbook(
    "orderbook",
    "KRW-ETH",
    12.5,
    20.25,
    (OrderbookUnit(5101000, 5100000, 1.5, 4.25), OrderbookUnit(5102000, 5099000, 11.0, 16.0)),
    1751606867762,
    0,
    "REALTIME",
)

CANDLE_DEFAULT = (
    b'{"type":"candle.1m","code":"KRW-BTC","candle_date_time_utc":"2025-07-01T12:01:00",'
    b'"candle_date_time_kst":"2025-07-01T21:01:00","opening_price":145831000,"high_price":145900000,'
    b'"low_price":145752000,"trade_price":145759000,"candle_acc_trade_volume":2.7589,'
    b'"candle_acc_trade_price":402247046.7,"timestamp":1751371319833,"stream_type":"REALTIME"}'
)

CANDLE = Candle(
    "candle.1m", "KRW-BTC", "2025-07-01T12:01:00", "2025-07-01T21:01:00", 145831000, 145900000,
    145752000, 145759000, 2.7589, 402247046.7, 1751371319833, "REALTIME",
)  # fmt: skip

MY_ORDER_SIMPLE = (
    b'{"ty":"myOrder","cd":"KRW-BTC","uid":"ac2dc2a3-fce9-40a2-a4f6-5987c25c438f","ab":"BID",'
    b'"ot":"limit","s":"trade","tuid":"68315169-fba4-4175-ade3-aff14a616657","p":0.001453,'
    b'"ap":0.00145300,"v":30925891.29839369,"rv":29968038.09235948,"ev":30925891.29839369,"tc":1,'
    b'"rsf":44.93006055,"rmf":21.65226379,"pf":23.27779676,"l":0.01,"ef":44935.98,"tif":null,'
    b'"tf":23.27779676,"im":false,"id":null,"smpt":"cancel_maker","pv":0,"pl":0,'
    b'"ttms":1660801715653,"otms":1660801715619,"tms":1660801715689,"st":"REALTIME"}'
)

MY_ORDER = MyOrder(
    "myOrder", "KRW-BTC", "ac2dc2a3-fce9-40a2-a4f6-5987c25c438f", "BID", "limit", "trade",
    "68315169-fba4-4175-ade3-aff14a616657", Decimal("0.001453"), Decimal("0.00145300"),
    Decimal("30925891.29839369"), Decimal("29968038.09235948"), Decimal("30925891.29839369"), 1,
    Decimal("44.93006055"), Decimal("21.65226379"), Decimal("23.27779676"), Decimal("0.01"),
    Decimal("44935.98"), None, Decimal("23.27779676"), False, None, "cancel_maker", Decimal(0),
    Decimal(0), 1660801715653, 1660801715619, 1660801715689, "REALTIME",
)  # fmt: skip

MY_ASSET_DEFAULT = (
    b'{"type":"myAsset","asset_uuid":"e635f223-1609-4969-8fb6-4376937baad6",'
    b'"assets":[{"currency":"KRW","balance":1386929.37231066771348207123,"locked":10329.670127489597},'
    b'{"currency":"BTC","balance":0.00000001,"locked":0}],'
    b'"asset_timestamp":1710146517259,"timestamp":1710146517267,"stream_type":"REALTIME"}'
)

MY_ASSET = MyAsset(
    "myAsset",
    "e635f223-1609-4969-8fb6-4376937baad6",
    (
        AssetBalance("KRW", Decimal("1386929.37231066771348207123"), Decimal("10329.670127489597")),
        AssetBalance("BTC", Decimal("0.00000001"), Decimal(0)),
    ),
    1710146517259,
    1710146517267,
    "REALTIME",
)

LIST_SUBSCRIPTIONS_DEFAULT = (
    b'{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},'
    b'{"type":"orderbook","codes":["KRW-BTC"],"level":0}],"ticket":"mon-q1"}'
)
LIST_SUBSCRIPTIONS_SIMPLE = (
    b'{"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"ticker","cds":["KRW-BTC","KRW-ETH"]},'
    b'{"ty":"orderbook","cds":["KRW-BTC"],"lv":0}],"tckt":"mon-q1"}'
)

SUBSCRIPTION_LIST = SubscriptionList(
    "LIST_SUBSCRIPTIONS",
    (
        SubscriptionEntry("ticker", ("KRW-BTC", "KRW-ETH"), None),
        SubscriptionEntry("orderbook", ("KRW-BTC",), 0),
    ),
    "mon-q1",
)

STATUS_UP_FRAME = b'{"status":"UP"}'
STATUS_UP = StatusUp("status", "UP")

ERROR_FRAME = '{"error":{"name":"NO_CODES","message":"codes 필드가 없습니다."}}'.encode()
SERVER_ERROR = ServerError("error", "NO_CODES", "codes 필드가 없습니다.")

DELISTING = DelistingDate(2026, 3, 31)

# protocol-2026.md field lists (values invented).
ANNOUNCEMENT_SIMPLE = (
    '{"ty":"announcement","uid":"5c2d0d0e-6a49-4b8e-9a51-1a2b3c4d5e6f","cat":"trade",'
    '"et":"CREATED","tt":"[거래] 신규 디지털 자산 상장 안내","bd":null,'
    '"url":"https://upbit.com/service_center/notice?id=5000","lat":"2026-09-01T10:00:00+09:00",'
    '"flat":"2026-09-01T10:00:00+09:00","tms":1756688400000,"st":"REALTIME"}'
).encode()

ANNOUNCEMENT = Announcement(
    "announcement", "5c2d0d0e-6a49-4b8e-9a51-1a2b3c4d5e6f", "trade", "CREATED",
    "[거래] 신규 디지털 자산 상장 안내", None, "https://upbit.com/service_center/notice?id=5000",
    "2026-09-01T10:00:00+09:00", "2026-09-01T10:00:00+09:00", 1756688400000, "REALTIME",
)  # fmt: skip

# Indicator frames as upbit-sdk 1.1.0 declares them (types/rsi_indicator.py, simple_macd_indicator_signal.py
# ...): kind, params and value are siblings; SIMPLE abbreviates the keys inside params/value too.
INDICATOR_DEFAULT = (
    b'{"type":"indicator","code":"KRW-BTC","timeframe":"15m","indicator":"rsi","params":{"period":14},'
    b'"value":{"rsi":"71.23"},"candle_date_time_utc":"2025-09-01T00:45:00","timestamp":1756688400000,'
    b'"stream_type":"REALTIME"}'
)
INDICATOR_SIMPLE = (
    b'{"ty":"indicator","cd":"KRW-BTC","tf":"15m","ind":"rsi","p":{"p":14},"v":{"rsi":"71.23"},'
    b'"cdttmu":"2025-09-01T00:45:00","tms":1756688400000,"st":"REALTIME"}'
)

INDICATOR = Indicator(
    "indicator", "KRW-BTC", "15m", "rsi", {"period": 14}, {"rsi": Decimal("71.23")},
    "2025-09-01T00:45:00", 1756688400000, "REALTIME",
)  # fmt: skip

INDICATOR_SIGNAL_SIMPLE = (
    b'{"ty":"indicator_signal","cd":"KRW-ETH","tf":"1d","ind":"macd","p":{"f":12,"s":26,"sgp":9},'
    b'"tr":"golden_cross","ep":{},"v":{"macd":"-1200.5","macds":"-1300","hist":"99.5"},'
    b'"cdttmu":"2025-08-31T00:00:00","tms":1756688400000,"st":"REALTIME"}'
)

INDICATOR_SIGNAL = IndicatorSignal(
    "indicator_signal", "KRW-ETH", "1d", "macd", {"fast": 12, "slow": 26, "signal_period": 9},
    "golden_cross", {},
    {"macd": Decimal("-1200.5"), "macd_signal": Decimal("-1300"), "histogram": Decimal("99.5")},
    "2025-08-31T00:00:00", 1756688400000, "REALTIME",
)  # fmt: skip

VOLUME_SIGNAL_DEFAULT = (
    b'{"type":"indicator_signal","code":"KRW-XRP","timeframe":"5m","indicator":"volume","params":{"period":20},'
    b'"trigger":"volume_spike","event_params":{"multiplier":3},'
    b'"value":{"volume":"1200000","avg_volume":"300000.5","ratio":"3.99"},'
    b'"candle_date_time_utc":"2025-09-01T00:55:00","timestamp":1756688400000,"stream_type":"REALTIME"}'
)

VOLUME_SIGNAL = IndicatorSignal(
    "indicator_signal", "KRW-XRP", "5m", "volume", {"period": 20}, "volume_spike", {"multiplier": 3},
    {"volume": Decimal("1200000"), "avg_volume": Decimal("300000.5"), "ratio": Decimal("3.99")},
    "2025-09-01T00:55:00", 1756688400000, "REALTIME",
)  # fmt: skip

ALL_EVENTS: dict[str, Event] = {
    "ticker": TICKER,
    "trade": TRADE,
    "orderbook": ORDERBOOK,
    "candle": CANDLE,
    "myOrder": MY_ORDER,
    "myAsset": MY_ASSET,
    "list_subscriptions": SUBSCRIPTION_LIST,
    "status": STATUS_UP,
    "error": SERVER_ERROR,
    "announcement": ANNOUNCEMENT,
    "indicator": INDICATOR,
    "indicator_signal": INDICATOR_SIGNAL,
}

LITERAL_FRAMES: dict[str, tuple[bytes, Event]] = {
    "ticker-simple": (TICKER_SIMPLE, TICKER),
    "trade-default": (TRADE_DEFAULT, TRADE),
    "orderbook-simple": (ORDERBOOK_SIMPLE, ORDERBOOK),
    "candle-default": (CANDLE_DEFAULT, CANDLE),
    "myorder-simple": (MY_ORDER_SIMPLE, MY_ORDER),
    "myasset-default": (MY_ASSET_DEFAULT, MY_ASSET),
    "list-default": (LIST_SUBSCRIPTIONS_DEFAULT, SUBSCRIPTION_LIST),
    "list-simple": (LIST_SUBSCRIPTIONS_SIMPLE, SUBSCRIPTION_LIST),
    "status": (STATUS_UP_FRAME, STATUS_UP),
    "error": (ERROR_FRAME, SERVER_ERROR),
    "announcement-simple": (ANNOUNCEMENT_SIMPLE, ANNOUNCEMENT),
    "indicator-default": (INDICATOR_DEFAULT, INDICATOR),
    "indicator-simple": (INDICATOR_SIMPLE, INDICATOR),
    "indicator-signal-simple": (INDICATOR_SIGNAL_SIMPLE, INDICATOR_SIGNAL),
    "volume-signal-default": (VOLUME_SIGNAL_DEFAULT, VOLUME_SIGNAL),
}


def orderbook(code: str, levels: int, *, base: int = 50_000_000, tick: int = 1000) -> Orderbook:
    """A plausible ``levels``-deep orderbook around ``base``."""
    units = tuple(
        OrderbookUnit(
            base + tick * (i + 1), base - tick * i, round(0.1 + 0.37 * i, 8), round(0.2 + 0.41 * i, 8)
        )
        for i in range(levels)
    )
    return Orderbook(
        "orderbook",
        code,
        round(sum(u.ask_size for u in units), 8),
        round(sum(u.bid_size for u in units), 8),
        units,
        1751606867762,
        0,
        "REALTIME",
    )
