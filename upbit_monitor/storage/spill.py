"""The writer's spill: stream events kept on disk while the database cannot take them.

When the database refuses writes for a while (locked, disk full, read-only, server down), the
:class:`~upbit_monitor.storage.writer.StreamWriter` keeps events in memory up to its memory bound
and moves the oldest market events beyond it into this store: an append-only sequence of segment
files in the data directory (``<data dir>/spill/spill-<seq>-<count>.jsonl``, one JSON array per
event). Each segment is written whole to a temporary name and renamed into place, so a crash or a
full disk never leaves half a segment behind: a chunk is either on disk completely or still in
memory. Segments are read back oldest first once writing works again (also at the next start,
when a previous run could not save them), deleted, and replayed from memory.

The store is bounded by ``max_bytes``. Past the bound the writer drops the *oldest* segment: its
market data is lost (and counted), its own-account events (``myOrder``/``myAsset``) are handed
back to be kept in memory, because the user's orders are never dropped.

Files are created 0600 in a 0700 directory: they hold the user's orders and balances.
"""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import orjson
from msgspec.structs import astuple

from upbit_monitor.errors import StorageError
from upbit_monitor.protocol.events import AssetBalance, Candle, Event, MyAsset, MyOrder, Trade, event_class
from upbit_monitor.storage.paths import PRIVATE_FILE_MODE, private_dir

Entry = tuple[str, Event]  # (venue, event), as the writer queues them

log = logging.getLogger(__name__)

_SEGMENT = re.compile(r"^spill-(\d{8})-(\d+)\.jsonl$")
_KINDS: dict[str, type[Any]] = {"Candle": Candle, "Trade": Trade, "MyOrder": MyOrder, "MyAsset": MyAsset}
DEFAULT_SPILL_BYTES = 256 * 1024 * 1024


class Segment(NamedTuple):
    """One spill file on disk."""

    path: Path
    seq: int
    events: int  # events in the file
    size: int  # bytes


def _enc(value: Any) -> Any:
    # Decimals (private amounts) keep their exact text; JSON numbers would go through float.
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, tuple):
        return [_enc(v) for v in value]
    if isinstance(value, msgspec.Struct):  # a nested event struct (AssetBalance): its fields in order
        return [_enc(v) for v in astuple(value)]
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict) and "$d" in value:
        return Decimal(value["$d"])
    return value


def encode_event(entry: Entry) -> bytes:
    """One spill line: ``["Candle", "upbit", field, ...]``. TypeError for unserialisable data."""
    venue, event = entry
    kind = event_class(event).__name__  # decoded events are wire subclasses of the public class
    return orjson.dumps([kind, venue, *(_enc(v) for v in astuple(event))]) + b"\n"


def decode_event(line: bytes) -> Entry:
    """The entry of one spill line (inverse of :func:`encode_event`); ValueError if it is not one."""
    try:
        kind, venue, *fields = orjson.loads(line)
        if not isinstance(venue, str):
            raise TypeError("venue is not a string")
        cls = _KINDS[kind]
        values = [_dec(v) for v in fields]
        if cls is MyAsset:
            values[2] = tuple(AssetBalance(c, _dec(b), _dec(lk)) for c, b, lk in values[2])
        event: Event = cls(*values)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a spill record: {exc}") from exc
    return venue, event


class SpillStore:
    """Append-only segment files of events, oldest first, bounded by ``max_bytes``.

    Not thread-safe on its own: the writer calls it from its worker thread only.
    """

    def __init__(self, directory: Path, max_bytes: int = DEFAULT_SPILL_BYTES) -> None:
        if max_bytes <= 0:
            raise StorageError("spill max_bytes must be positive")
        self.directory = directory
        self.max_bytes = max_bytes
        self._segments: deque[Segment] = deque()
        self._next_seq = 1

    # -- bookkeeping ---------------------------------------------------------------------------

    def scan(self) -> int:
        """Find the segments a previous run left; returns how many events they hold.

        Leftover temporary files (a crash while writing a segment) never held committed data and
        are removed.
        """
        self._segments.clear()
        if not self.directory.is_dir():
            return 0
        private_dir(self.directory)
        found: list[Segment] = []
        for entry in self.directory.iterdir():
            if entry.name.endswith(".tmp"):
                entry.unlink(missing_ok=True)
                continue
            m = _SEGMENT.match(entry.name)
            if m is None:
                continue
            os.chmod(entry, PRIVATE_FILE_MODE)
            found.append(Segment(entry, int(m.group(1)), int(m.group(2)), entry.stat().st_size))
        found.sort(key=lambda s: s.seq)
        self._segments.extend(found)
        self._next_seq = (found[-1].seq + 1) if found else 1
        return self.events

    @property
    def events(self) -> int:
        """Events in all segments on disk."""
        return sum(s.events for s in self._segments)

    @property
    def size(self) -> int:
        """Bytes of all segments on disk."""
        return sum(s.size for s in self._segments)

    @property
    def segments(self) -> int:
        """Number of segment files."""
        return len(self._segments)

    # -- writing -------------------------------------------------------------------------------

    def append(self, events: Sequence[Entry]) -> tuple[int, list[Entry]]:
        """Write *events* as one new segment (whole or not at all).

        Returns ``(written, unencodable)``: events that cannot be serialised are left out and
        returned (the caller counts them as rejected). Raises OSError when the segment could not
        be written (disk full, read-only, permissions); then nothing of it is on disk.
        """
        lines: list[bytes] = []
        bad: list[Entry] = []
        for event in events:
            try:
                lines.append(encode_event(event))
            except TypeError:
                bad.append(event)
        if not lines:
            return 0, bad
        private_dir(self.directory)
        seq = self._next_seq
        final = self.directory / f"spill-{seq:08d}-{len(lines)}.jsonl"
        tmp = final.with_name(final.name + ".tmp")
        data = b"".join(lines)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        self._next_seq = seq + 1
        self._segments.append(Segment(final, seq, len(lines), len(data)))
        return len(lines), bad

    def over_bound(self, extra: int = 0) -> bool:
        """True when the segments (plus *extra* bytes about to be added) exceed ``max_bytes``."""
        return self.size + extra > self.max_bytes

    # -- reading -------------------------------------------------------------------------------

    def take_oldest(self) -> tuple[list[Entry], int]:
        """Read and delete the oldest segment; returns its events and the count it was written with.

        The events are then the caller's (replayed from memory, or dropped past the bound).
        Undecodable lines of a damaged file are skipped: ``count - len(events)`` were lost.
        """
        if not self._segments:
            return [], 0
        seg = self._segments.popleft()
        try:
            raw = seg.path.read_bytes()
        except OSError as exc:  # vanished or unreadable: its events are lost, and counted
            log.error("cannot read spill segment %s: %s", seg.path.name, exc)
            raw = b""
        out: list[Entry] = []
        for line in raw.splitlines():
            try:
                out.append(decode_event(line))
            except ValueError:
                pass
        if len(out) != seg.events:
            log.error("spill segment %s was damaged: %d of %d events unreadable",
                      seg.path.name, seg.events - len(out), seg.events)
        seg.path.unlink(missing_ok=True)
        return out[: seg.events], seg.events
