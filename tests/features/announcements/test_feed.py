"""AnnouncementFeed: the wire request on the private connection, dedupe by uuid, UPDATED replaces,
listing flag, unread count, storage (SQLite) and a failing store that never stops the live list."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import pytest_asyncio  # noqa: F401 - the asyncio plugin

from tests.features.private.env import Sink, feed_env, valid_creds, wait_until
from upbit_monitor.errors import RequestError
from upbit_monitor.features.announcements.feed import AnnouncementFeed
from upbit_monitor.features.announcements.model import Notice, is_listing
from upbit_monitor.features.announcements.store import AnnouncementStore
from upbit_monitor.features.private.status import PrivateState
from upbit_monitor.protocol.requests import type_object
from upbit_monitor.protocol.subscriptions import SubscriptionSpec, merge_specs
from upbit_monitor.storage import DbContext, create_db_engine, migrate


def event(uid: str, title: str, *, et: str = "CREATED", ts: int = 1_000, category: str = "trade",
          body: str | None = None) -> SimpleNamespace:
    """An object with the fields of a decoded ``announcement`` event."""
    return SimpleNamespace(type="announcement", uuid=uid, category=category, event_type=et, title=title,
                           body=body, url=f"https://upbit.com/service_center/notice?id={uid}",
                           listed_at="2026-12-04T18:00:00+09:00", first_listed_at="2026-12-04T18:00:00+09:00",
                           timestamp=ts, stream_type="REALTIME")


PRIVATE_SPECS = [SubscriptionSpec("myOrder"), SubscriptionSpec("myAsset")]


class FakeManager:
    def __init__(self) -> None:
        self.wants: list[tuple[object, list[SubscriptionSpec], str]] = []

    def want(self, component: object, specs: list[SubscriptionSpec], *, connection: str,
             callback: object) -> None:
        self.wants.append((component, specs, connection))

    def unregister(self, component: object) -> None:
        self.wants = [w for w in self.wants if w[0] is not component]


def test_request_objects_and_category_guard() -> None:
    merged = merge_specs([
        SubscriptionSpec("announcement", categories=("wallet",)),
        SubscriptionSpec("announcement", categories=("trade", "wallet"), include_body=True)])
    assert type_object(merged.entries[0]) == {"type": "announcement", "categories": ["trade", "wallet"],
                                              "include_body": True}
    everything = merge_specs([SubscriptionSpec("announcement", categories=("trade",)),
                              SubscriptionSpec("announcement")])
    assert type_object(everything.entries[0]) == {"type": "announcement"}  # one owner wants all
    with pytest.raises(RequestError, match="INVALID_PARAM"):
        SubscriptionSpec("announcement", categories=("bogus",))  # never reaches the wire
    with pytest.raises(RequestError):
        SubscriptionSpec("announcement", codes=("KRW-BTC",))


@pytest.mark.asyncio
async def test_subscribes_on_the_private_connection_with_myasset() -> None:
    async with feed_env(valid_creds()) as (sim, mgr, h):
        await h.feed.start()
        sink = Sink()
        h.feed.attach(sink, PRIVATE_SPECS, sink.on_event)
        await h.wait_state(PrivateState.CONNECTED)
        feed = AnnouncementFeed(mgr, private=h.feed)
        await feed.start()
        req = await sim.wait_for_request(lambda r: r.parsed is not None and "announcement" in r.text,
                                         timeout_s=5)
        # One request with everything (Upbit replaces the set): myOrder, myAsset and the notices.
        assert '{"type":"announcement","include_body":true}' in req.text
        assert '{"type":"myAsset"}' in req.text and '"type":"myOrder"' in req.text
        assert req.error is None
        assert [t.type for t in req.parsed.types] == ["myOrder", "myAsset", "announcement"]
        await feed.stop()
        await wait_until(lambda: "announcement" not in sim.requests[-1].text)


@pytest.mark.asyncio
async def test_simulator_notices_reach_the_feed_through_the_manager() -> None:
    # End to end: the simulator's wire frames, the private connection, the validated decoder, the router.
    async with feed_env(valid_creds()) as (sim, mgr, h):
        await h.feed.start()
        feed = AnnouncementFeed(mgr, private=h.feed)
        seen: list[tuple[str, bool]] = []
        feed.add_listener(lambda n, new: seen.append((n.uuid, new)))
        await feed.start()
        await sim.wait_for_request(lambda r: r.parsed is not None and "announcement" in r.text, timeout_s=5)
        await h.wait_state(PrivateState.CONNECTED)
        posted = sim.announce("마스크네트워크(MASK) 신규 거래지원 안내 (KRW 마켓)", "trade", body="# MASK")
        await wait_until(lambda: len(feed.notices) == 1)
        notice = feed.notices[0]
        assert (notice.uuid, notice.category, notice.event_type) == (posted.uuid, "trade", "CREATED")
        assert notice.is_listing and notice.symbols == ("MASK",) and notice.body == "# MASK"
        assert notice.url == posted.url and feed.unread == 1
        sim.announcements.update(posted.uuid, title="마스크네트워크(MASK) 신규 거래지원 안내 (KRW, USDT)")
        await wait_until(lambda: feed.notices[0].event_type == "UPDATED")
        assert len(feed.notices) == 1 and "USDT" in feed.notices[0].title
        assert seen == [(posted.uuid, True), (posted.uuid, False)]
        await feed.stop()


def test_dedupe_updated_replaces_and_unread() -> None:
    mgr = FakeManager()
    feed = AnnouncementFeed(mgr)
    seen: list[tuple[str, bool]] = []
    feed.add_listener(lambda n, new: seen.append((n.event_type, new)))
    feed.on_event(event("a", "마스크네트워크(MASK) 신규 거래지원 안내 (KRW 마켓)", ts=1_000))
    feed.on_event(event("b", "서버 점검 안내", category="maintenance", ts=2_000))
    feed.on_event(event("a", "마스크네트워크(MASK) 신규 거래지원 안내 (KRW, USDT 마켓)", et="UPDATED",
                        ts=3_000))
    feed.on_event(SimpleNamespace(type="myAsset"))  # other types are not notices
    assert [n.uuid for n in feed.notices] == ["a", "b"]  # newest first, a replaced in place
    a = feed.notices[0]
    assert a.event_type == "UPDATED" and "USDT" in a.title and a.is_listing and a.symbols == ("MASK",)
    assert not feed.notices[1].is_listing
    assert feed.unread == 2 and seen == [("CREATED", True), ("CREATED", True), ("UPDATED", False)]
    feed.on_event(event("a", "old state", et="UPDATED", ts=500))  # late and older: ignored
    assert feed.notices[0].title.endswith("USDT 마켓)")
    feed.mark_read()
    assert feed.unread == 0 and feed.categories() == ["maintenance", "trade"]


def test_listing_words() -> None:
    assert is_listing("비트코인골드(BTG) 신규 거래지원 안내", "trade")
    assert is_listing("New Listing: MASK (KRW market)", "notice")
    assert not is_listing("[거래] 유의 종목 지정 안내", "trade")
    assert not is_listing("신규 거래지원 안내", "event")


@pytest.mark.asyncio
async def test_stored_deduped_and_reloaded(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/a.db")
    migrate.upgrade(engine)
    ctx = DbContext(engine)
    store = AnnouncementStore(ctx)
    feed = AnnouncementFeed(FakeManager(), store=store)
    await feed.start()
    feed.on_event(event("a", "first", ts=1_000, body="b1"))
    feed.on_event(event("b", "second", ts=2_000))
    feed.on_event(event("a", "first, edited", et="UPDATED", ts=3_000, body="b2"))
    await feed.stop()
    assert feed.store_errors == 0
    again = AnnouncementFeed(FakeManager(), store=store)
    await again.start()
    assert [(n.uuid, n.title, n.body, n.event_type) for n in again.notices] == [
        ("a", "first, edited", "b2", "UPDATED"), ("b", "second", None, "CREATED")]
    assert again.unread == 0  # stored notices were already delivered once
    engine.dispose()


@pytest.mark.asyncio
async def test_failing_store_is_reported_not_raised() -> None:
    class Broken(AnnouncementStore):
        def __init__(self) -> None:
            pass

        async def save(self, notice: Notice) -> bool:
            raise OSError("disk full")

        async def recent(self, venue: str, limit: int = 500) -> list[Notice]:
            return []

    feed = AnnouncementFeed(FakeManager(), store=Broken())
    await feed.start()
    feed.on_event(event("x", "title"))
    await feed.stop()
    assert [n.uuid for n in feed.notices] == ["x"]
    assert feed.store_errors == 1 and "disk full" in feed.last_store_error
