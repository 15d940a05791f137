"""Ladder levels from an orderbook snapshot: optional price grouping and cumulative depth.

Grouping follows Upbit's "호가 모아보기": a bucket is a multiple of the tick size at the best
price; asks round *up* to their bucket's upper edge and bids *down* to the lower edge, so every
bucket holds the orders a trader could reach at that price or better. Only the 30 native levels
are known, so the outermost bucket of a side is usually cut short (its size would understate the
book); it is dropped unless it is the only one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from upbit_monitor.protocol.events import OrderbookUnit
from upbit_monitor.protocol.ticks import decimals, tick_for

GROUPS = (1, 2, 5, 10, 20, 50, 100)  # offered multiples of the tick size


class Level(NamedTuple):
    """One ladder row: price, size at that price (or bucket) and size from the best up to here."""

    price: float
    size: float
    cum: float


def _cumulate(pairs: Sequence[tuple[float, float]]) -> list[Level]:
    out: list[Level] = []
    total = 0.0
    for price, size in pairs:
        total += size
        out.append(Level(price, size, total))
    return out


def native_levels(units: Sequence[OrderbookUnit], depth: int) -> tuple[list[Level], list[Level]]:
    """(asks, bids), best first, as sent (empty levels, price 0, skipped)."""
    asks = [(u.ask_price, u.ask_size) for u in units[:depth] if u.ask_price]
    bids = [(u.bid_price, u.bid_size) for u in units[:depth] if u.bid_price]
    return _cumulate(asks), _cumulate(bids)


def group_unit(code: str, best_bid: float, group: int) -> float:
    """Bucket width: ``group`` ticks of the market's tick size at the best bid."""
    return tick_for(code, best_bid) * group


def _bucket(price: float, unit: float, up: bool, nd: int) -> float:
    q = round(price / unit, 9)  # float noise: 146_144_000 / 10_000 must be 14614.4, not .39999
    edge = math.ceil(q) if up else math.floor(q)
    return round(edge * unit, nd)


def grouped_levels(
    code: str, units: Sequence[OrderbookUnit], depth: int, group: int
) -> tuple[list[Level], list[Level]]:
    """(asks, bids) aggregated into buckets of ``group`` ticks, best first, at most ``depth`` each."""
    if group <= 1 or not units or not units[0].bid_price:
        return native_levels(units, depth)
    unit = group_unit(code, units[0].bid_price, group)
    nd = decimals(unit)
    sides: list[list[Level]] = []
    for up, pairs in (
        (True, [(u.ask_price, u.ask_size) for u in units if u.ask_price]),
        (False, [(u.bid_price, u.bid_size) for u in units if u.bid_price]),
    ):
        buckets: dict[float, float] = {}
        for price, size in pairs:
            key = _bucket(price, unit, up, nd)
            buckets[key] = buckets.get(key, 0.0) + size
        ordered = sorted(buckets.items(), reverse=not up)
        if len(ordered) > 1 and pairs and _bucket(pairs[-1][0], unit, up, nd) != round(pairs[-1][0], nd):
            ordered.pop()  # the far bucket is only partly known
        sides.append(_cumulate(ordered[:depth]))
    return sides[0], sides[1]


def cum_scale(current: float, needed: float) -> float:
    """Full length of the cumulative-depth bars: a 1-2-5 step that holds while the book breathes.

    The exact total changes with every size change, and a new scale repaints every bar of the
    ladder; a stepped scale only changes when the book roughly doubles or halves.
    """
    if needed <= 0:
        return 0.0
    if current > 0 and current / 2.5 < needed <= current:
        return current
    exp = math.floor(math.log10(needed))
    for step in (1.0, 2.0, 5.0):
        if step * 10.0**exp >= needed:
            return step * 10.0**exp
    return 10.0 ** (exp + 1)
