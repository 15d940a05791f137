"""Per-rule, per-market state machines: one event in, at most one hit out, O(1) per event.

Every evaluator measures one value from the event (price, % move, ratio...) and passes it through
the same gate:

* **crossing** (price rules): the first value only arms the rule on the side it is on; a trigger
  needs an actual crossing, so a rule created while the price is already above its level does not
  fire at once.
* **hysteresis**: after a trigger the rule is disarmed until the value has moved back past the
  threshold by ``rule.rearm`` (in the value's own unit), so a price hovering at a level fires once.
* **cooldown**: at most one trigger per ``rule.cooldown_s`` (event time). A crossing inside the
  cooldown keeps the rule armed, so it fires when the cooldown ends if the condition still holds.
* **discrete** kinds (whale trades) fire on every qualifying event, subject to the cooldown only.

Times are the events' own millisecond timestamps: windows and cooldowns follow market time, and a
scripted test can move time by stamping its events.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from upbit_monitor.features.alerts.rules import AlertRule, RuleKind, fmt_price
from upbit_monitor.features.alerts.windows import MinuteSums, WindowExtremes
from upbit_monitor.protocol.events import SNAPSHOT, Orderbook, Ticker, Trade


class Hit(NamedTuple):
    """A rule fired: the measured value and a short explanation."""

    value: float
    detail: str
    t_ms: int


class PremiumLike(Protocol):
    """What a premium value must offer (``exchanges.quotes.PremiumValue`` does)."""

    @property
    def premium(self) -> float:
        """The premium as a fraction (0.025 = +2.5 %)."""


class PremiumInput(Protocol):
    """Where premium rules read the premium of a coin on a Korean venue against a reference venue.

    ``features/premium``'s tracker satisfies it structurally (``premium(code, exchange, venue=)``);
    a domestic spread (Upbit vs Bithumb) is the same call with ``exchange="bithumb"``.
    """

    def premium(
        self, code: str, exchange: str | None = None, *, venue: str | None = None
    ) -> PremiumLike | None:
        """The premium of ``code`` on ``venue`` (default Upbit) against ``exchange``; None if unknown now."""


class Evaluator:
    """Base: the gate (crossing, hysteresis, cooldown) shared by every kind."""

    __slots__ = ("armed", "code", "cooldown_ms", "discrete", "last_ms", "rearm", "rule")

    crossing = False

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None) -> None:
        self.rule = rule
        self.code = code
        self.cooldown_ms = rule.cooldown_s * 1000.0
        self.rearm = rule.rearm
        self.discrete = False
        self.last_ms = last_ms
        # None: no value seen yet (a crossing rule arms on the side of its first value).
        self.armed: bool | None = None if self.crossing else True

    def feed(self, ev: Any) -> Hit | None:
        """Evaluate one event of this evaluator's market."""
        raise NotImplementedError

    def _gate(self, beyond: bool, back: bool, t_ms: int) -> bool:
        armed = self.armed
        if armed is None:
            self.armed = not beyond
            return False
        if not armed:
            if back:
                self.armed = True
            return False
        if not beyond:
            return False
        last = self.last_ms
        if last is not None and t_ms - last < self.cooldown_ms:
            return False  # stays armed: fires once the cooldown is over, if still beyond
        self.armed = self.discrete
        self.last_ms = t_ms
        return True


def _over(value: float, threshold: float, rearm: float, above: bool) -> tuple[bool, bool]:
    """(beyond the threshold, moved back past it by ``rearm``) for an above/below condition."""
    if above:
        return value >= threshold, value < threshold - rearm
    return value <= threshold, value > threshold + rearm


class PriceCross(Evaluator):
    """Ticker price crosses ``level`` (above/below)."""

    __slots__ = ("above", "level")
    crossing = True

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None) -> None:
        super().__init__(rule, code, last_ms)
        self.level = rule.num("level")
        self.above = rule.text("direction") == "above"

    def feed(self, ev: Ticker) -> Hit | None:
        price = ev.trade_price
        beyond = price >= self.level if self.above else price <= self.level
        if not beyond and self.armed is True:
            return None  # the usual case, kept to two comparisons
        back = price < self.level - self.rearm if self.above else price > self.level + self.rearm
        if self._gate(beyond, back, ev.timestamp):
            word = "above" if self.above else "below"
            detail = f"price {fmt_price(price)} crossed {word} {fmt_price(self.level)}"
            return Hit(price, detail, ev.timestamp)
        return None


