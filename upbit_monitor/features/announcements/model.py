"""One notice as the app keeps it, built from a decoded ``announcement`` event."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Upbit titles a new market "... 신규 거래지원 안내" ("new trading support"); the English board says
# "New Listing" / "Market Support". A listing notice moves that coin within seconds.
_LISTING = re.compile(r"신규\s*거래\s*지원|new\s+(digital\s+asset\s+)?listing|market\s+support\s+for", re.I)
_SYMBOL = re.compile(r"\(([A-Z0-9]{2,12})\)")


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice: its latest state (UPDATED replaces), with the app's listing flag."""

    venue: str
    uuid: str
    category: str
    title: str
    body: str | None
    url: str | None
    listed_at: str | None
    first_listed_at: str | None
    event_type: str
    timestamp_ms: int
    is_listing: bool

    @property
    def symbols(self) -> tuple[str, ...]:
        """Coin symbols named in the title, e.g. ``("MASK",)`` for "마스크네트워크(MASK) 신규 ..."."""
        return tuple(_SYMBOL.findall(self.title))


def is_listing(title: str, category: str) -> bool:
    """Whether a notice announces a new market (trade-category listing wording)."""
    return category in ("trade", "trading", "digital_asset", "notice") and bool(_LISTING.search(title))


def notice_from_event(event: Any, venue: str = "upbit") -> Notice:
    """A :class:`Notice` from a decoded ``announcement`` event (its attributes, by name)."""
    title = str(event.title)
    category = str(event.category)
    listing = is_listing(title, category)
    return Notice(venue, str(event.uuid), category, title, event.body, event.url, event.listed_at,
                  event.first_listed_at, str(event.event_type), int(event.timestamp), listing)


def notice_row(notice: Notice) -> dict[str, Any]:
    """The ``announcements`` row of ``notice``."""
    return {
        "venue": notice.venue, "uuid": notice.uuid, "category": notice.category, "title": notice.title,
        "body": notice.body, "url": notice.url, "listed_at": notice.listed_at,
        "first_listed_at": notice.first_listed_at, "event_type": notice.event_type,
        "timestamp_ms": notice.timestamp_ms, "is_listing": notice.is_listing,
    }
