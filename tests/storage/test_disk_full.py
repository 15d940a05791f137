"""Issue 14 item 2 on a real full disk: SQLite on a 1 MiB tmpfs (the issue's reproduction).

Needs root with CAP_SYS_ADMIN to mount tmpfs; elsewhere the same scenario runs with an OSError
injected at the driver boundary (ENOSPC), so the test never silently disappears.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from upbit_monitor.storage import DbContext, StreamWriter

from .factories import make_order, make_trade
from .faults import DriverOSError, TmpfsUnavailable, resize_tmpfs, small_tmpfs
from .test_writer import wait_for_status


class Disk:
    """A database whose disk can fill up and be cleared: a real tmpfs, or an injected ENOSPC."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real = False
        self._fault: DriverOSError | None = None
        self.db: DbContext

    @contextlib.contextmanager
    def open(self) -> Iterator[Disk]:
        mount = self.root / "disk"
        try:
            with small_tmpfs(mount, "1m"):
                self.real = True
                self.db = DbContext.open(f"sqlite:///{mount / 'full.db'}", busy_timeout_ms=50)
                try:
                    yield self
                finally:
                    self.db.close()
            return
        except TmpfsUnavailable:
            pass
        self.db = DbContext.open(f"sqlite:///{self.root / 'full.db'}", busy_timeout_ms=50)
        self._fault = DriverOSError(self.db.engine, errno.ENOSPC)
        try:
            yield self
        finally:
            self.db.close()

    def fill(self) -> None:
        """From now on writes fail with ENOSPC: a filler file takes every free byte of the tmpfs."""
        if self._fault is not None:
            self._fault.on = True
            return
        block = b"\0" * 4096
        with open(self.root / "disk" / "filler", "wb", buffering=0) as f, contextlib.suppress(OSError):
            while True:
                f.write(block)

    def clear(self) -> None:
        """The user frees space (here: the disk grows, and the filler goes)."""
        if self._fault is not None:
            self._fault.on = False
        else:
            resize_tmpfs(self.root / "disk", "64m")
            (self.root / "disk" / "filler").unlink()


def _scalar(session: Session, sql: str) -> int:
    return int(session.execute(sa.text(sql)).scalar_one())


def _trades(db: DbContext) -> int:
    return int(db.run(lambda s: s.execute(sa.text("SELECT count(*) FROM trades")).scalar_one()))


@pytest.mark.asyncio
async def test_disk_full_keeps_every_event_and_writes_them_when_space_is_freed(tmp_path: Path) -> None:
    with Disk(tmp_path).open() as disk:
        writer = StreamWriter(disk.db, interval=0.02, retry_delay=0.02, max_retry_delay=0.1,
                              max_backlog=8000, spill_chunk=1000, spill_dir=tmp_path / "spill",
                              record_trades=True)
        await writer.start()
        try:
            disk.fill()
            received = 0
            for seq in range(1, 30_001):  # ~3 MB of rows: three times what the disk holds
                writer.on_event(make_trade(seq))
                received += 1
                if seq % 1000 == 0:
                    writer.on_event(make_order(f"o-{seq}", "wait", seq))
                    received += 1
                    await wait_for_status(writer, lambda s: s.waiting - s.spilled <= 6000)
            status = await wait_for_status(writer, lambda s: s.retrying)
            assert status.cause == "disk full", status
            assert status.summary is not None and "cause: disk full" in status.summary
            assert status.written < received and status.lost == 0 and status.balanced
            assert status.spilled > 0  # memory bound reached: the excess went to the spill files

            disk.clear()
            assert await writer.flush(wait_s=90)
            status = writer.status()
            assert (status.received, status.written, status.waiting, status.rejected, status.dropped) == (
                received, received, 0, 0, 0)
            assert status.balanced and status.last_error is None and status.cause is None
            assert _trades(disk.db) == 30_000
        finally:
            assert await writer.stop()


@pytest.mark.asyncio
async def test_disk_full_with_no_room_for_the_spill_drops_oldest_market_data_only(tmp_path: Path) -> None:
    with Disk(tmp_path).open() as disk:
        # The spill directory is on the full disk too (or, injected mode, not configured at all).
        spill = (tmp_path / "disk" / "spill") if disk.real else None
        writer = StreamWriter(disk.db, interval=0.02, retry_delay=0.02, max_retry_delay=0.1,
                              max_backlog=2000, spill_chunk=500, spill_dir=spill, record_trades=True)
        await writer.start()
        try:
            disk.fill()
            for seq in range(1, 20_001):
                writer.on_event(make_trade(seq))
                if seq % 2000 == 0:
                    writer.on_event(make_order(f"o-{seq}", "wait", seq))
            status = await wait_for_status(writer, lambda s: s.retrying and s.dropped > 0)
            assert status.balanced and status.cause == "disk full"
            disk.clear()
            assert await writer.flush(wait_s=90)
            status = writer.status()
            assert status.received == 20_010 and status.rejected == 0
            assert status.written + status.dropped == 20_010 and status.waiting == 0
            assert 15_000 < status.dropped < 20_000
            orders = disk.db.run(_scalar, "SELECT count(*) FROM my_orders")
            assert orders == 10  # own orders are never dropped
            newest = disk.db.run(_scalar, "SELECT max(sequential_id) FROM trades")
            assert newest == 20_000  # what went was the oldest
        finally:
            assert not await writer.stop()
        assert f"{status.dropped:,} dropped past the bound" in (writer.report() or "")
