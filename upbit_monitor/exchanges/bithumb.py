"""Bithumb, Korea's second exchange: a venue profile over the Upbit protocol core.

Bithumb's 2024+ API copies Upbit's request format and field names (protocol-2026.md, "Bithumb"), so
its connectors ARE :class:`~upbit_monitor.exchanges.upbit.UpbitConnector`s (same full-set request
builder, parser, keepalive and close/error policy) with Bithumb's facts:

* ``bithumb-public``: ``wss://ws-api.bithumb.com/websocket/v1``; ticker, trade and orderbook only. The
  chart's ``candle.*`` subscriptions go out as ``trade`` and the candles are built from the trades
  (:mod:`upbit_monitor.protocol.trade_candles`; :meth:`BithumbConnector.reconcile` takes the REST bar).
* ``bithumb-private``: ``wss://ws-api.bithumb.com/websocket/v2/private``; JWT claims ``access_key``,
  ``nonce`` and ``timestamp`` (ms); ``myOrder`` in v2 field names, normalised to Upbit's
  :class:`~upbit_monitor.protocol.events.MyOrder` (:mod:`upbit_monitor.protocol.bithumb_v2`); ``myAsset``
  unchanged. Keys come from :data:`BITHUMB_CREDENTIALS` (one provider per venue).
* Connect limit 10/s per IP; persistent excess blocks the IP for 10 minutes: after
  :data:`BLOCK_AFTER_429` refused handshakes in a row the connection waits :data:`BLOCK_S` and says so
  (:meth:`BithumbConnector.handshake_hold`), instead of extending the block with retries.

Conservative choices where a fact is UNCONFIRMED (each is a simulator setting, see sim/bithumb.py):
DEFAULT format (SIMPLE support unknown; the documented examples use DEFAULT names) and no ``.N``
depth suffix (unknown; without it the server sends its default depth, which the views cut).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Final

from msgspec.structs import replace

from upbit_monitor.config import BITHUMB_WS_PUBLIC, Settings
from upbit_monitor.errors import ParseError
from upbit_monitor.exchanges.base import CredentialsProvider, RateLimit
from upbit_monitor.exchanges.descriptor import ConnectionSpec, ExchangeDescriptor, VenueProfile
from upbit_monitor.exchanges.upbit import PrivateSigning, UpbitConnector
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.protocol.bithumb_v2 import is_my_order, normalize_my_order
from upbit_monitor.protocol.events import CANDLE_TYPES, Candle, Event, MyOrder, Trade, UnknownMessage
from upbit_monitor.protocol.requests import build_request, new_ticket
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, TypeSubscription
from upbit_monitor.protocol.trade_candles import TradeCandleBuilder

VENUE: Final = "bithumb"
LABEL: Final = "Bithumb"
PUBLIC: Final = "bithumb-public"
PRIVATE: Final = "bithumb-private"

CONNECTS_PER_S: Final = 10  # per IP (documented); beyond it the handshake gets 429
BLOCK_S: Final = 600.0  # documented: persistent excess blocks the IP for 10 minutes
BLOCK_AFTER_429: Final = 3  # our reading of "persistent": three refusals in a row
# UNCONFIRMED: Bithumb documents no per-connection request budget; Upbit's 5/s is the safe guess.
BITHUMB_RATE_LIMIT: Final = RateLimit(per_second=5)
WIRE_TYPES: Final = frozenset({"ticker", "trade", "orderbook", "myOrder", "myAsset"})
# REST (``settings.bithumb_rest_url``): Upbit's paths and answers (market list, ticker, orderbook,
# minute/day/week/month candles; no seconds candles); only the market list's detail switch differs:
# ``RestClient(settings.bithumb_rest_url, details_param=REST_DETAILS_PARAM)``.
REST_DETAILS_PARAM: Final = "isDetails"

BITHUMB_PROFILE: Final = VenueProfile(
    venue=VENUE,
    rest_url_setting="bithumb_rest_url",
    rate_limit=BITHUMB_RATE_LIMIT,
    connects_per_s=CONNECTS_PER_S,
    private_version="v2",
    supports_candles=False,
    simple_format=False,  # UNCONFIRMED: the documented examples use DEFAULT names
    depth_suffix=False,  # UNCONFIRMED: the server's default depth, cut by the views
    rest_details_param=REST_DETAILS_PARAM,
    # Its docs spell the snapshot flags in camelCase; whether it reads Upbit's snake_case is
    # unconfirmed, so every request keeps the default (snapshot + stream).
    realtime_resubscribe=False,
)
"""Where Bithumb differs from Upbit on the shared protocol core."""

BITHUMB_CREDENTIALS = CredentialsProvider()
"""Bithumb's keys (a separate provider: keys are per venue). The app or a test fills it."""


