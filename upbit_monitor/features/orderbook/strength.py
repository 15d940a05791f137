"""체결강도 (trade strength): buy-initiated volume over sell-initiated volume, x 100.

Upbit shows it beside the orderbook: above 100 buyers lift offers more than sellers hit bids.
The day figure comes from the ticker's running sums (``acc_bid_volume`` / ``acc_ask_volume``, since
00:00 UTC as Upbit accumulates them); the short-window figure from the fills on the tape, which
reacts within seconds where the day figure barely moves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from upbit_monitor.protocol.events import Trade


def strength(buy_volume: float, sell_volume: float) -> float | None:
    """``buy / sell * 100``; None without sells (Upbit shows a dash rather than infinity)."""
    if not sell_volume or sell_volume <= 0 or math.isnan(buy_volume) or math.isnan(sell_volume):
        return None
    return buy_volume / sell_volume * 100.0


def tape_strength(trades: Iterable[Trade]) -> float | None:
    """Strength over the given fills (buy-initiated = ``ask_bid == "BID"``)."""
    buys = sells = 0.0
    for t in trades:
        if t.ask_bid == "BID":
            buys += t.trade_volume
        else:
            sells += t.trade_volume
    return strength(buys, sells)

