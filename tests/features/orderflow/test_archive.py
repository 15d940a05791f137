"""Recording book snapshots (optional): exact round trip, batched writes, replay under the live ring,
a database failure kept and reported, and the whole path through the hub on SQLite."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.features.orderflow.books import T0, book
from tests.features.orderflow.test_watch import VenueFake
from tests.manager.waiting import wait_until
from upbit_monitor.errors import StorageUnavailable
from upbit_monitor.features.orderflow import BookHistory, FlowHub
from upbit_monitor.features.orderflow.archive import BookArchive, decode, encode
from upbit_monitor.storage import DbContext


def test_encode_decode_round_trip() -> None:
    b = book(T0, 0.123456789, tick=0.000001, levels=30, sizes={0.123456: 12.5})
    back = decode(b.code, int(b.timestamp), encode(b))
    assert [u.bid_price for u in back.orderbook_units] == [u.bid_price for u in b.orderbook_units]
    assert [u.ask_price for u in back.orderbook_units] == [u.ask_price for u in b.orderbook_units]
    assert np.allclose([u.bid_size for u in back.orderbook_units], [u.bid_size for u in b.orderbook_units])
    assert back.timestamp == b.timestamp and back.code == b.code
    assert len(encode(b)) < 800  # the README's size per hour is built on this


def test_merge_older_puts_the_replay_under_the_live_ring() -> None:
    hist = BookHistory(5)
    hist.append(book(T0 + 5000, 101.0))
    hist.append(book(T0 + 6000, 102.0))
    older = [book(T0 + t, 100.0) for t in (3000, 1000, 2000, 4000, 5500)]  # 5500 overlaps: left out
    assert hist.merge_older(older) == 4
    rows = hist.since(float("-inf"))
    assert rows.times.tolist() == [T0 + 2000, T0 + 3000, T0 + 4000, T0 + 5000, T0 + 6000]  # newest 5 kept
    assert hist.generation == 1 and hist.appended == 6
    hist.append(book(T0 + 7000, 103.0))
    assert hist.newest_time() == T0 + 7000 and len(hist) == 5


@pytest.mark.asyncio
async def test_recorded_books_come_back_when_the_coin_is_watched_again(tmp_path: Path) -> None:
    db = DbContext.open(f"sqlite:///{tmp_path / 'of.db'}")
    archive = BookArchive(db, flush_s=3600)
    hub = FlowHub(VenueFake(), minutes=1.0, archive=archive)
    rec = hub.watch("KRW-XRP")
    now = float(int(time.time() * 1000))
    for k in range(20):
        rec.on_event(book(now - 20_000 + k * 1000, 100.0 + k))
    rec.on_event(book(now, 50.0, code="KRW-ETH"))  # not this recorder's coin: not recorded
    await archive.flush()
    assert archive.written == 20 and archive.problem == ""
    assert len(await archive.load("upbit", "KRW-XRP", int(now - 5_500), 100)) == 5
    assert len(await archive.load("bithumb", "KRW-XRP", 0, 100)) == 0
    del rec
    # A later session watches the coin: the past comes back under the first live book.
    hub2 = FlowHub(VenueFake(), minutes=1.0, archive=BookArchive(db, flush_s=3600))
    again = hub2.watch("KRW-XRP")
    again.on_event(book(now + 1000, 130.0))
    await wait_until(lambda: again.book.generation == 1, within=10.0)
    rows = again.book.since(float("-inf"))
    assert len(rows) == 21 and rows.times[0] == now - 20_000 and rows.times[-1] == now + 1000
    await hub.close()
    await hub2.close()
    db.close()


class BrokenDb:
    async def run_async(self, fn: object, *args: object) -> object:
        raise StorageUnavailable("database is locked")


@pytest.mark.asyncio
async def test_a_database_failure_keeps_the_batch_and_says_so() -> None:
    archive = BookArchive(BrokenDb(), max_pending=3)
    for k in range(5):
        archive.add("upbit", book(T0 + k, 100.0))
    await archive.flush()
    assert "database is locked" in archive.problem
    assert archive.written == 0 and archive.dropped == 2  # bounded: the oldest two went


def test_recording_is_off_unless_asked() -> None:
    from upbit_monitor.config import settings_from_env

    assert settings_from_env({}).orderflow_record is False
    assert settings_from_env({"UPBIT_MONITOR_ORDERFLOW_RECORD": "1"}).orderflow_record is True
    assert settings_from_env({"UPBIT_MONITOR_ORDERFLOW_MINUTES": "5"}).orderflow_minutes == 5.0


@pytest.mark.asyncio
async def test_old_snapshots_are_pruned_after_keep_hours(tmp_path: Path) -> None:
    db = DbContext.open(f"sqlite:///{tmp_path / 'prune.db'}")
    archive = BookArchive(db, keep_hours=1.0, prune_every_s=600.0)
    now_s = time.time()
    for age_h in (3.0, 1.5, 0.5, 0.1):
        archive.add("upbit", book((now_s - age_h * 3600) * 1000, 100.0))
    archive._pruned_at = now_s  # the flush's own prune is not due yet
    await archive.flush()
    assert archive.written == 4 and archive.pruned == 0
    await archive.prune(now_s + 1)  # too soon after the last one: nothing
    assert archive.pruned == 0
    await archive.prune(now_s + 601)
    assert archive.pruned == 2
    left = await archive.load("upbit", "KRW-XRP", 0, 100)
    assert len(left) == 2
    db.close()
