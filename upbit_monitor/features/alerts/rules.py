"""Alert rules: the kinds, their parameters, validation and a one-line description.

A rule is plain data (:class:`AlertRule`): what to watch (``kind``, ``venue``, ``market``), the
kind's parameters, and the firing policy shared by every kind (``cooldown_s``: at most one trigger
per market in that time; ``rearm``: the hysteresis band the value must move back by before the
rule can fire again). :func:`validate_rule` refuses impossible values with a message that names the
field and the accepted range; the rule dialog shows that message and saves nothing.

``market`` is a code (``"KRW-BTC"``), ``"KRW-*"`` for every market of a quote currency (the
surge/plunge scanner; only kinds measured per coin on the ticker stream), or ``""`` where a market
makes no sense (connection) or is optional (listing: any new listing).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts.signal_presets import SIGNAL_PRESETS, TIMEFRAMES
from upbit_monitor.models import display_code

Param = float | str


class RuleKind(enum.StrEnum):
    """What a rule watches."""

    PRICE = "price"  # price crosses a level
    MOVE = "move"  # % move within a time window (surge / plunge)
    CHANGE_24H = "change_24h"  # change vs the previous close past a threshold
    VOLUME_SPIKE = "volume_spike"  # this minute's traded value >= N x the average of M minutes
    PREMIUM = "premium"  # kimchi premium (or domestic spread) beyond a threshold
    WHALE = "whale"  # a single trade >= X KRW
    IMBALANCE = "imbalance"  # orderbook bid/ask size ratio beyond R for N seconds
    LISTING = "listing"  # a new-listing announcement
    CONNECTION = "connection"  # a connection down for more than N seconds
    SIGNAL = "signal"  # Upbit's own indicator signal (RSI overbought, MACD cross...) at a candle close


KIND_LABELS: dict[RuleKind, str] = {
    RuleKind.PRICE: "Price level",
    RuleKind.MOVE: "Sudden move",
    RuleKind.CHANGE_24H: "24 h change",
    RuleKind.VOLUME_SPIKE: "Volume spike",
    RuleKind.PREMIUM: "Premium / spread",
    RuleKind.WHALE: "Whale trade",
    RuleKind.IMBALANCE: "Book imbalance",
    RuleKind.LISTING: "New listing",
    RuleKind.CONNECTION: "Connection down",
    RuleKind.SIGNAL: "Upbit signal",
}

# Kinds that may use a "QUOTE-*" market: measured per coin on the ticker stream, which the coin
# list usually subscribes for every market anyway (orderbooks or trades of 200 coins would not be).
WILDCARD_KINDS = frozenset({RuleKind.MOVE, RuleKind.CHANGE_24H})
NO_MARKET_KINDS = frozenset({RuleKind.CONNECTION})
OPTIONAL_MARKET_KINDS = frozenset({RuleKind.LISTING})

_CODE_RE = re.compile(r"[A-Z0-9]{1,16}-(?:[A-Z0-9]{1,24}|\*)")
MAX_COOLDOWN_S = 7 * 86_400.0


@dataclass(frozen=True, slots=True)
class _Num:
    """A numeric parameter: accepted range (inclusive unless stated) and how to say it."""

    label: str
    lo: float
    hi: float
    lo_open: bool = False
    integer: bool = False
    nonzero: bool = False


@dataclass(frozen=True, slots=True)
class _Choice:
    label: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Text:
    label: str


Spec = _Num | _Choice | _Text

PARAMS: dict[RuleKind, dict[str, Spec]] = {
    RuleKind.PRICE: {
        "level": _Num("price level", 0.0, 1e15, lo_open=True),
        "direction": _Choice("direction", ("above", "below")),
    },
    RuleKind.MOVE: {
        "pct": _Num("move %", -99.0, 1000.0, nonzero=True),
        "window_s": _Num("window (seconds)", 1.0, 86_400.0),
    },
    RuleKind.CHANGE_24H: {"pct": _Num("24 h change %", -99.0, 10_000.0, nonzero=True)},
    RuleKind.VOLUME_SPIKE: {
        "factor": _Num("spike factor", 1.0, 10_000.0, lo_open=True),
        "minutes": _Num("baseline minutes", 1.0, 240.0, integer=True),
    },
    RuleKind.PREMIUM: {
        "pct": _Num("premium %", -100.0, 1000.0),
        "direction": _Choice("direction", ("above", "below")),
        "against": _Text("reference venue"),
    },
    RuleKind.WHALE: {
        "krw": _Num("trade value (KRW)", 0.0, 1e15, lo_open=True),
        "side": _Choice("side", ("any", "BID", "ASK")),
    },
    RuleKind.IMBALANCE: {
        "ratio": _Num("imbalance ratio", 1.0, 1000.0, lo_open=True),
        "side": _Choice("heavier side", ("bid", "ask")),
        "hold_s": _Num("hold (seconds)", 0.0, 3600.0),
    },
    RuleKind.LISTING: {"keywords": _Text("keywords")},
    RuleKind.CONNECTION: {
        "down_s": _Num("down for (seconds)", 0.0, 86_400.0, lo_open=True),
        "connection": _Text("connection"),
    },
    RuleKind.SIGNAL: {
        "signal": _Choice("signal", tuple(SIGNAL_PRESETS)),
        "timeframe": _Choice("timeframe", TIMEFRAMES),
    },
}

DEFAULTS: dict[RuleKind, dict[str, Param]] = {
    RuleKind.PRICE: {"direction": "above"},
    RuleKind.MOVE: {"window_s": 300.0},
    RuleKind.VOLUME_SPIKE: {"minutes": 10.0},
    RuleKind.PREMIUM: {"direction": "above", "against": "binance"},
    RuleKind.WHALE: {"side": "any"},
    RuleKind.IMBALANCE: {"side": "bid", "hold_s": 5.0},
    RuleKind.LISTING: {"keywords": "신규 거래지원, 디지털 자산 추가, new listing, listing"},
    RuleKind.CONNECTION: {"connection": "upbit-public"},
    RuleKind.SIGNAL: {"signal": next(iter(SIGNAL_PRESETS)), "timeframe": "15m"},
}


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One alert rule (see the module docstring). Build it, then :func:`validate_rule` it.

    ``id`` is None until the engine stored it. ``params`` must not be mutated after validation.
    """

    kind: RuleKind
    market: str = ""
    params: Mapping[str, Param] = field(default_factory=dict)
    venue: str = "upbit"
    enabled: bool = True
    cooldown_s: float = 60.0
    rearm: float = 0.0
    note: str = ""
    id: int | None = None

    def num(self, key: str) -> float:
        """A numeric parameter (validated rules always have it)."""
        return float(self.params[key])

    def text(self, key: str) -> str:
        """A text parameter."""
        return str(self.params[key])

    @property
    def wildcard(self) -> bool:
        """True for a ``"QUOTE-*"`` rule (every market of a quote currency)."""
        return self.market.endswith("-*")

    @property
    def quote(self) -> str:
        """The quote currency of the market (``"KRW"``), or ``""``."""
        return self.market.partition("-")[0]

    def with_id(self, rule_id: int) -> AlertRule:
        """A copy carrying ``rule_id``."""
        return dataclasses.replace(self, id=rule_id)


