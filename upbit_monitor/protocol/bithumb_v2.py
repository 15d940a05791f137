"""Bithumb private WebSocket v2: ``myOrder`` in v2 field names -> the shared :class:`MyOrder` event.

Bithumb's v2 private stream (``/websocket/v2/private``, protocol-2026.md "Bithumb") keeps Upbit's
message shape but renames the order fields. The order panel, the order-state mapping
(:mod:`upbit_monitor.exchanges.order_state`) and storage all work on Upbit's :class:`MyOrder`, so the
v2 names are mapped back here, once, and nothing downstream knows which venue spoke.

Documented renames (DEFAULT name, SIMPLE name in brackets; v1/Upbit name on the left)::

    uuid             -> order_id (oid)            trade_uuid      -> trade_id (tid)
    canceling_uuid   -> canceling_order_id        ask_bid         -> side (sd), values buy / sell
    price            -> order_price (op) / trade_price (tp)
    volume           -> order_quantity (oq) / trade_quantity (tq)
    remaining_volume -> remaining_quantity        executed_volume -> executed_quantity
    executed_funds   -> executed_amount
    added: order_amount, trade_amount, time_in_force        dropped: trades_count

Upbit's ``price``/``volume`` mean the order's price/volume, except in a ``trade`` message where they
are the fill's; v2 sends both, so the normaliser picks the one Upbit would have sent. A market buy by
amount (``order_type`` ``price``) carries its KRW amount in Upbit's ``price``; v2 in ``order_amount``.
Fields the documentation does not rename are read under Upbit's names (DEFAULT or SIMPLE).

Sans-I/O: a decoded JSON object (amounts as ``Decimal``) in, a :class:`MyOrder` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import msgspec

from upbit_monitor.errors import ParseError
from upbit_monitor.protocol.events import MyOrder

V2_RENAMES: Final[Mapping[str, tuple[str, ...]]] = {
    # v2 field -> the names it may arrive under (DEFAULT first, then SIMPLE).
    "order_id": ("order_id", "oid"),
    "trade_id": ("trade_id", "tid"),
    "canceling_order_id": ("canceling_order_id",),
    "side": ("side", "sd"),
    "order_price": ("order_price", "op"),
    "trade_price": ("trade_price", "tp"),
    "order_quantity": ("order_quantity", "oq"),
    "trade_quantity": ("trade_quantity", "tq"),
    "remaining_quantity": ("remaining_quantity",),
    "executed_quantity": ("executed_quantity",),
    "executed_amount": ("executed_amount",),
    "order_amount": ("order_amount",),
    "trade_amount": ("trade_amount",),
}
"""The documented v2 names, with their SIMPLE short forms where Bithumb documents one."""

# Unchanged fields, read under Upbit's DEFAULT and SIMPLE names (upbit-protocol.md section 3.5).
_SAME: Final[Mapping[str, tuple[str, ...]]] = {
    "code": ("code", "cd"),
    "order_type": ("order_type", "ot"),
    "state": ("state", "s"),
    "avg_price": ("avg_price", "ap"),
    "reserved_fee": ("reserved_fee", "rsf"),
    "remaining_fee": ("remaining_fee", "rmf"),
    "paid_fee": ("paid_fee", "pf"),
    "locked": ("locked", "l"),
    "time_in_force": ("time_in_force", "tif"),
    "trade_fee": ("trade_fee", "tf"),
    "is_maker": ("is_maker", "im"),
    "identifier": ("identifier", "id"),
    "smp_type": ("smp_type", "smpt"),
    "prevented_volume": ("prevented_quantity", "prevented_volume", "pv"),
    "prevented_locked": ("prevented_locked", "pl"),
    "trade_timestamp": ("trade_timestamp", "ttms"),
    "order_timestamp": ("order_timestamp", "otms"),
    "timestamp": ("timestamp", "tms"),
    "stream_type": ("stream_type", "st"),
}

SIDES: Final[Mapping[str, str]] = {"buy": "BID", "sell": "ASK", "bid": "BID", "ask": "ASK"}
"""v2 ``side`` -> Upbit ``ask_bid`` (upper-case ASK/BID are accepted as they are)."""


def is_my_order(obj: Mapping[str, Any]) -> bool:
    """True if ``obj`` is a myOrder message (DEFAULT ``type`` or SIMPLE ``ty``)."""
    return bool(obj.get("type", obj.get("ty")) == "myOrder")


def _get(obj: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if name in obj:
            return obj[name]
    return None


def _decimal(value: Any, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParseError(f"myOrder v2: {field} is a boolean")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ParseError(f"myOrder v2: {field} is not a number") from exc
    # The rule Upbit's decoder applies to every money field (protocol/parse_checks.py).
    if not (number.is_finite() and number >= 0):
        raise ParseError(f"myOrder v2: {field} is out of range")
    return number


def _int(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
        raise ParseError(f"myOrder v2: {field} is not an integer")
    try:
        return int(value)
    except (ValueError, ArithmeticError) as exc:
        raise ParseError(f"myOrder v2: {field} is not an integer") from exc


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def normalize_my_order(obj: Mapping[str, Any], epoch: int = 0, *, trades_count: int = 0) -> MyOrder:
    """Map one v2 ``myOrder`` object (decoded with ``Decimal`` amounts) to :class:`MyOrder`.

    Args:
        obj: the message, DEFAULT or SIMPLE keys.
        epoch: the connection epoch to stamp.
        trades_count: v2 dropped Upbit's ``trades_count``; the caller passes the fills it has seen
            of this order (see :class:`upbit_monitor.exchanges.bithumb.BithumbPrivateConnector`).

    Raises:
        ParseError: the order id, code, side or state is missing, a number is malformed or out of
            range (a negative or non-finite amount, a timestamp that is not real milliseconds).
    """
    v2 = {field: _get(obj, names) for field, names in V2_RENAMES.items()}
    same = {field: _get(obj, names) for field, names in _SAME.items()}
    order_id, code, state = v2["order_id"], same["code"], same["state"]
    if not order_id or not code or not state:
        raise ParseError("myOrder v2: order_id, code and state are required")
    side = SIDES.get(str(v2["side"]).lower()) if v2["side"] is not None else None
    if side is None:
        raise ParseError(f"myOrder v2: unknown side {v2['side']!r}")
    state = str(state)
    order_type = str(same["order_type"] or "")
    is_fill = state == "trade"
    price = v2["trade_price"] if is_fill and v2["trade_price"] is not None else v2["order_price"]
    if price is None and order_type == "price":
        price = v2["order_amount"]  # market buy by amount: Upbit puts the amount in ``price``
    volume = v2["trade_quantity"] if is_fill and v2["trade_quantity"] is not None else v2["order_quantity"]
    timestamp = _int(same["timestamp"], "timestamp")
    if timestamp is None:
        raise ParseError("myOrder v2: timestamp is required")
    maker = same["is_maker"]
    order = MyOrder(
        "myOrder",
        str(code),
        str(order_id),
        side,
        order_type,
        state,
        _str(v2["trade_id"]),
        _decimal(price, "price"),
        _decimal(same["avg_price"], "avg_price"),
        _decimal(volume, "quantity"),
        _decimal(v2["remaining_quantity"], "remaining_quantity"),
        _decimal(v2["executed_quantity"], "executed_quantity"),
        trades_count,
        _decimal(same["reserved_fee"], "reserved_fee"),
        _decimal(same["remaining_fee"], "remaining_fee"),
        _decimal(same["paid_fee"], "paid_fee"),
        _decimal(same["locked"], "locked"),
        _decimal(v2["executed_amount"], "executed_amount"),
        _str(same["time_in_force"]),
        _decimal(same["trade_fee"], "trade_fee"),
        None if maker is None else bool(maker),
        _str(same["identifier"]),
        _str(same["smp_type"]),
        _decimal(same["prevented_volume"], "prevented_quantity"),
        _decimal(same["prevented_locked"], "prevented_locked"),
        _int(same["trade_timestamp"], "trade_timestamp"),
        _int(same["order_timestamp"], "order_timestamp"),
        timestamp,
        str(same["stream_type"] or "REALTIME"),
        epoch,
    )
    # Constructors do not validate: the struct's own rules (a code of 1-40 characters, real
    # millisecond timestamps, counts >= 0) are applied here as the stream decoder applies them.
    try:
        return msgspec.convert(msgspec.structs.asdict(order), MyOrder)
    except msgspec.ValidationError as exc:
        raise ParseError(f"myOrder v2: {exc}") from exc


def to_v2(order: MyOrder) -> dict[str, Any]:
    """The v2 DEFAULT-named object of ``order`` (the simulator's Bithumb profile sends this)."""
    is_fill = order.state == "trade"
    out: dict[str, Any] = {
        "type": "myOrder",
        "code": order.code,
        "order_id": order.uuid,
        "side": "buy" if order.ask_bid == "BID" else "sell",
        "order_type": order.order_type,
        "state": order.state,
        "trade_id": order.trade_uuid,
        "order_price": None if is_fill or order.order_type == "price" else order.price,
        "trade_price": order.price if is_fill else None,
        "order_amount": order.price if order.order_type == "price" and not is_fill else None,
        "avg_price": order.avg_price,
        "order_quantity": None if is_fill else order.volume,
        "trade_quantity": order.volume if is_fill else None,
        "trade_amount": order.price * order.volume
        if is_fill and order.price is not None and order.volume is not None else None,
        "remaining_quantity": order.remaining_volume,
        "executed_quantity": order.executed_volume,
        "reserved_fee": order.reserved_fee,
        "remaining_fee": order.remaining_fee,
        "paid_fee": order.paid_fee,
        "locked": order.locked,
        "executed_amount": order.executed_funds,
        "time_in_force": order.time_in_force,
        "trade_fee": order.trade_fee,
        "is_maker": order.is_maker,
        "identifier": order.identifier,
        "trade_timestamp": order.trade_timestamp,
        "order_timestamp": order.order_timestamp,
        "timestamp": order.timestamp,
        "stream_type": order.stream_type,
    }
    return out
