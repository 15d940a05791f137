"""One premium input for the engine from the two premium features.

Premium rules ask ``premium(code, exchange, venue=rule.venue)`` for a fraction (``0.025`` = +2.5 %):

* a foreign reference (``"binance"``, ``"bybit"``) goes to the kimchi-premium tracker, whose
  ``premium(code, exchange, venue=)`` already answers in that shape, from the rule's venue's price;
* the other Korean venue (``"bithumb"`` for an Upbit rule, ``"upbit"`` for a Bithumb one) goes to
  :class:`~upbit_monitor.features.premium.domestic.DomesticSpread`: the premium of the rule's venue
  over that one, ``spread(code, venue=exchange)`` (percent, converted).

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
                 *, domestic_venues: tuple[str, str] = ("upbit", "bithumb")) -> None:
        self.kimchi = kimchi
        self.domestic = domestic
        self.domestic_venues = domestic_venues

    def premium(
        self, code: str, exchange: str | None = None, *, venue: str | None = None
    ) -> PremiumLike | None:
        """The premium of ``code`` on ``venue`` (default Upbit) against ``exchange`` as a fraction, None
        if not computable now."""
        home = venue or self.domestic_venues[0]
        if exchange in self.domestic_venues:
            if self.domestic is None or exchange == home:
                return None
            pct = self.domestic.spread(code, exchange)  # the other venue (home) over ``exchange``
            return None if pct is None else _Fraction(pct / 100.0)
        return None if self.kimchi is None else self.kimchi.premium(code, exchange, venue=home)