def validate_rule(rule: AlertRule, venues: Collection[str] = ("upbit",)) -> AlertRule:
    """Check every field of ``rule`` and return it normalised (defaults filled, numbers as float).

    Raises:
        AlertRuleError: the first problem found, in words meant for the user.
    """
    try:
        kind = RuleKind(rule.kind)
    except ValueError:
        raise AlertRuleError(f"unknown rule kind {rule.kind!r}") from None
    if rule.venue not in venues:
        raise AlertRuleError(f"unknown venue {rule.venue!r} (known: {', '.join(sorted(venues))})")
    market = _check_market(kind, rule.market.strip().upper())
    if kind is RuleKind.SIGNAL and (rule.venue != "upbit" or not market.startswith("KRW-")):
        raise AlertRuleError("Upbit signals exist for Upbit's KRW markets only")
    params = _check_params(kind, {**DEFAULTS.get(kind, {}), **rule.params})
    cooldown = _finite(rule.cooldown_s, "cooldown (seconds)")
    if not 0 <= cooldown <= MAX_COOLDOWN_S:
        raise AlertRuleError(f"cooldown must be between 0 and {MAX_COOLDOWN_S:,.0f} seconds")
    rearm = _finite(rule.rearm, "re-arm distance")
    if rearm < 0:
        raise AlertRuleError("re-arm distance cannot be negative")
    if kind is RuleKind.PRICE and rearm >= params["level"]:  # type: ignore[operator]
        raise AlertRuleError("re-arm distance must be smaller than the price level")
    return dataclasses.replace(
        rule, kind=kind, market=market, params=params, cooldown_s=cooldown, rearm=rearm,
        note=rule.note.strip(),
    )


