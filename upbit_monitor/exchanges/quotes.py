"""Exchange-neutral price quotes, a bounded TTL cache of them, and kimchi-premium arithmetic.

Foreign venues (Binance, Bybit) are normalised to one :class:`PriceQuote`, whatever their wire
format. The quote is an event like Upbit's: ``type`` first (always ``"quote"``), ``epoch`` last,
and a routing ``code`` of the form ``"binance:BTCUSDT"`` so the manager can route it by
``(type, code)`` exactly like a ticker. Control replies (subscription acks, pongs) are
:class:`ControlAck` events; refusals are :class:`~upbit_monitor.protocol.events.ServerError`.

Premium (the "kimchi premium") of a coin::

    premium = upbit_krw_price / (foreign_usdt_price * usdt_krw) - 1

where ``usdt_krw`` is the last price of Upbit's own ``KRW-USDT`` market. It is a fraction
(``0.025`` = +2.5 %). Using Upbit's USDT price rather than a bank FX rate is deliberate: it is the
rate a Korean trader can actually convert at, so the premium shows the arbitrage gap, not the
(usually larger) gap against the official won rate.

Symbol mapping assumes the same ticker symbol on every venue (``KRW-BTC`` <-> ``BTCUSDT``). A few
coins are listed under different symbols on different venues; those simply find no foreign quote.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator
from typing import NamedTuple

import orjson

from upbit_monitor.errors import ParseError
from upbit_monitor.protocol.events import UnknownMessage
from upbit_monitor.protocol.subscriptions import MergedSubscriptions

QUOTE_TYPE = "quote"
"""``PriceQuote.type``."""
ACK_TYPE = "ack"
"""``ControlAck.type``."""
USDT_KRW_CODE = "KRW-USDT"
"""Upbit's market whose last price is the USDT/KRW conversion rate."""
FOREIGN_QUOTE = "USDT"
"""The quote currency of every foreign symbol we map to."""


class PriceQuote(NamedTuple):
    """The latest price of one symbol on one foreign exchange (normalised from any venue)."""

    type: str  # always "quote"
    code: str  # routing key "<exchange>:<SYMBOL>", e.g. "binance:BTCUSDT"
    exchange: str  # "binance" / "bybit"
    symbol: str  # venue symbol, uppercase: "BTCUSDT"
    price: float  # last trade price in the quote currency (USDT)
    bid: float | None  # best bid, None when the venue's message has none
    ask: float | None  # best ask
    volume: float | None  # 24 h base-asset volume
    change_24h: float | None  # 24 h change as a fraction (0.0123 = +1.23 %)
    timestamp: int  # ms since epoch: the venue's event time (receive time if it sends none)
    epoch: int = 0


class ControlAck(NamedTuple):
    """A venue's positive reply to a control message: subscribe/unsubscribe ack, pong, list reply.

    Carries no market data; it proves the connection is alive and lets tests and the status panel
    see that requests were accepted.
    """

    type: str  # always "ack"
    exchange: str
    op: str  # "subscribe" / "unsubscribe" / "ping" / "list" / "" when the venue does not say
    request_id: str | None  # the id we sent (Binance "id", Bybit "req_id"), as text
    result: tuple[str, ...]  # e.g. Binance LIST_SUBSCRIPTIONS streams; usually empty
    epoch: int = 0


def quote_code(exchange: str, symbol: str) -> str:
    """The routing key of a quote: ``quote_code("binance", "BTCUSDT") == "binance:BTCUSDT"``."""
    return f"{exchange}:{symbol}"


def make_quote(
    exchange: str,
    symbol: str,
    price: float,
    *,
    bid: float | None = None,
    ask: float | None = None,
    volume: float | None = None,
    change_24h: float | None = None,
    timestamp: int = 0,
    epoch: int = 0,
) -> PriceQuote:
    """Build a :class:`PriceQuote` with its ``type`` and ``code`` filled in."""
    return PriceQuote(
        QUOTE_TYPE,
        quote_code(exchange, symbol),
        exchange,
        symbol,
        price,
        bid,
        ask,
        volume,
        change_24h,
        timestamp,
        epoch,
    )


# --- symbol mapping -------------------------------------------------------------------------------


