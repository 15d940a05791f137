"""What the storage writer tells the status panel, the status bar and the shutdown report.

Every event the writer accepts ends in exactly one bucket, and the buckets always add up::

    received + restored == written + waiting + rejected + dropped

* ``received``: events accepted by ``on_event`` this session; ``restored``: events a previous run
  left in the spill files, found at start.
* ``written``: committed to the database.
* ``waiting``: not written yet but kept: in memory, in the batch being written, or in the spill
  files on disk (``spilled`` of them). Nothing waiting is lost while the app runs.
* ``rejected``: bad records (a field the database or the converter refuses), skipped one by one
  and reported; retrying cannot fix them.
* ``dropped``: market data discarded past the documented bound (see ``writer.py``); own orders
  and balances are never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

WriterState = Literal["not started", "running", "retrying", "restarting", "stopped"]


@dataclass(slots=True)
class WriterCounters:
    """The writer's running totals and last outcomes, changed under its lock; a
    :class:`WriterStatus` is a frozen copy of them plus the state and the backlog."""

    received: int = 0
    restored: int = 0
    written: int = 0
    rejected: int = 0
    dropped: int = 0
    batches: int = 0
    restarts: int = 0
    retrying: bool = False
    cause: str | None = None
    last_error: str | None = None
    last_rejected: str | None = None
    last_crash: str | None = None
    last_flush: float | None = None
    last_batch_rows: int = 0
    last_batch_s: float = 0.0


@dataclass(frozen=True, slots=True)
class WriterStatus:
    """A consistent snapshot of the writer's counters and state."""

    state: WriterState
    running: bool  # the worker thread is alive
    received: int
    restored: int
    written: int
    waiting: int
    spilled: int  # of ``waiting``: in spill files on disk
    rejected: int
    dropped: int
    batches: int  # committed transactions
    retrying: bool  # the database refused the last write for a cause that may clear
    cause: str | None  # why it refused ("disk full", "database locked"...); None when writable
    last_error: str | None  # the last write error; cleared by the next successful commit
    last_rejected: str | None  # what the last rejected record was and why
    restarts: int  # times the supervisor restarted a dead worker thread
    last_crash: str | None  # why the worker thread last died
    last_flush: float | None  # time.time() of the last commit
    last_batch_rows: int
    last_batch_s: float  # duration of the last commit

    @property
    def backlog(self) -> int:
        """Events not written yet (same as ``waiting``)."""
        return self.waiting

    @property
    def failed(self) -> int:
        """Events that could not be written and are not kept: rejected bad records."""
        return self.rejected

    @property
    def lost(self) -> int:
        """Events that will never reach the database: rejected + dropped."""
        return self.rejected + self.dropped

    @property
    def balanced(self) -> bool:
        """The bookkeeping identity of the module docstring holds."""
        return self.received + self.restored == self.written + self.waiting + self.lost

    @property
    def alarm(self) -> bool:
        """Something the user must see in red: the writer is not running or cannot write."""
        return self.state in ("restarting", "retrying") or (
            self.state == "stopped" and (self.waiting > 0 or self.lost > 0)
        )

    @property
    def summary(self) -> str | None:
        """One line for the status bar/panel, or None when all is well."""
        if self.state == "restarting":
            return f"storage writer stopped ({self.last_crash or 'unknown error'}); restarting"
        parts: list[str] = []
        if self.retrying:
            parts.append(f"database: {self.waiting:,} events waiting, cause: {self.cause}")
        elif self.state == "stopped" and self.waiting:
            parts.append(f"database: {self.waiting:,} events not saved")
        if self.lost:
            parts.append(f"{self.lost:,} lost ({self.rejected:,} bad records, "
                         f"{self.dropped:,} dropped past the bound)")
        return "; ".join(parts) or None
