"""Candle repository: upsert, range loads and the missing-range computation for chart backfill.

All functions take a :class:`~sqlalchemy.orm.Session` first so they run inside
:meth:`DbContext.run` / ``run_async`` (one transaction each), e.g.::

    rows = await db.run_async(load_candles, "KRW-BTC", "1m", start, end)
    gaps = await db.run_async(missing_ranges, "KRW-BTC", "1m", start, end)
    ...fetch each gap over REST...
    await db.run_async(upsert_candles, fetched)
    await db.run_async(mark_covered, "KRW-BTC", "1m", gap_start, gap_end)

Times are candle *start* times in UTC epoch seconds; ranges are inclusive ``[start, end]``. Every
function takes ``venue`` last (default Upbit): the same code trades on several venues.

**Provisional candles** (revision 0006): a candle that may not hold every trade of its interval
(a live stream candle, or a REST candle whose interval had not closed when it was fetched) is stored
with ``provisional = true``. :func:`missing_ranges` reports provisional candles as missing, so the
chart refetches and replaces them, and a provisional write never overwrites a complete candle.
Only a candle fetched after its interval closed is complete.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import delete, not_, or_, select, update
from sqlalchemy.orm import Session

from upbit_monitor.errors import StorageError
from upbit_monitor.protocol.events import Candle
from upbit_monitor.storage.schema import DEFAULT_VENUE, CandleCoverage, CandleRecord
from upbit_monitor.storage.upsert import dedupe, table, upsert

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CANDLE_KEYS = ("venue", "code", "unit", "start")


class CandleRow(NamedTuple):
    """A stored candle. ``start`` is the candle's UTC start in epoch seconds."""

    code: str
    unit: str
    start: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    value: float
    timestamp: int  # ms of the last update
    venue: str = DEFAULT_VENUE
    provisional: bool = False  # may miss trades of its interval: refetch before trusting it

    @classmethod
    def from_event(
        cls, candle: Candle, venue: str = DEFAULT_VENUE, *, provisional: bool = False
    ) -> CandleRow:
        """Convert a stream (or REST-decoded) :class:`Candle` event of ``venue``."""
        return cls(
            candle.code,
            candle.unit,
            parse_utc(candle.candle_date_time_utc),
            candle.opening_price,
            candle.high_price,
            candle.low_price,
            candle.trade_price,
            candle.candle_acc_trade_volume,
            candle.candle_acc_trade_price,
            candle.timestamp,
            venue,
            provisional,
        )


def parse_utc(text: str) -> int:
    """``"2024-01-02T03:04:05"`` (UTC, as Upbit sends it) -> epoch seconds."""
    # Slicing beats strptime ~5x, and the writer converts every candle event it stores.
    try:
        if len(text) < 19 or text[4] != "-" or text[10] != "T":
            raise ValueError(text)
        return calendar.timegm(
            (int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
             int(text[14:16]), int(text[17:19]), 0, 0, 0)
        )
    except (ValueError, TypeError) as exc:  # TypeError: not a string at all (e.g. null)
        raise StorageError(f"bad candle time {text!r}") from exc


def unit_seconds(unit: str) -> int:
    """Length of a candle unit in seconds: ``"1s"`` -> 1, ``"15m"`` -> 900, ``"1d"`` -> 86400.

    Weeks and months do not start on epoch multiples, so gaps cannot be computed for them.
    """
    count, suffix = unit[:-1], unit[-1:]
    if suffix not in _UNIT_SECONDS or not count.isdigit() or int(count) <= 0:
        raise StorageError(f"unsupported candle unit {unit!r}")
    return int(count) * _UNIT_SECONDS[suffix]


def _as_row(item: CandleRow | Candle, venue: str) -> CandleRow:
    return item if isinstance(item, CandleRow) else CandleRow.from_event(item, venue)