class ConnectBlock:
    """Counts refused handshakes in a row and says when Bithumb has most likely blocked the IP."""

    def __init__(self, block_after: int = BLOCK_AFTER_429, block_s: float = BLOCK_S) -> None:
        self.block_after = block_after
        self.block_s = block_s
        self.refused_in_a_row = 0

    def refused(self, status: int) -> tuple[float, str] | None:
        """Note a refused upgrade; a hold ``(seconds, reason)`` once the refusals look persistent."""
        if status != 429:
            return None
        self.refused_in_a_row += 1
        if self.refused_in_a_row < self.block_after:
            return None
        minutes = self.block_s / 60
        return self.block_s, (f"Bithumb connection limit: {self.refused_in_a_row} refusals in a row, "
                              f"the IP is likely blocked; waiting {minutes:g} min before retrying")

    def opened(self) -> None:
        """A socket delivered data: the limit is not in force any more."""
        self.refused_in_a_row = 0


def wire_subscriptions(
    merged: MergedSubscriptions, *, depth_suffix: bool = False
) -> tuple[MergedSubscriptions, dict[str, tuple[str, ...]]]:
    """What goes on Bithumb's wire for ``merged``, and the candle types wanted per code.

    ``candle.*`` entries become ``trade`` codes (no candle type on Bithumb); without
    ``depth_suffix`` orderbook entries lose their explicit depths.
    """
    candles: dict[str, list[str]] = {}
    entries: list[TypeSubscription] = []
    trade_codes: set[str] = set()
    trade_entry: TypeSubscription | None = None
    for entry in merged.entries:
        if entry.type in CANDLE_TYPES:
            for code in entry.codes:
                candles.setdefault(code, []).append(entry.type)
            continue
        if entry.type not in WIRE_TYPES:
            continue
        if entry.type == "trade":
            trade_entry = entry
            trade_codes.update(entry.codes)
            continue
        if entry.type == "orderbook" and not depth_suffix and entry.depths:
            entry = TypeSubscription(entry.type, entry.codes, (), entry.level,
                                     entry.only_snapshot, entry.only_realtime)
        entries.append(entry)
    if candles or trade_entry is not None:
        codes = tuple(sorted(trade_codes | set(candles)))
        if trade_entry is not None and set(candles) <= trade_codes:
            trade = trade_entry
        else:
            trade = TypeSubscription("trade", codes)  # candles need every trade: no flags
        # Keep Upbit's type order (ticker, trade, orderbook, ...): trade after ticker.
        at = 1 if entries and entries[0].type == "ticker" else 0
        entries.insert(at, trade)
    return MergedSubscriptions(tuple(entries)), {c: tuple(t) for c, t in candles.items()}


class BithumbConnector(UpbitConnector):
    """Bithumb's public endpoint (and the base of the private one). One instance per connection.

    ``fmt`` None and ``depth_suffix`` None take :data:`BITHUMB_PROFILE`'s choices (DEFAULT, no suffix).
    """

    def __init__(
        self,
        name: str = PUBLIC,
        url: str = BITHUMB_WS_PUBLIC,
        *,
        fmt: str | None = None,
        keepalive_interval_s: float = 30.0,
        depth_suffix: bool | None = None,
        block: ConnectBlock | None = None,
    ) -> None:
        super().__init__(name, url, fmt=fmt, keepalive_interval_s=keepalive_interval_s,
                         profile=BITHUMB_PROFILE)
        self.depth_suffix = depth_suffix if depth_suffix is not None else self.profile.depth_suffix
        self.block = block if block is not None else ConnectBlock()
        self.candles = TradeCandleBuilder()
        self._candle_wants: dict[str, tuple[str, ...]] = {}
        self._trade_codes: frozenset[str] = frozenset()

    def build_requests(
        self, previous: MergedSubscriptions | None, current: MergedSubscriptions
    ) -> list[str]:
        """One full-set request in Bithumb's terms (candles as trades); ``[]`` if empty."""
        wire, candles = wire_subscriptions(current, depth_suffix=self.depth_suffix)
        self._candle_wants = candles
        self._trade_codes = frozenset(current.codes_for("trade"))
        self.candles.forget((code, t) for code, types in candles.items() for t in types)
        if wire.is_empty:
            return []
        return [build_request(wire, ticket=new_ticket(), fmt=self.fmt)]

    def parse(self, data: bytes | str, epoch: int) -> Sequence[Event]:
        """Upbit's parser, plus candles built from trades where candles were asked for."""
        events = self.parser.parse(data, epoch)
        self.block.opened()
        wants = self._candle_wants
        if not wants:
            return events
        out: list[Event] = []
        for ev in events:
            if isinstance(ev, Trade) and ev.code in wants:
                out.extend(replace(c, epoch=epoch) for c in self.candles.add(ev, wants[ev.code]))
                if ev.code not in self._trade_codes:
                    continue  # the trade was subscribed only to build candles
            out.append(ev)
        return out

    def reconcile(self, candle: Candle) -> Candle | None:
        """Adopt a REST candle of the current interval (see :meth:`TradeCandleBuilder.reconcile`)."""
        return self.candles.reconcile(candle)

    def handshake_hold(self, status: int) -> tuple[float, str] | None:
        """Wait out Bithumb's 10-minute IP block after persistent 429s (see :class:`ConnectBlock`)."""
        return self.block.refused(status)


