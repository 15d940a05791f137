"""Issue 14 item 3 end to end: a minute saved from the live stream 25 s in (partial volume) is
provisional; the next chart load refetches it from REST and stores it complete, even inside a span
an earlier load had recorded as covered."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.manager.simtools import simulator
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.features.history.loader import HistoryLoader
from upbit_monitor.protocol.events import Candle
from upbit_monitor.storage import DbContext, StreamWriter, load_candles, mark_covered


@pytest.mark.asyncio
async def test_a_minute_saved_mid_way_is_refetched_on_the_next_load(tmp_path: Path) -> None:
    async with simulator() as sim:
        db = DbContext.open(f"sqlite:///{tmp_path / 'h.db'}")
        try:
            now = int(time.time())
            minute = now - now % 60 - 120  # closed two minutes ago
            utc = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(minute))
            partial = Candle("candle.1m", "KRW-BTC", utc, utc, 100.0, 101.0, 99.0, 100.0, 5.79, 579.0,
                             (minute + 25) * 1000, "REALTIME")
            writer = StreamWriter(db, interval=0.02)
            await writer.start()
            writer.on_event(partial)  # the live candle, 25 s into the minute...
            assert await writer.stop()  # ...and then the app stopped
            db.run(mark_covered, "KRW-BTC", "1m", minute - 600, minute)  # an earlier full fetch
            [stored] = db.run(load_candles, "KRW-BTC", "1m", minute, minute)
            assert (stored.volume, stored.provisional) == (5.79, True)

            rest = RestClient(sim.rest_url)
            truth = await rest.candles_range("KRW-BTC", 1, datetime.fromtimestamp(minute, UTC),
                                             datetime.fromtimestamp(minute + 60, UTC))
            loader = HistoryLoader.with_db(rest, db)
            start = datetime.fromtimestamp(minute - 600, UTC)
            result = await loader.load_range("KRW-BTC", 1, start, start + timedelta(minutes=11))
            shown = {c.candle_date_time_utc: c for c in result.candles}
            assert result.fetched >= 1 and result.fetched_ranges
            assert shown[utc].candle_acc_trade_volume == truth[0].candle_acc_trade_volume != 5.79
            [stored] = db.run(load_candles, "KRW-BTC", "1m", minute, minute)
            assert stored.provisional is False
            assert stored.volume == truth[0].candle_acc_trade_volume
        finally:
            db.close()