class Move(Evaluator):
    """Price moved ``pct`` % from the window's low (rise) or high (fall) within ``window_s``.

    Rules on one coin with the same window share one :class:`WindowExtremes` (the engine passes
    it), so 5 scanners over 200 coins keep 200 windows, not 1,000. After a trigger a rule measures
    from the lowest (highest) price since it fired while that moment is inside the window, so the
    next trigger needs a fresh move, not the same move seen again.
    """

    __slots__ = ("fired_t", "pct", "rise", "since", "span", "window")

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None,
                 window: WindowExtremes | None = None) -> None:
        super().__init__(rule, code, last_ms)
        self.pct = rule.num("pct")
        self.rise = self.pct > 0
        self.span = int(rule.num("window_s") * 1000)
        self.window = window if window is not None else WindowExtremes(self.span)
        self.fired_t: int | None = None
        self.since = 0.0

    def feed(self, ev: Ticker) -> Hit | None:
        price, t = ev.trade_price, ev.timestamp
        if price <= 0:
            return None
        window = self.window
        if window.last is not ev:
            window.last = ev
            window.push(t, price)
        rise = self.rise
        fired = self.fired_t
        if fired is not None and fired >= t - self.span:
            ref = self.since = min(self.since, price) if rise else max(self.since, price)
        else:
            self.fired_t = None
            ref = window.low if rise else window.high
        value = (price / ref - 1.0) * 100.0
        beyond = value >= self.pct if rise else value <= self.pct
        if not beyond and self.armed is True:
            return None
        back = value < self.pct - self.rearm if rise else value > self.pct + self.rearm
        if self._gate(beyond, back, t):
            self.fired_t, self.since = t, price
            return Hit(value, f"{value:+.2f} % ({fmt_price(ref)} -> {fmt_price(price)})", t)
        return None


class Change24h(Evaluator):
    """The ticker's signed change rate (vs the previous close) past ``pct``."""

    __slots__ = ("pct",)

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None) -> None:
        super().__init__(rule, code, last_ms)
        self.pct = rule.num("pct")

    def feed(self, ev: Ticker) -> Hit | None:
        value = ev.signed_change_rate * 100.0
        beyond, back = _over(value, self.pct, self.rearm, self.pct > 0)
        if self._gate(beyond, back, ev.timestamp):
            return Hit(value, f"change {value:+.2f} %", ev.timestamp)
        return None


class VolumeSpike(Evaluator):
    """This minute's traded value >= ``factor`` x the average of the last ``minutes`` minutes."""

    __slots__ = ("factor", "sums")

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None) -> None:
        super().__init__(rule, code, last_ms)
        self.factor = rule.num("factor")
        self.sums = MinuteSums(int(rule.num("minutes")))

    def feed(self, ev: Trade) -> Hit | None:
        if ev.stream_type == SNAPSHOT:
            return None  # the last trade replayed on (re)subscribe: already counted, or old
        sums = self.sums
        t = ev.trade_timestamp
        sums.add(t, ev.trade_price * ev.trade_volume)
        if not sums.full:
            return None  # no baseline yet: never fire on the first minutes after start
        avg = sums.average
        value = sums.current / avg if avg > 0 else math.inf
        beyond, back = _over(value, self.factor, self.rearm, True)
        if self._gate(beyond, back, t):
            return Hit(value, f"minute value {sums.current:,.0f} = {value:.1f}x the average", t)
        return None