class BithumbPrivateConnector(PrivateSigning, BithumbConnector):
    """Bithumb's private v2 endpoint: ``myOrder`` (v2 names, normalised) and ``myAsset``."""

    private = True

    def __init__(
        self,
        url: str,
        credentials: CredentialsProvider,
        *,
        keepalive_interval_s: float = 30.0,
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        super().__init__(PRIVATE, url, keepalive_interval_s=keepalive_interval_s)
        self.credentials = credentials
        self.tokens_issued = 0
        self._clock_ms = clock_ms if clock_ms is not None else (lambda: int(time.time() * 1000))
        # v2 dropped ``trades_count``: fills seen per open order on this connection (ids per order).
        self._fills: dict[str, set[str]] = {}

    def sign(self, creds: Credentials) -> str:
        """Bithumb's JWT also carries the current time in milliseconds (its v2 claims)."""
        return creds.token(timestamp_ms=int(self._clock_ms()))

    def parse(self, data: bytes | str, epoch: int) -> Sequence[Event]:
        """v2 ``myOrder`` frames are normalised; everything else goes through Upbit's parser."""
        try:
            doc = json.loads(data, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            return super().parse(data, epoch)  # raises the parser's ParseError
        objs = doc if isinstance(doc, list) else [doc]
        if not any(isinstance(o, dict) and is_my_order(o) for o in objs):
            return super().parse(data, epoch)
        # Upbit's parser reads the rest of the frame (one event per object); the v2 orders it cannot
        # read are replaced by their normalised form at the same position.
        events = list(super().parse(data, epoch)) if len(objs) > 1 else []
        out: list[Event] = []
        for i, obj in enumerate(objs):
            if isinstance(obj, dict) and is_my_order(obj):
                out.append(self._order(obj, epoch))
            elif i < len(events):
                out.append(events[i])
        return out

    def _order(self, obj: dict[str, Any], epoch: int) -> Event:
        try:
            order = normalize_my_order(obj, epoch)
        except ParseError as exc:
            raw = json.dumps(obj, default=str).encode()[:500]
            return UnknownMessage("unknown", str(exc), raw, epoch)
        return replace(order, trades_count=self._count_fill(order))

    def _count_fill(self, order: MyOrder) -> int:
        fills = self._fills.setdefault(order.uuid, set())
        if order.state == "trade" and order.trade_uuid:
            fills.add(order.trade_uuid)
        count = len(fills)
        if order.state in ("done", "cancel", "prevented"):
            del self._fills[order.uuid]  # finished: nothing more will be counted
        return count


def bithumb_public(settings: Settings) -> BithumbConnector:
    """Factory for ``bithumb-public`` from settings."""
    return BithumbConnector(PUBLIC, settings.bithumb_ws_url,
                            keepalive_interval_s=settings.keepalive_interval_s)


def bithumb_private(settings: Settings) -> BithumbPrivateConnector:
    """Factory for ``bithumb-private``: URL from settings, keys from :data:`BITHUMB_CREDENTIALS`."""
    return BithumbPrivateConnector(settings.bithumb_ws_private_url, BITHUMB_CREDENTIALS,
                                   keepalive_interval_s=settings.keepalive_interval_s)


DESCRIPTOR = ExchangeDescriptor(
    venue=VENUE,
    label=LABEL,
    connections=(
        ConnectionSpec(PUBLIC, bithumb_public, "bithumb_ws_url"),
        ConnectionSpec(PRIVATE, bithumb_private, "bithumb_ws_private_url", private=True),
    ),
    profile=BITHUMB_PROFILE,
)
"""Bithumb as the registry lists it: Upbit's protocol core with :data:`BITHUMB_PROFILE`."""