def foreign_symbol(upbit_code: str) -> str | None:
    """Map an Upbit KRW (or USDT) market to the foreign USDT symbol: ``"KRW-BTC"`` -> ``"BTCUSDT"``.

    Returns None for markets with no USDT counterpart: BTC-quoted markets and ``KRW-USDT`` itself.
    """
    quote, _, base = upbit_code.partition("-")
    if quote not in ("KRW", FOREIGN_QUOTE) or not base or base == FOREIGN_QUOTE:
        return None
    return f"{base}{FOREIGN_QUOTE}"


def subscription_code(upbit_code: str) -> str | None:
    """The code to subscribe on a foreign connection: ``"KRW-BTC"`` -> ``"USDT-BTC"``.

    Foreign connectors take :class:`~upbit_monitor.protocol.subscriptions.SubscriptionSpec` codes in
    Upbit's ``QUOTE-BASE`` form (so the same validation, merging and refcounting apply) and
    translate them to venue symbols with :func:`symbol_from_code`.
    """
    symbol = foreign_symbol(upbit_code)
    return None if symbol is None else f"{FOREIGN_QUOTE}-{symbol[: -len(FOREIGN_QUOTE)]}"


def symbol_from_code(code: str) -> str | None:
    """The venue symbol of a ``USDT-BASE`` subscription code: ``"USDT-BTC"`` -> ``"BTCUSDT"``."""
    quote, _, base = code.partition("-")
    if quote != FOREIGN_QUOTE or not base:
        return None
    return f"{base}{FOREIGN_QUOTE}"


def wanted_symbols(merged: MergedSubscriptions, types: Collection[str]) -> Iterator[tuple[str, str]]:
    """``(type, exchange symbol)`` of every ``USDT-BASE`` code wanted with one of ``types``.

    What a foreign venue's connector subscribes to: other types and codes have no foreign stream.
    """
    for entry in merged.entries:
        if entry.type not in types:
            continue
        for code in entry.codes:
            symbol = symbol_from_code(code)
            if symbol is not None:
                yield entry.type, symbol


def upbit_code(symbol: str, quote: str = "KRW") -> str | None:
    """Map a foreign USDT symbol back to an Upbit market: ``"BTCUSDT"`` -> ``"KRW-BTC"``."""
    symbol = symbol.upper()
    if not symbol.endswith(FOREIGN_QUOTE) or len(symbol) == len(FOREIGN_QUOTE):
        return None
    return f"{quote}-{symbol[: -len(FOREIGN_QUOTE)]}"


# --- premium arithmetic ---------------------------------------------------------------------------