def upsert_candles(
    session: Session,
    candles: Iterable[CandleRow | Candle],
    venue: str = DEFAULT_VENUE,
    *,
    closed_by: float | None = None,
) -> int:
    """Insert or replace candles by (venue, code, unit, start); the last one given wins.

    Accepts :class:`CandleRow` (which carries its venue) or protocol :class:`Candle` events (of
    ``venue``). A candle whose interval ends after *closed_by* (epoch seconds; default: now, when
    the data was just fetched) is stored provisional: only a closed interval is complete. A
    provisional candle never replaces a complete one. Returns the rows sent.
    """
    cutoff = time.time() if closed_by is None else closed_by
    rows = [
        r._replace(provisional=True)
        if not r.provisional and r.start + unit_seconds(r.unit) > cutoff else r
        for r in (_as_row(c, venue) for c in candles)
    ]
    target = table("candles")
    flag = target.c.provisional
    return upsert(
        session, target, dedupe([r._asdict() for r in rows], CANDLE_KEYS), CANDLE_KEYS,
        where=lambda excluded: or_(flag, not_(excluded.provisional)),
    )


def load_candles(
    session: Session, code: str, unit: str, start: int, end: int, venue: str = DEFAULT_VENUE
) -> list[CandleRow]:
    """Stored candles of *code*/*unit* with ``start <= candle start <= end``, oldest first."""
    stmt = (
        select(CandleRecord)
        .where(
            CandleRecord.venue == venue,
            CandleRecord.code == code,
            CandleRecord.unit == unit,
            CandleRecord.start >= start,
            CandleRecord.start <= end,
        )
        .order_by(CandleRecord.start)
    )
    return [_record_to_row(r) for r in session.scalars(stmt)]


def load_latest_candles(
    session: Session, code: str, unit: str, limit: int, venue: str = DEFAULT_VENUE
) -> list[CandleRow]:
    """The newest *limit* stored candles of *code*/*unit*, oldest first."""
    stmt = (
        select(CandleRecord)
        .where(CandleRecord.venue == venue, CandleRecord.code == code, CandleRecord.unit == unit)
        .order_by(CandleRecord.start.desc())
        .limit(limit)
    )
    rows = [_record_to_row(r) for r in session.scalars(stmt)]
    rows.reverse()
    return rows


def _record_to_row(r: CandleRecord) -> CandleRow:
    return CandleRow(
        r.code, r.unit, r.start, r.open, r.high, r.low, r.close, r.volume, r.value, r.timestamp,
        r.venue, r.provisional,
    )


def mark_covered(
    session: Session, code: str, unit: str, start: int, end: int, venue: str = DEFAULT_VENUE
) -> None:
    """Record that every candle of [start, end] is stored (intervals without trades included).

    Call it after storing a complete REST fetch of that span. Overlapping and adjacent coverage
    spans are merged into one row, so the table stays small.
    """
    if end < start:
        return
    step = unit_seconds(unit)
    overlapping = list(
        session.scalars(
            select(CandleCoverage).where(
                CandleCoverage.venue == venue,
                CandleCoverage.code == code,
                CandleCoverage.unit == unit,
                CandleCoverage.start <= end + step,
                CandleCoverage.end >= start - step,
            )
        )
    )
    for span in overlapping:
        start, end = min(start, span.start), max(end, span.end)
    if overlapping:
        session.execute(
            delete(CandleCoverage).where(CandleCoverage.id.in_([s.id for s in overlapping]))
        )
    session.add(CandleCoverage(venue=venue, code=code, unit=unit, start=start, end=end))