def _check_market(kind: RuleKind, market: str) -> str:
    if kind in NO_MARKET_KINDS:
        return ""
    if not market:
        if kind in OPTIONAL_MARKET_KINDS:
            return ""
        raise AlertRuleError(f"{KIND_LABELS[kind]} needs a market (e.g. KRW-BTC)")
    if not _CODE_RE.fullmatch(market):
        raise AlertRuleError(f"market {market!r} is not a code like KRW-BTC (or KRW-* for every market)")
    if market.endswith("-*") and kind not in WILDCARD_KINDS:
        raise AlertRuleError(f"{KIND_LABELS[kind]} needs one market, not every market of a quote")
    return market


def _check_params(kind: RuleKind, given: Mapping[str, Param]) -> dict[str, Param]:
    specs = PARAMS[kind]
    unknown = set(given) - set(specs)
    if unknown:
        raise AlertRuleError(f"{KIND_LABELS[kind]} has no setting {sorted(unknown)[0]!r}")
    out: dict[str, Param] = {}
    for key, spec in specs.items():
        if key not in given:
            raise AlertRuleError(f"{KIND_LABELS[kind]}: {spec.label} is missing")
        raw = given[key]
        if isinstance(spec, _Num):
            out[key] = _check_num(spec, raw)
        elif isinstance(spec, _Choice):
            if raw not in spec.options:
                raise AlertRuleError(f"{spec.label} must be one of {', '.join(spec.options)}")
            out[key] = str(raw)
        else:
            text = str(raw).strip()
            if not text:
                raise AlertRuleError(f"{spec.label} cannot be empty")
            out[key] = text
    return out


def _check_num(spec: _Num, raw: Param) -> float:
    value = _finite(raw, spec.label)
    low_ok = value > spec.lo if spec.lo_open else value >= spec.lo
    if not low_ok or value > spec.hi:
        low = "above" if spec.lo_open else "at least"
        raise AlertRuleError(
            f"{spec.label} must be {low} {spec.lo:g} and at most {spec.hi:g} (got {value:g})")
    if spec.nonzero and value == 0:
        raise AlertRuleError(f"{spec.label} cannot be zero")
    if spec.integer and value != int(value):
        raise AlertRuleError(f"{spec.label} must be a whole number (got {value:g})")
    return value


def _finite(raw: object, label: str) -> float:
    if isinstance(raw, bool):
        raise AlertRuleError(f"{label} must be a number")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AlertRuleError(f"{label} must be a number (got {raw!r})") from None
    if not math.isfinite(value):
        raise AlertRuleError(f"{label} must be a finite number")
    return value


def market_label(market: str) -> str:
    """A market as the rest of the UI shows it: ``"BTC/KRW"``, ``"every KRW market"`` for ``"KRW-*"``."""
    if not market:
        return "any market"
    quote, _, base = market.partition("-")
    return f"every {quote} market" if base == "*" else display_code(market)


def describe(rule: AlertRule) -> str:
    """A one-line human description: ``"BTC/KRW price above 100,000,000"``."""
    k, m = rule.kind, market_label(rule.market)
    if k is RuleKind.PRICE:
        return f"{m} price {rule.text('direction')} {fmt_price(rule.num('level'))}"
    if k is RuleKind.MOVE:
        return f"{m} moves {rule.num('pct'):+g} % within {_span(rule.num('window_s'))}"
    if k is RuleKind.CHANGE_24H:
        return f"{m} 24 h change {'>=' if rule.num('pct') > 0 else '<='} {rule.num('pct'):+g} %"
    if k is RuleKind.VOLUME_SPIKE:
        return f"{m} minute value >= {rule.num('factor'):g}x the {rule.num('minutes'):g}-minute average"
    if k is RuleKind.PREMIUM:
        return f"{m} premium vs {rule.text('against')} {rule.text('direction')} {rule.num('pct'):+g} %"
    if k is RuleKind.WHALE:
        side = "" if rule.text("side") == "any" else f" {rule.text('side')}"
        return f"{m}{side} trade >= {rule.num('krw'):,.0f} KRW"
    if k is RuleKind.IMBALANCE:
        return (f"{m} {rule.text('side')} side >= {rule.num('ratio'):g}x the other "
                f"for {rule.num('hold_s'):g} s")
    if k is RuleKind.LISTING:
        return f"new listing: {m}"
    if k is RuleKind.SIGNAL:
        return f"{m} {rule.text('signal')} ({rule.text('timeframe')}, Upbit signal)"
    return f"{rule.text('connection')} down for more than {rule.num('down_s'):g} s"


def fmt_price(x: float) -> str:
    """A price with thousands separators and no exponent: ``100,000,000``, ``0.00012345``."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e18:
        return f"{int(x):,}"
    return f"{x:,.8f}".rstrip("0").rstrip(".")


def _span(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