def _positive(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and x > 0


def foreign_price_krw(foreign_usdt: float | None, usdt_krw: float | None) -> float | None:
    """A USDT price converted to KRW at Upbit's USDT rate; None unless both are positive numbers."""
    if foreign_usdt is None or usdt_krw is None or not (_positive(foreign_usdt) and _positive(usdt_krw)):
        return None
    return foreign_usdt * usdt_krw


def premium(upbit_krw: float | None, foreign_usdt: float | None, usdt_krw: float | None) -> float | None:
    """Kimchi premium as a fraction: ``upbit_krw / (foreign_usdt * usdt_krw) - 1``.

    Returns None when any input is missing, zero, negative or not finite (a halted market's 0
    price must not show up as a -100 % premium).
    """
    krw = foreign_price_krw(foreign_usdt, usdt_krw)
    if krw is None or upbit_krw is None or not _positive(upbit_krw):
        return None
    return upbit_krw / krw - 1.0


class PremiumValue(NamedTuple):
    """One coin's premium against one venue, with what it was computed from."""

    exchange: str
    symbol: str
    foreign_price: float  # USDT
    foreign_price_krw: float  # at Upbit's KRW-USDT rate
    premium: float  # fraction
    quote_age_s: float  # how old the foreign quote is (local receive time)


# --- the cache ------------------------------------------------------------------------------------


class QuoteCache:
    """The latest quote per ``(exchange, symbol)``, bounded in size, expiring after ``ttl_s``.

    Freshness is judged by the *local* time a quote was stored (``clock``, monotonic by default),
    never by the venue's timestamp, so a skewed exchange clock cannot make a dead feed look live.
    Stale entries are invisible to :meth:`get`; :meth:`purge` drops them. When full, the least
    recently *updated* entry is evicted (a coin nobody streams any more).

    Not thread-safe; it is used from the event loop only.
    """

    def __init__(
        self, ttl_s: float = 15.0, max_entries: int = 2048, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[PriceQuote, float]] = OrderedDict()
        self.evicted = 0

    def put(self, quote: PriceQuote) -> None:
        """Store ``quote`` as the latest of its ``(exchange, symbol)``, stamped with the clock now."""
        key = (quote.exchange, quote.symbol)
        self._entries[key] = (quote, self._clock())
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
            self.evicted += 1

    def _entry(self, exchange: str, symbol: str) -> tuple[PriceQuote, float] | None:
        """The entry and its age if it is fresh, else None."""
        entry = self._entries.get((exchange, symbol))
        if entry is None:
            return None
        age = self._clock() - entry[1]
        return None if age > self.ttl_s else (entry[0], age)

    def get(self, exchange: str, symbol: str) -> PriceQuote | None:
        """The latest quote if it is fresh (stored at most ``ttl_s`` ago), else None."""
        entry = self._entry(exchange, symbol)
        return None if entry is None else entry[0]

    def age(self, exchange: str, symbol: str) -> float | None:
        """Seconds since the latest quote was stored (fresh or not), None if there is none."""
        entry = self._entries.get((exchange, symbol))
        return None if entry is None else self._clock() - entry[1]

    def latest(self, exchange: str, symbol: str) -> PriceQuote | None:
        """The latest quote even if stale (for diagnostics; never display it as live)."""
        entry = self._entries.get((exchange, symbol))
        return None if entry is None else entry[0]

    def fresh(self) -> Iterator[PriceQuote]:
        """Every fresh quote, least recently updated first."""
        now = self._clock()
        for quote, stored in self._entries.values():
            if now - stored <= self.ttl_s:
                yield quote

    def has_fresh(self, exchange: str | None = None) -> bool:
        """True if any quote (of ``exchange``, if given) is fresh."""
        return any(exchange is None or q.exchange == exchange for q in self.fresh())

    def purge(self) -> int:
        """Drop stale entries; returns how many were dropped."""
        now = self._clock()
        stale = [k for k, (_, stored) in self._entries.items() if now - stored > self.ttl_s]
        for key in stale:
            del self._entries[key]
        return len(stale)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def premium_for(
        self, code: str, upbit_krw: float | None, usdt_krw: float | None, exchange: str
    ) -> PremiumValue | None:
        """The premium of Upbit market ``code`` (e.g. ``"KRW-BTC"`` at ``upbit_krw``) against ``exchange``.

        None when there is no fresh quote, no USDT rate, or a price is not positive.
        """
        symbol = foreign_symbol(code)
        if symbol is None:
            return None
        entry = self._entry(exchange, symbol)
        if entry is None:
            return None
        quote, age = entry
        krw = foreign_price_krw(quote.price, usdt_krw)
        value = premium(upbit_krw, quote.price, usdt_krw)
        if krw is None or value is None:
            return None
        return PremiumValue(exchange, symbol, quote.price, krw, value, age)


# --- helpers shared by the foreign normalisers ----------------------------------------------------


def decode_json(data: bytes | str) -> object:
    """Decode one frame with orjson.

    Raises:
        ParseError: the frame is not valid UTF-8 JSON (the same contract as Upbit's parser).
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
        raise ParseError(f"invalid JSON frame: {exc}", raw) from exc


def to_float(value: object) -> float | None:
    """A venue number (JSON number or decimal string, as Binance and Bybit send) as a float.

    None for missing, empty, non-numeric or non-finite values; bools are rejected (``True`` is an
    int in Python but never a price).
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and value:
        try:
            result = float(value)
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def unknown_message(reason: str, obj: object, epoch: int) -> UnknownMessage:
    """An :class:`UnknownMessage` carrying at most 500 bytes of the offending object."""
    try:
        raw = orjson.dumps(obj)[:500]
    except TypeError:
        raw = repr(obj).encode("utf-8", "replace")[:500]
    return UnknownMessage("unknown", reason, raw, epoch)
