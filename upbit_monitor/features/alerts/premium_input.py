"""One premium input for the engine from the two premium features.

Premium rules ask ``premium(code, exchange)`` for a fraction (``0.025`` = +2.5 %):

* a foreign reference (``"binance"``, ``"bybit"``) goes to the kimchi-premium tracker, whose
  ``premium(code, exchange)`` already answers in that shape;
* ``"bithumb"`` goes to :class:`~upbit_monitor.features.premium.domestic.DomesticSpread`: the
  premium of Upbit's price over Bithumb's, ``spread(code, venue="bithumb")`` (percent, converted).

Either part may be missing (no foreign venue configured, Bithumb off): the rule then waits.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from upbit_monitor.features.alerts.evaluators import PremiumInput, PremiumLike


class SpreadLike(Protocol):
    """What the domestic spread offers (``DomesticSpread`` does)."""

    def spread(self, code: str, venue: str | None = None) -> float | None:
        """The other venue's price over ``venue``'s, in percent; None when not fresh."""


class _Fraction(NamedTuple):
    premium: float


class CombinedPremium:
    """Kimchi premium + domestic spread behind one :class:`PremiumInput` (see the module docstring)."""

    def __init__(self, kimchi: PremiumInput | None = None, domestic: SpreadLike | None = None,
                 *, domestic_venue: str = "bithumb") -> None:
        self.kimchi = kimchi
        self.domestic = domestic
        self.domestic_venue = domestic_venue

    def premium(self, code: str, exchange: str | None = None) -> PremiumLike | None:
        """The premium of ``code`` against ``exchange`` as a fraction, None if not computable now."""
        if exchange == self.domestic_venue:
            if self.domestic is None:
                return None
            pct = self.domestic.spread(code, self.domestic_venue)
            return None if pct is None else _Fraction(pct / 100.0)
        return None if self.kimchi is None else self.kimchi.premium(code, exchange)
