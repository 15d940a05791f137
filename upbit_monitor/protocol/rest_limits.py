"""Upbit's REST rate-limit vocabulary: which group a path counts against, and the ``Remaining-Req`` header.

Shared by the client's HTTP layer (:mod:`upbit_monitor.connection.rest_http`), which paces calls per
group, and the simulator, which enforces the same groups; one table keeps the two from drifting apart.
Pure functions, no I/O.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["RemainingReq", "parse_remaining_req", "rest_group"]

# Quotation path prefix -> rate-limit group; everything else (accounts, orders) is "default".
_GROUP_BY_PREFIX = (
    ("/v1/market", "market"),
    ("/v1/candles", "candle"),
    ("/v1/ticker", "ticker"),
    ("/v1/orderbook", "orderbook"),
    ("/v1/trades", "trade"),
)


def rest_group(path: str) -> str:
    """The rate-limit group of a REST path (as Upbit groups them)."""
    for prefix, group in _GROUP_BY_PREFIX:
        if path.startswith(prefix):
            return group
    return "default"


class RemainingReq(NamedTuple):
    """A parsed ``Remaining-Req`` header; ``min`` is deprecated upstream and ignored."""

    group: str
    sec: int


def parse_remaining_req(value: str | None) -> RemainingReq | None:
    """Parse ``group=candle; min=1800; sec=29``; None when absent or malformed."""
    if not value:
        return None
    fields: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key.strip().lower()] = val.strip()
    try:
        return RemainingReq(fields["group"], int(fields["sec"]))
    except (KeyError, ValueError):
        return None
