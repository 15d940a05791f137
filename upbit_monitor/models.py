"""Value types shared by every layer: the ONE description of a market.

Before this module there were four ``MarketInfo`` types (REST client, coin list, storage, simulator)
with disagreeing fields and a converter between two of them in ``app.py``. A market is now described
once, parsed from ``/v1/market/all`` once (:meth:`MarketInfo.from_rest`), stored and shown as is.
Stream events stay in :mod:`upbit_monitor.protocol.events`; this module holds what is not an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_VENUE = "upbit"


def quote_of(code: str) -> str:
    """Quote currency of a market code: ``KRW`` of ``KRW-BTC``."""
    return code.partition("-")[0]


def base_of(code: str) -> str:
    """Base currency of a market code: ``BTC`` of ``KRW-BTC``."""
    return code.partition("-")[2]


def display_code(code: str) -> str:
    """Upbit's ``BASE/QUOTE`` display form (``"KRW-BTC"`` -> ``"BTC/KRW"``)."""
    quote, _, base = code.partition("-")
    return f"{base}/{quote}" if base else code


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """One listed market: code, names, and the venue's warning/caution flags.

    ``cautions`` lists the caution flags that are set (Upbit's ``market_event.caution``), sorted, so two
    answers with the same flags compare equal.
    """

    code: str  # QUOTE-BASE, e.g. KRW-BTC
    korean_name: str = ""
    english_name: str = ""
    warning: bool = False
    cautions: tuple[str, ...] = ()
    venue: str = DEFAULT_VENUE

    @property
    def quote(self) -> str:
        """Quote currency (``KRW``, ``BTC``, ``USDT``)."""
        return quote_of(self.code)

    @property
    def base(self) -> str:
        """Base currency (``BTC`` of ``KRW-BTC``)."""
        return base_of(self.code)

    @property
    def flagged(self) -> bool:
        """True when the venue marks the market with a warning or any caution."""
        return self.warning or bool(self.cautions)

    @classmethod
    def from_rest(cls, item: Mapping[str, Any], venue: str = DEFAULT_VENUE) -> MarketInfo:
        """Decode one ``/v1/market/all`` element (with or without ``market_event``).

        Bithumb (and Upbit's older answer) flag a warning with a flat ``market_warning`` of ``NONE`` /
        ``CAUTION`` instead of ``market_event.warning``; both are read. A missing Korean name falls
        back to the code so the list never shows an empty name cell.

        Raises:
            KeyError, TypeError, AttributeError: the element does not have the documented shape (the
            REST client turns these into a ``RestError`` naming the element).
        """
        event = item.get("market_event") or {}
        cautions = tuple(sorted(k for k, v in (event.get("caution") or {}).items() if v))
        flat = str(item.get("market_warning") or "NONE").upper()
        code = str(item["market"])
        return cls(
            code=code,
            korean_name=str(item.get("korean_name") or code),
            english_name=str(item.get("english_name") or ""),
            warning=bool(event.get("warning", False)) or flat not in ("NONE", ""),
            cautions=cautions,
            venue=venue,
        )