class Premium(Evaluator):
    """The premium against ``against`` beyond ``pct`` (evaluated on each ticker of the coin)."""

    __slots__ = ("above", "against", "pct", "source")

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None,
                 source: Callable[[], PremiumInput | None] = lambda: None) -> None:
        super().__init__(rule, code, last_ms)
        self.pct = rule.num("pct")
        self.above = rule.text("direction") == "above"
        self.against = rule.text("against")
        self.source = source

    def feed(self, ev: Ticker) -> Hit | None:
        src = self.source()
        if src is None:
            return None
        pv = src.premium(self.code, self.against, venue=self.rule.venue)  # a Bithumb rule: Bithumb's price
        if pv is None:
            return None  # no fresh quote: the rule waits rather than guessing
        value = pv.premium * 100.0
        beyond, back = _over(value, self.pct, self.rearm, self.above)
        if self._gate(beyond, back, ev.timestamp):
            return Hit(value, f"premium vs {self.against} {value:+.2f} %", ev.timestamp)
        return None


class Whale(Evaluator):
    """A single trade worth >= ``krw`` (converted through the quote's KRW market when not KRW)."""

    __slots__ = ("krw", "quote", "rate", "side")

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None,
                 rate: Callable[[str], float | None] = lambda quote: None) -> None:
        super().__init__(rule, code, last_ms)
        self.discrete = True
        self.krw = rule.num("krw")
        side = rule.text("side")
        self.side = None if side == "any" else side
        self.quote = code.partition("-")[0]
        self.rate = rate

    def feed(self, ev: Trade) -> Hit | None:
        value = ev.trade_price * ev.trade_volume
        if self.quote != "KRW":
            rate = self.rate(self.quote)
            if rate is None:
                return None
            value *= rate
        if value < self.krw:
            return None  # the usual case
        if ev.stream_type == SNAPSHOT:
            return None  # an old trade replayed on (re)subscribe is not news
        if self.side is not None and ev.ask_bid != self.side:
            return None
        if self._gate(value >= self.krw, True, ev.trade_timestamp):
            side = "buy" if ev.ask_bid == "BID" else "sell"
            return Hit(value, f"{side} {value:,.0f} KRW at {fmt_price(ev.trade_price)}", ev.trade_timestamp)
        return None


class Imbalance(Evaluator):
    """Orderbook total size of ``side`` >= ``ratio`` x the other side, held for ``hold_s``."""

    __slots__ = ("bid", "hold_ms", "ratio", "since")

    def __init__(self, rule: AlertRule, code: str, last_ms: int | None = None) -> None:
        super().__init__(rule, code, last_ms)
        self.ratio = rule.num("ratio")
        self.bid = rule.text("side") == "bid"
        self.hold_ms = rule.num("hold_s") * 1000.0
        self.since: int | None = None

    def feed(self, ev: Orderbook) -> Hit | None:
        heavy, light = (ev.total_bid_size, ev.total_ask_size) if self.bid else (
            ev.total_ask_size, ev.total_bid_size)
        value = heavy / light if light > 0 else (math.inf if heavy > 0 else 0.0)
        t = ev.timestamp
        if value >= self.ratio:
            if self.since is None:
                self.since = t
        else:
            self.since = None
        beyond = self.since is not None and t - self.since >= self.hold_ms
        back = value < self.ratio - self.rearm
        if self._gate(beyond, back, t):
            held = (t - (self.since or t)) / 1000
            side = "bid" if self.bid else "ask"
            return Hit(value, f"{side} side {value:.2f}x the other for {held:.1f} s", t)
        return None


# Which stream each market kind is evaluated on.
STREAM: dict[RuleKind, str] = {
    RuleKind.PRICE: "ticker",
    RuleKind.MOVE: "ticker",
    RuleKind.CHANGE_24H: "ticker",
    RuleKind.PREMIUM: "ticker",
    RuleKind.VOLUME_SPIKE: "trade",
    RuleKind.WHALE: "trade",
    RuleKind.IMBALANCE: "orderbook",
}

SIMPLE: dict[RuleKind, type[Evaluator]] = {
    RuleKind.PRICE: PriceCross,
    RuleKind.MOVE: Move,
    RuleKind.CHANGE_24H: Change24h,
    RuleKind.VOLUME_SPIKE: VolumeSpike,
    RuleKind.IMBALANCE: Imbalance,
}
