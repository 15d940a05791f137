"""The ``announcement`` type of the private endpoint (protocol-2026.md; Upbit since 2026-08-31).

Upbit pushes its notice board on ``/websocket/v1/private``: REALTIME only (no snapshot), one event per
new notice (``CREATED``) or edit (``UPDATED``). A subscription may name ``categories`` (13 values, see
:data:`CATEGORIES`; omitted = all) and ``include_body`` (default false; a large body comes as null).

Tests script it::

    notice = sim.announce("비트코인(BTC) 입출금 일시 중단 안내", category="wallet", body="...")
    sim.announcements.update(notice.uuid, title="... (재개)")

and ``SimConfig.demo_announcements_every_s`` makes the simulator post synthetic notices by itself, every
``listing_every``-th one a new listing whose coin starts trading shortly after with a pump (the reason
this feed matters to a trader). Field names follow Upbit's SDK (``upbit-sdk`` 1.1.0 ``types/announcement``).
"""

from __future__ import annotations

import random
import time
import uuid as uuid_mod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import orjson

from upbit_monitor.sim.config import SimConfig

CATEGORIES: tuple[str, ...] = (
    "notice", "trade", "wallet", "maintenance", "digital_asset", "nft", "service", "event", "note",
    "trading", "airdrop", "feature", "disclosure",
)
# DEFAULT -> SIMPLE keys (upbit-sdk simple_announcement).
SIMPLE_KEYS = {
    "type": "ty", "uuid": "uid", "category": "cat", "event_type": "et", "title": "tt", "body": "bd",
    "url": "url", "listed_at": "lat", "first_listed_at": "flat", "timestamp": "tms", "stream_type": "st",
}
NOTICE_URL = "https://upbit.com/service_center/notice?id={id}"
_KST_S = 9 * 3600


def kst_iso(ts_ms: int) -> str:
    """KST ISO 8601 with offset, e.g. ``2026-08-31T14:00:00+09:00`` (UNCONFIRMED: offset form)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+09:00", time.gmtime(ts_ms // 1000 + _KST_S))


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice as it stands now."""

    uuid: str
    category: str
    title: str
    body: str | None
    url: str
    first_listed_at: str
    listed_at: str


@dataclass(frozen=True, slots=True)
class Subscription:
    """What one connection asked for: category filter (None = all) and whether bodies are included."""

    categories: frozenset[str] | None
    include_body: bool

    def wants(self, notice: Notice) -> bool:
        """Whether this subscription receives ``notice``."""
        return self.categories is None or notice.category in self.categories


def event_dict(notice: Notice, event_type: str, now_ms: int, *, include_body: bool,
               max_body_chars: int) -> dict[str, object]:
    """The DEFAULT-keyed event for one subscriber (``body`` only when asked; null when too large)."""
    out: dict[str, object] = {
        "type": "announcement", "uuid": notice.uuid, "category": notice.category, "event_type": event_type,
        "title": notice.title, "url": notice.url, "listed_at": notice.listed_at,
        "first_listed_at": notice.first_listed_at, "timestamp": now_ms, "stream_type": "REALTIME",
    }
    if include_body:
        body = notice.body
        out["body"] = None if body is not None and max_body_chars and len(body) > max_body_chars else body
    return out


def encode_event(event: dict[str, object], simple: bool) -> bytes:
    """JSON bytes with DEFAULT or SIMPLE keys."""
    if simple:
        event = {SIMPLE_KEYS.get(k, k): v for k, v in event.items()}
    return orjson.dumps(event)


class AnnouncementBoard:
    """The notice board: posts and edits notices and hands each event to a delivery callback.

    ``deliver(notice, event_type, now_ms)`` is set by the simulator (the feed fans it out to the
    subscribed private connections, each with its own filter, body choice and key style).
    """

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.notices: dict[str, Notice] = {}
        self.history: list[tuple[str, Notice]] = []  # (event_type, notice) in order
        self.deliver: Callable[[Notice, str, int], None] = lambda _n, _e, _t: None
        self._rng = random.Random(f"announcements-{config.seed}")
        self._next_id = 5000 + self._rng.randrange(1000)

    def announce(self, title: str, category: str = "notice", *, body: str | None = None,
                 uuid: str | None = None, now_ms: int | None = None) -> Notice:
        """Post a new notice (``CREATED``) and deliver it; returns it."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown announcement category {category!r}")
        now = int(time.time() * 1000) if now_ms is None else now_ms
        self._next_id += 1
        uid = uuid or str(uuid_mod.UUID(int=self._rng.getrandbits(128), version=4))
        url = NOTICE_URL.format(id=self._next_id)
        notice = Notice(uid, category, title, body, url, kst_iso(now), kst_iso(now))
        self.notices[notice.uuid] = notice
        self._emit(notice, "CREATED", now)
        return notice

    def update(self, uuid: str, *, title: str | None = None, body: str | None = None,
               category: str | None = None, now_ms: int | None = None) -> Notice:
        """Edit a posted notice (``UPDATED``: same uuid, new ``listed_at``) and deliver it."""
        old = self.notices[uuid]
        if category is not None and category not in CATEGORIES:
            raise ValueError(f"unknown announcement category {category!r}")
        now = int(time.time() * 1000) if now_ms is None else now_ms
        notice = replace(old, title=title if title is not None else old.title,
                         body=body if body is not None else old.body,
                         category=category or old.category, listed_at=kst_iso(now))
        self.notices[uuid] = notice
        self._emit(notice, "UPDATED", now)
        return notice

    def _emit(self, notice: Notice, event_type: str, now_ms: int) -> None:
        self.history.append((event_type, notice))
        self.deliver(notice, event_type, now_ms)


def parse_categories(raw: object) -> tuple[frozenset[str] | None, list[str]]:
    """Validate a request's ``categories``: (filter or None for all, unknown values)."""
    if raw is None:
        return None, []
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        return None, [repr(raw)]
    bad = [c for c in raw if c not in CATEGORIES]
    return (frozenset(raw) if raw else None), bad


def subscribers_for(notice: Notice, subs: Iterable[tuple[object, Subscription]]) -> list[object]:
    """The sessions whose subscription wants ``notice`` (helper for tests and the feed)."""
    return [session for session, sub in subs if sub.wants(notice)]
