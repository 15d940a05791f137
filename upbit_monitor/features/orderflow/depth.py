"""Depth chart numbers: cumulative resting size (or value) from the best price outwards, per side.

From one :class:`Orderbook` snapshot: bids sorted from the best (highest) price down, asks from the
best (lowest) up, each with the running total of size (or of price x size, the quote value) up to
and including that level. Empty levels (price 0) are dropped. The mid is halfway between the best
bid and ask when both exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from upbit_monitor.protocol.events import Orderbook

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DepthCurve:
    """Bid and ask steps outwards from the touch, with their cumulative amounts."""

    bid_prices: F64  # descending
    bid_cum: F64
    ask_prices: F64  # ascending
    ask_cum: F64
    mid: float | None

    @property
    def peak(self) -> float:
        """Largest cumulative amount on either side (the y range)."""
        tops = [float(c[-1]) for c in (self.bid_cum, self.ask_cum) if c.size]
        return max(tops, default=0.0)

    def price_span(self) -> tuple[float, float] | None:
        """(lowest, highest) price shown, symmetric around the mid so neither side looks deeper
        just because its levels are spread wider."""
        if self.mid is None:
            return None
        far = [abs(float(p[-1]) - self.mid) for p in (self.bid_prices, self.ask_prices) if p.size]
        reach = (max(far, default=0.0) or self.mid * 0.001) * 1.05  # the last step stays visible
        return self.mid - reach, self.mid + reach


def depth_curve(book: Orderbook, value: bool = False) -> DepthCurve:
    """The curve of ``book``; ``value``: cumulate price x size (quote currency) instead of size."""
    units = book.orderbook_units
    bp = np.array([u.bid_price for u in units], np.float64)
    bs = np.array([u.bid_size for u in units], np.float64)
    ap = np.array([u.ask_price for u in units], np.float64)
    az = np.array([u.ask_size for u in units], np.float64)
    bid_ok, ask_ok = bp > 0, ap > 0
    bp, bs, ap, az = bp[bid_ok], bs[bid_ok], ap[ask_ok], az[ask_ok]
    bid_order, ask_order = np.argsort(-bp), np.argsort(ap)  # a feed's order is not trusted
    bp, bs, ap, az = bp[bid_order], bs[bid_order], ap[ask_order], az[ask_order]
    if value:
        bs, az = bs * bp, az * ap
    mid = (float(bp[0]) + float(ap[0])) / 2 if bp.size and ap.size else None
    return DepthCurve(bp, np.cumsum(bs), ap, np.cumsum(az), mid)
