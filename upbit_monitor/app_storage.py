"""The composition root's storage part: which database a run uses, opening it, its status line.

Kept apart from :mod:`upbit_monitor.app` so the start-up wiring reads as one story there. Every
failure here is an answer, not an exception: the monitor runs without a database and the status
panel says why.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from upbit_monitor.config import Settings
from upbit_monitor.protocol.events import CANDLE_TYPES

log = logging.getLogger("upbit_monitor.app")

__all__ = [
    "DEMO_DB_FILENAME",
    "DEMO_DB_NOTICE",
    "EarlyEvents",
    "Storage",
    "choose_db_url",
    "db_status_provider",
    "demo_db_url",
    "open_storage",
    "short_error",
]


def short_error(exc: BaseException, limit: int = 160) -> str:
    """First line of an exception message, bounded (driver errors can be paragraphs long)."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


DEMO_DB_FILENAME = "demo.db"
DEMO_DB_NOTICE = "demo (simulator data only)"


def demo_db_url() -> str:
    """SQLite URL of the demo database: ``<user data dir>/upbit-monitor/demo.db``."""
    from upbit_monitor.storage.engine import default_db_path

    return "sqlite:///" + str(default_db_path().with_name(DEMO_DB_FILENAME))


def choose_db_url(args: argparse.Namespace, settings: Settings) -> tuple[str | None, str | None]:
    """The database URL for this run and a notice for the status panel's database line.

    ``--db-url`` always wins. In ``--demo`` without it the simulator's candles (and the spans marked
    "covered" by its REST history) must not land in the user's real database, where a later real
    run would show them as stored history: demo runs get their own file, and
    ``UPBIT_MONITOR_DB_URL`` is ignored for the same reason. Otherwise the settings decide.
    """
    if args.db_url:
        return args.db_url, None
    if args.demo:
        return demo_db_url(), DEMO_DB_NOTICE
    return settings.db_url, None


@dataclass
class Storage:
    """What the app holds of the storage layer (all None when the database is unavailable)."""

    db: Any = None
    writer: Any = None
    error: str | None = None
    url: str = ""


async def open_storage(
    settings: Settings, stack: contextlib.AsyncExitStack, *, fresh_market_data: bool = False
) -> Storage:
    """Open the database and start the stream writer; on any failure return the reason instead.

    ``fresh_market_data`` (the demo database) deletes the candles, trades and book snapshots an earlier
    run stored before anything reads them (:func:`~upbit_monitor.storage.records.clear_market_data`).
    """
    try:
        from upbit_monitor.storage import DbContext, StreamWriter, safe_url, spill_dir_for
        from upbit_monitor.storage.unusable import explain_open_failure
    except Exception as exc:  # storage layer missing or broken: the monitor still works
        return Storage(error=f"storage layer unavailable: {short_error(exc)}")
    try:
        # Opening runs migrations (blocking I/O): keep it off the GUI thread.
        db = await asyncio.to_thread(DbContext.open, settings.db_url)
    except Exception as exc:
        # In plain words on the terminal too: the status panel may not be where the user looks.
        problem = explain_open_failure(settings.db_url, exc)
        log.warning("%s", problem)
        return Storage(error=problem)
    stack.callback(db.close)
    if fresh_market_data:
        from upbit_monitor.storage.records import clear_market_data

        try:
            cleared = await db.run_async(clear_market_data)
        except Exception as exc:  # a stale demo chart is not worth failing the database for
            log.warning("demo database: earlier runs' market data not cleared: %s", short_error(exc))
        else:
            log.info("demo database: %d rows of earlier runs' market data cleared", cleared)
    # Events the database cannot take (locked, disk full, server down) wait in a bounded spill
    # next to it and are replayed when writing works again; stop() logs what could not be saved.
    writer = StreamWriter(db, spill_dir=spill_dir_for(db.engine.url))
    await writer.start()
    stack.push_async_callback(writer.stop)
    return Storage(db=db, writer=writer, url=safe_url(db.url))


VENUES = ("upbit", "bithumb")  # the venues whose market data the writer stores, each by its own listener
# What any writer may store (it filters again by its own ``types``): not the orderbooks and tickers
# that make up most of the traffic, so holding a second or two of events stays small.
STORABLE = frozenset({*CANDLE_TYPES, "trade", "myOrder", "myAsset"})


class EarlyEvents:
    """Holds the manager's events for the storage writer until the database is open.

    The database opens after the window shows (start to first ticker, issue #18) while the feed is
    already running: what arrives in between is kept here, per venue, and handed to the writer
    first, so nothing is missing from the stored data. Bounded: at most ``limit`` events per venue
    (the oldest go first; a count of them is logged) in case storage takes unusually long.
    """

    def __init__(self, mgr: Any, limit: int = 100_000) -> None:
        self._held: dict[str, deque[Any]] = {v: deque(maxlen=limit) for v in VENUES}
        self.dropped = 0
        self._stop = [mgr.add_listener(self._keeper(v), types=STORABLE, venues=(v,)) for v in VENUES]

    def _keeper(self, venue: str) -> Callable[[Any], None]:
        held = self._held[venue]

        def keep(event: Any) -> None:
            if len(held) == held.maxlen:
                self.dropped += 1
            held.append(event)

        return keep

    def held(self, venue: str) -> int:
        """How many events of ``venue`` wait for the writer."""
        return len(self._held[venue])

    def hand_over(self, writer: Any, mgr: Any,
                  stack: contextlib.ExitStack | contextlib.AsyncExitStack) -> None:
        """Stop holding; replay into ``writer`` (None: storage did not open, drop them) and subscribe it.

        Replay and subscription happen in one event-loop turn: no event falls between them.
        """
        for stop in self._stop:
            stop()
        self._stop = []
        if self.dropped:
            log.warning("storage opened late: %d early events were not kept", self.dropped)
        for venue, held in self._held.items():
            if writer is not None:
                on_event = writer.on_event if venue == VENUES[0] else writer.listener(venue)
                for event in held:
                    on_event(event)
                stack.callback(mgr.add_listener(on_event, types=writer.types, venues=(venue,)))
            held.clear()


def db_status_provider(storage: Storage) -> Callable[[], Mapping[str, Any] | None]:
    """A cheap status callable for the status panel (pool counters + writer backlog)."""

    def status() -> Mapping[str, Any] | None:
        if storage.db is None:
            return None
        pool = storage.db.pool_status()
        w = storage.writer.status() if storage.writer is not None else None
        level = getattr(pool.level, "name", str(pool.level)).lower()
        out: dict[str, Any] = {
            "url": storage.url,
            "pool": f"{pool.checked_out}/{pool.capacity} in use ({pool.utilisation * 100:.0f}%, {level})",
        }
        if w is not None:
            out["writer backlog"] = w.backlog
            out["written"] = f"{w.written:,}"
            if w.state != "running":
                out["writer"] = w.state
            if w.spilled:
                out["on disk"] = f"{w.spilled:,}"  # waiting in the spill files
            if w.summary:
                out["problem"] = w.summary  # "database: N events waiting, cause: disk full"
            if w.last_error:
                out["last error"] = w.last_error
            out["alarm"] = w.alarm  # the status panel shows the row in red
        return out

    return status