def missing_ranges(
    session: Session, code: str, unit: str, start: int, end: int, venue: str = DEFAULT_VENUE
) -> list[tuple[int, int]]:
    """Spans of candle starts in [start, end] that are neither stored complete nor marked covered.

    A provisional candle counts as missing, inside a covered span too (it must be refetched).

    Returned as inclusive ``(first_start, last_start)`` pairs, oldest first, aligned to the unit
    (*start* is rounded up and *end* down to a multiple of the unit). An empty list means the
    chart can draw the whole range from the database.
    """
    step = unit_seconds(unit)
    first = -(-start // step) * step
    last = end // step * step
    if first > last:
        return []
    known: list[tuple[int, int]] = []
    provisional: list[int] = []
    for s, is_provisional in session.execute(
        select(CandleRecord.start, CandleRecord.provisional).where(
            CandleRecord.venue == venue,
            CandleRecord.code == code,
            CandleRecord.unit == unit,
            CandleRecord.start >= first,
            CandleRecord.start <= last,
        )
    ):
        if is_provisional:
            provisional.append(s)
        else:
            known.append((s, s))
    provisional.sort()
    for s, e in session.execute(
        select(CandleCoverage.start, CandleCoverage.end).where(
            CandleCoverage.venue == venue,
            CandleCoverage.code == code,
            CandleCoverage.unit == unit,
            CandleCoverage.start <= last,
            CandleCoverage.end >= first,
        )
    ):
        # A provisional candle inside a covered span is missing all the same: cut it out.
        for p in provisional:
            if s <= p <= e:
                if p - step >= s:
                    known.append((s, p - step))
                s = p + step
        if s <= e:
            known.append((s, e))
    known.sort()
    gaps: list[tuple[int, int]] = []
    cursor = first  # the first candle start not yet known to be present
    for s, e in known:
        if s > cursor:
            gap_end = min(s - step, last)
            if gap_end >= cursor:
                gaps.append((cursor, gap_end))
        cursor = max(cursor, e + step)
        if cursor > last:
            break
    if cursor <= last:
        gaps.append((cursor, last))
    return gaps


def prune_candles(
    session: Session, code: str, unit: str, before: int, venue: str = DEFAULT_VENUE
) -> int:
    """Delete candles of *code*/*unit* starting before *before*; returns rows deleted.

    Coverage spans are trimmed to match, so the pruned range is reported missing again.
    """
    where = (CandleCoverage.venue == venue, CandleCoverage.code == code, CandleCoverage.unit == unit)
    session.execute(delete(CandleCoverage).where(*where, CandleCoverage.end < before))
    session.execute(
        update(CandleCoverage).where(*where, CandleCoverage.start < before).values(start=before)
    )
    result = session.execute(
        delete(CandleRecord).where(
            CandleRecord.venue == venue, CandleRecord.code == code, CandleRecord.unit == unit,
            CandleRecord.start < before,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mark_for_refetch(
    session: Session, code: str, start: int, end: int, venue: str = DEFAULT_VENUE
) -> int:
    """Candles of *code* (every unit) touched by [start, end] (epoch seconds) may miss trades,
    e.g. an outage of the stream: make them provisional and take the span out of the coverage
    records, so :func:`missing_ranges` reports it and the chart refetches it. Returns the number
    of stored candles marked.
    """
    marked = 0
    units = session.scalars(select(CandleRecord.unit).where(
        CandleRecord.venue == venue, CandleRecord.code == code).distinct())
    for unit in {*units, *session.scalars(select(CandleCoverage.unit).where(
            CandleCoverage.venue == venue, CandleCoverage.code == code).distinct())}:
        step = unit_seconds(unit)
        first = start // step * step  # the candle containing start
        result = session.execute(
            update(CandleRecord)
            .where(CandleRecord.venue == venue, CandleRecord.code == code,
                   CandleRecord.unit == unit, CandleRecord.start >= first, CandleRecord.start <= end)
            .values(provisional=True)
        )
        marked += int(getattr(result, "rowcount", 0) or 0)
        spans = list(session.scalars(select(CandleCoverage).where(
            CandleCoverage.venue == venue, CandleCoverage.code == code, CandleCoverage.unit == unit,
            CandleCoverage.start <= end, CandleCoverage.end >= first)))
        for span in spans:
            keep = [(span.start, first - step), (end // step * step + step, span.end)]
            session.delete(span)
            for a, b in keep:
                if b >= a:
                    session.add(CandleCoverage(venue=venue, code=code, unit=unit, start=a, end=b))
    return marked
