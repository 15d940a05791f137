"""The parser's checks after msgspec decoded a frame, and the reasons it gives for a rejection.

msgspec's ``Meta`` checks types and ranges in C while decoding; what it cannot express is done here
per wire type, once per event (:func:`make_check`): the clock window of the secondary timestamps and
of candle start times, exact finite non-negative ``Decimal`` amounts, a numeric orderbook ``level``,
and the DEFAULT names of the keys inside an indicator's keyed maps. :func:`rejection_reason` turns a msgspec
error message into the bounded ``"<type>.<field path>: <rule>"`` a rejected frame is counted under.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec

from upbit_monitor.protocol.events import MIN_CANDLE_TIME
from upbit_monitor.protocol.wire import WireType

__all__ = ["Check", "make_check", "rejection_reason", "required_int"]

_force = msgspec.structs.force_setattr
Check = Callable[[Any, int], "str | None"]
"""``check(event, hi_ms)``: None if the event is fine, else the reason (``hi_ms``: the clock limit)."""


def make_check(wt: WireType, candle_limit: Callable[[int], str], simple: bool) -> Check | None:
    """The checks of one wire type after msgspec validated it: clock window, exact amounts, and (for
    SIMPLE frames) the DEFAULT names of the keys inside keyed maps (an indicator's params/value)."""
    names = {f.name: f for f in msgspec.structs.fields(wt.cls)}
    times = tuple(n for n in ("timestamp", "trade_timestamp", "order_timestamp", "asset_timestamp")
                  if n in names)  # fmt: skip
    maps = tuple(n for n, f in names.items() if getattr(f.type, "__origin__", None) is dict)
    decimals = tuple(n for n, f in names.items() if "Decimal" in repr(f.type) and n not in maps)
    decimal_maps = tuple(n for n in maps if "Decimal" in repr(names[n].type))
    nested_decimals = {
        name: fields
        for name, unit in wt.nested.items()
        if (fields := tuple(f.name for f in msgspec.structs.fields(unit.cls) if "Decimal" in repr(f.type)))
    }
    # SIMPLE -> DEFAULT per keyed map. Renaming is idempotent (no DEFAULT name is another key's SIMPLE
    # name), so running the check twice (slow path after the hot loop's clock re-read) is harmless.
    renames = {name: {s: d for d, s in table} for name, table in wt.keyed_maps.items()} if simple else {}
    candle = "candle_date_time_utc" in names
    level = "level" in wt.wire_annotations

    # ``timestamp`` (and a required ``trade_timestamp``) are checked inline by the hot loop.
    inline = ("timestamp", "trade_timestamp") if required_int(wt, "trade_timestamp") else ("timestamp",)
    times = tuple(n for n in times if n not in inline)
    if not (times or candle or level or decimals or nested_decimals or decimal_maps or renames):
        return None

    def check(ev: Any, hi: int) -> str | None:
        for time_field in times:
            t = getattr(ev, time_field)
            if t is not None and t > hi:
                return f"{time_field}: in the future"
        if level:
            problem = _normalise_level(ev)
            if problem is not None:
                return problem
        if candle:
            start = ev.candle_date_time_utc
            if start < MIN_CANDLE_TIME:
                return "candle_date_time_utc: before 2017"
            if start > candle_limit(hi):
                return "candle_date_time_utc: in the future"
        for name in decimals:
            if not _amount_ok(getattr(ev, name)):
                return f"{name}: out of range"
        for name, fields in nested_decimals.items():
            for unit in getattr(ev, name):
                for f in fields:
                    if not _amount_ok(getattr(unit, f)):
                        return f"{name}.{f}: out of range"
        for name in decimal_maps:
            # Indicator values may be negative (MACD) but never NaN or infinite.
            if not all(v.is_finite() for v in getattr(ev, name).values()):
                return f"{name}: not a finite number"
        for name, rename in renames.items():
            _force(ev, name, {rename.get(k, k): v for k, v in getattr(ev, name).items()})
        return None

    return check


def required_int(wt: WireType, name: str) -> bool:
    """True if ``name`` is a field of ``wt`` that is never None (safe to compare inline)."""
    for f in msgspec.structs.fields(wt.cls):
        if f.name == name:
            return name not in wt.optional and "None" not in repr(f.type)
    return False


def _amount_ok(value: Decimal | None) -> bool:
    return value is None or (value.is_finite() and value >= 0)


def _normalise_level(ev: Any) -> str | None:
    level = ev.level
    if type(level) is str:
        try:
            number = float(level)
        except ValueError:
            return "level: wrong type"
        if not 0 <= number < float("inf"):
            return "level: out of range"
        _force(ev, "level", number)
    elif type(level) is int:
        _force(ev, "level", float(level))
    return None


# -- rejection reasons --------------------------------------------------------------------------------

_MISSING = re.compile(r"^Object missing required field `([^`]*)`(?: - at `([^`]*)`)?$")
_AT = re.compile(r" - at `([^`]*)`$")
_INDEX = re.compile(r"\[\d+\]")


def rejection_reason(wt: WireType, simple: bool, message: str) -> str:
    """A short, bounded reason from a msgspec message: ``"<type>.<field path>: <rule>"``."""
    missing = _MISSING.match(message)
    if missing is not None:
        path = f"{missing.group(2) or '$'}.{missing.group(1)}"
        kind = "missing"
    else:
        at = _AT.search(message)
        path = at.group(1) if at is not None else "$"
        if ", got `" in message:
            kind = "wrong type"
        elif "matching regex" in message:
            kind = "bad format"
        elif message.startswith("Invalid value"):
            kind = "invalid value"
        else:
            kind = "out of range"
    return f"{wt.name}{_field_path(wt, path)}: {kind}"


def _field_path(wt: WireType, path: str) -> str:
    """``$[0].obu[3].ap`` -> ``.orderbook_units.ask_price`` (DEFAULT names, indices dropped)."""
    parts = [p for p in _INDEX.sub("", path).removeprefix("$").split(".") if p]
    out: list[str] = []
    current: WireType | None = wt
    for part in parts:
        if current is None:
            out.append("?")  # deeper than our tables (e.g. inside a params object): keep it bounded
            break
        name = current.field_of(part)
        out.append(name if name in {d for d, _ in current.table} else "?")
        current = current.nested.get(name)
    return "".join(f".{p}" for p in out)
