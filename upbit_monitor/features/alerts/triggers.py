"""What a fired rule produces: a :class:`Trigger` (shown, delivered, stored, browsable)."""

from __future__ import annotations

import time
from typing import NamedTuple

from upbit_monitor.models import display_code


class Trigger(NamedTuple):
    """One firing of one rule on one market.

    Attributes:
        rule_id: the rule (None for a rule never stored, e.g. in a test without a database).
        at_ms: event time of the trigger (the market event's timestamp, epoch ms).
        venue: ``"upbit"``...
        market: the market that fired (for a ``KRW-*`` rule, the coin), ``""`` for connection rules.
        kind: the rule kind (``"price"``...).
        value: the measured value (price, %, ratio, KRW, seconds).
        message: one line for people: rule description and what happened.
        detected: ``time.perf_counter()`` when the engine saw it (latency measurements).
        id: the history row id once stored (None in memory).
    """

    rule_id: int | None
    at_ms: int
    venue: str
    market: str
    kind: str
    value: float
    message: str
    detected: float = 0.0
    id: int | None = None

    @property
    def title(self) -> str:
        """A short notification title: ``"BTC/KRW alert"`` (the UI's display form)."""
        return f"{display_code(self.market) if self.market else self.venue} alert"

    @property
    def local_time(self) -> str:
        """``HH:MM:SS`` of ``at_ms`` in local time."""
        return time.strftime("%H:%M:%S", time.localtime(self.at_ms / 1000))
