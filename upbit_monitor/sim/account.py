"""A small simulated Upbit account whose orders fill against the simulated book.

Drives the private streams: every order state change produces a ``myOrder`` event and every balance
change a ``myAsset`` event (only the currencies that changed), delivered to listeners (the WebSocket
server forwards them to authenticated ``/private`` connections that subscribed).

    order_id = sim.account.place_order("KRW-BTC", "bid", "limit", price=..., volume=...)
    sim.account.place_order("KRW-BTC", "bid", "price", price=10_000)   # market buy for 10,000 KRW
    sim.account.place_order("KRW-BTC", "ask", "market", volume=0.001)  # market sell
    sim.account.cancel_order(order_id)

Marketable orders fill at once at the best opposite price (taker, and the fill is printed as a
public trade); resting limit orders fill in full, as maker at their own price, when a market trade
reaches that price. Amounts are ``Decimal``; the fee is 0.05% of the funds (Upbit KRW market).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from upbit_monitor.errors import SimulatorError
from upbit_monitor.protocol.events import REALTIME, AssetBalance, MyAsset, MyOrder
from upbit_monitor.sim.market import MarketModel, TradeTick

FEE = Decimal("0.0005")
DEFAULT_BALANCES = {"KRW": Decimal("10000000"), "BTC": Decimal("0.05"), "ETH": Decimal("1.2"),
                    "XRP": Decimal("1500")}
PrivateEvent = MyOrder | MyAsset


def _d(x: float) -> Decimal:
    return Decimal(repr(x))


@dataclass(slots=True)
class Order:
    """One order of the simulated account."""

    uuid: str
    code: str
    side: str  # "bid" / "ask"
    ord_type: str  # limit / price / market
    price: Decimal | None
    volume: Decimal | None
    identifier: str | None
    created_ms: int
    state: str = "wait"
    executed_volume: Decimal = Decimal(0)
    executed_funds: Decimal = Decimal(0)
    paid_fee: Decimal = Decimal(0)
    locked: Decimal = Decimal(0)
    reserved_fee: Decimal = Decimal(0)
    trades_count: int = 0


class Account:
    """Balances + orders; emits MyOrder/MyAsset events to listeners."""

    def __init__(self, model: MarketModel, balances: dict[str, Decimal] | None = None) -> None:
        self.model = model
        self._balance: dict[str, Decimal] = dict(balances or DEFAULT_BALANCES)
        self._locked: dict[str, Decimal] = dict.fromkeys(self._balance, Decimal(0))
        self.orders: dict[str, Order] = {}
        self._listeners: list[Callable[[PrivateEvent], None]] = []
        self.on_public_trade: Callable[[TradeTick], None] | None = None
        self._remove = model.add_trade_listener(self._on_trade)

    def close(self) -> None:
        """Stop watching market trades."""
        self._remove()

    # -- queries / listeners ---------------------------------------------------------------------
    def balance(self, currency: str) -> tuple[Decimal, Decimal]:
        """(available balance, locked) of ``currency``."""
        return self._balance.get(currency, Decimal(0)), self._locked.get(currency, Decimal(0))

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Every currency with a non-zero balance or lock."""
        return {c: self.balance(c) for c in sorted(set(self._balance) | set(self._locked))
                if self._balance.get(c) or self._locked.get(c)}

    def add_listener(self, callback: Callable[[PrivateEvent], None]) -> Callable[[], None]:
        """Receive every MyOrder/MyAsset event; returns a remover."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    # -- orders ----------------------------------------------------------------------------------
    def place_order(self, code: str, side: str, ord_type: str, *, price: float | Decimal | None = None,
                    volume: float | Decimal | None = None, identifier: str | None = None) -> str:
        """Place an order; returns its uuid. Raises SimulatorError when it cannot be accepted."""
        if not self.model.has(code):
            raise SimulatorError(f"unknown market {code}")
        if side not in ("bid", "ask") or ord_type not in ("limit", "price", "market"):
            raise SimulatorError("side must be bid/ask and ord_type limit/price/market")
        p = None if price is None else Decimal(str(price))
        v = None if volume is None else Decimal(str(volume))
        if ord_type == "limit" and (p is None or v is None or p <= 0 or v <= 0):
            raise SimulatorError("a limit order needs a positive price and volume")
        if ord_type == "price" and (side != "bid" or p is None or p <= 0):
            raise SimulatorError("a market buy (ord_type=price) needs side=bid and a positive price (funds)")
        if ord_type == "market" and (side != "ask" or v is None or v <= 0):
            raise SimulatorError("a market sell (ord_type=market) needs side=ask and a positive volume")
        quote, _, base = code.partition("-")
        now = int(time.time() * 1000)
        order = Order(str(uuid.uuid4()), code, side, ord_type, p, v, identifier, now)
        if side == "bid":
            funds = p * v if ord_type == "limit" and p is not None and v is not None else p
            assert funds is not None
            order.reserved_fee = funds * FEE
            self._lock(quote, funds + order.reserved_fee)
            order.locked = funds + order.reserved_fee
        else:
            assert v is not None
            self._lock(base, v)
            order.locked = v
        self.orders[order.uuid] = order
        self._emit_order(order, now)
        self._emit_assets({quote if side == "bid" else base}, now)
        self._try_taker(order, now)
        return order.uuid

    def cancel_order(self, order_uuid: str) -> None:
        """Cancel a resting order (its lock is released)."""
        order = self.orders.get(order_uuid)
        if order is None or order.state != "wait":
            raise SimulatorError("no open order with that uuid")
        quote, _, base = order.code.partition("-")
        cur = quote if order.side == "bid" else base
        self._unlock(cur, order.locked)
        order.locked = Decimal(0)
        order.state = "cancel"
        now = int(time.time() * 1000)
        self._emit_order(order, now)
        self._emit_assets({cur}, now)

    def demo_step(self, rng: random.Random, now_ms: int, *, max_age_ms: int = 30_000) -> None:
        """One step of demo activity: cancel stale resting orders, then place one small order.

        Alternates small market buys/sells and limit bids at the best bid (which fill when the
        market sells into them), so a demo user sees myOrder/myAsset traffic without trading.
        """
        for order in list(self.orders.values()):
            if order.state == "wait" and now_ms - order.created_ms > max_age_ms:
                self.cancel_order(order.uuid)
        code = rng.choice([c for c in ("KRW-BTC", "KRW-ETH", "KRW-XRP") if self.model.has(c)] or
                          self.model.codes("KRW")[:1])
        st = self.model.state(code)
        base = code.partition("-")[2]
        choice = rng.random()
        try:
            if choice < 0.4:
                self.place_order(code, "bid", "price", price=rng.choice((5_000, 10_000, 20_000)))
            elif choice < 0.7 and self.balance(base)[0] * Decimal(repr(st.price)) > 6_000:
                volume = (Decimal(5_000) / Decimal(repr(st.price))).quantize(Decimal("0.00000001"))
                self.place_order(code, "ask", "market", volume=volume)
            else:
                volume = (Decimal(10_000) / Decimal(repr(st.price))).quantize(Decimal("0.00000001"))
                self.place_order(code, "bid", "limit", price=st.book.best_bid, volume=volume)
        except SimulatorError:
            pass  # e.g. out of KRW after a long demo: skip this step

    # -- matching --------------------------------------------------------------------------------
    def _try_taker(self, order: Order, now: int) -> None:
        book = self.model.state(order.code).book
        if order.side == "bid":
            best = _d(book.best_ask)
            if order.ord_type == "price" or (order.price is not None and order.price >= best):
                if order.ord_type == "price":
                    assert order.price is not None
                    volume = (order.price / best).quantize(Decimal("0.00000001"))
                else:
                    assert order.volume is not None
                    volume = order.volume
                self._fill(order, best, volume, now, maker=False)
        else:
            best = _d(book.best_bid)
            if order.ord_type == "market" or (order.price is not None and order.price <= best):
                assert order.volume is not None
                self._fill(order, best, order.volume, now, maker=False)

    def _on_trade(self, tick: TradeTick) -> None:
        price = _d(tick.price)
        for order in list(self.orders.values()):
            if order.state != "wait" or order.code != tick.code or order.ord_type != "limit":
                continue
            assert order.price is not None and order.volume is not None
            if (order.side == "bid" and tick.side == "ASK" and price <= order.price) or (
                order.side == "ask" and tick.side == "BID" and price >= order.price
            ):
                self._fill(order, order.price, order.volume, tick.timestamp_ms, maker=True)

    def _fill(self, order: Order, price: Decimal, volume: Decimal, now: int, *, maker: bool) -> None:
        quote, _, base = order.code.partition("-")
        funds = price * volume
        fee = funds * FEE
        if order.side == "bid":
            self._unlock(quote, order.locked)
            self._take(quote, funds + fee)
            self._balance[base] = self._balance.get(base, Decimal(0)) + volume
        else:
            self._unlock(base, order.locked)
            self._take(base, volume)
            self._balance[quote] = self._balance.get(quote, Decimal(0)) + funds - fee
        order.locked = Decimal(0)
        order.executed_volume += volume
        order.executed_funds += funds
        order.paid_fee += fee
        order.trades_count += 1
        trade_uuid = str(uuid.uuid4())
        order.state = "trade"
        if not maker:
            # A taker fill is visible to everyone as a public trade.
            side = "BID" if order.side == "bid" else "ASK"
            tick = self.model.print_trade(order.code, side, float(volume), now)
            if self.on_public_trade is not None:
                self.on_public_trade(tick)
        self._emit_order(order, now, trade_uuid=trade_uuid, trade_fee=fee, is_maker=maker, trade_price=price)
        order.state = "done"
        self._emit_order(order, now)
        self._emit_assets({quote, base}, now)

    # -- balances --------------------------------------------------------------------------------
    def _lock(self, cur: str, amount: Decimal) -> None:
        if self._balance.get(cur, Decimal(0)) < amount:
            raise SimulatorError(f"insufficient {cur}")
        self._balance[cur] -= amount
        self._locked[cur] = self._locked.get(cur, Decimal(0)) + amount

    def _unlock(self, cur: str, amount: Decimal) -> None:
        self._locked[cur] = self._locked.get(cur, Decimal(0)) - amount
        self._balance[cur] = self._balance.get(cur, Decimal(0)) + amount

    def _take(self, cur: str, amount: Decimal) -> None:
        self._balance[cur] = self._balance.get(cur, Decimal(0)) - amount

    # -- events ----------------------------------------------------------------------------------
    def _emit(self, event: PrivateEvent) -> None:
        for cb in tuple(self._listeners):
            cb(event)

    def _emit_order(
        self, o: Order, now: int, *, trade_uuid: str | None = None, trade_fee: Decimal | None = None,
        is_maker: bool | None = None, trade_price: Decimal | None = None,
    ) -> None:
        remaining = None if o.volume is None else max(o.volume - o.executed_volume, Decimal(0))
        avg = (o.executed_funds / o.executed_volume) if o.executed_volume else Decimal(0)
        self._emit(MyOrder(
            "myOrder", o.code, o.uuid, o.side.upper(), o.ord_type, o.state, trade_uuid,
            trade_price if trade_price is not None else o.price, avg, o.volume, remaining,
            o.executed_volume, o.trades_count, o.reserved_fee, max(o.reserved_fee - o.paid_fee, Decimal(0)),
            o.paid_fee, o.locked, o.executed_funds, None, trade_fee, is_maker, o.identifier, None,
            Decimal(0), Decimal(0), now if trade_uuid else None, o.created_ms, now, REALTIME,
        ))

    def _emit_assets(self, currencies: set[str], now: int) -> None:
        assets = tuple(AssetBalance(c, *self.balance(c)) for c in sorted(currencies))
        self._emit(MyAsset("myAsset", str(uuid.uuid4()), assets, now, now, REALTIME))
