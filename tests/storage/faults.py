"""Write faults for the storage tests: a real read-only transaction, an OSError at the driver
boundary, a small tmpfs that fills up for real.

* :class:`ReadOnly` makes every transaction of an engine read-only on the server side while it
  is on (SQLite ``PRAGMA query_only``, PostgreSQL ``SET TRANSACTION READ ONLY``): the database
  itself refuses the writes, with its own error.
* :class:`DriverOSError` raises ``OSError(errno)`` where the DBAPI cursor would execute a write:
  the disk-full fault on PostgreSQL (and on machines where tmpfs cannot be mounted).
* :func:`small_tmpfs` mounts a tmpfs of a given size (root with CAP_SYS_ADMIN only); a test that
  gets :class:`TmpfsUnavailable` falls back to :class:`DriverOSError`.
"""

from __future__ import annotations

import contextlib
import errno as errno_mod
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event


class ReadOnly:
    """Toggle server-side read-only transactions on *engine*."""

    def __init__(self, engine: sa.Engine) -> None:
        self.on = False
        self._sqlite = engine.dialect.name == "sqlite"
        event.listen(engine, "begin", self._begin)

    def _begin(self, conn: sa.Connection) -> None:
        raw: Any = conn.connection.driver_connection
        if self._sqlite:
            raw.execute(f"PRAGMA query_only={1 if self.on else 0}")
        elif self.on:
            raw.execute("SET TRANSACTION READ ONLY")  # the first statement of the transaction


class DriverOSError:
    """While on, every INSERT/UPDATE/DELETE raises ``OSError(code)`` below SQLAlchemy."""

    def __init__(self, engine: sa.Engine, code: int = errno_mod.ENOSPC) -> None:
        self.on = False
        self.code = code
        self.raised = 0
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.on and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.raised += 1
            raise OSError(self.code, os.strerror(self.code))


class TmpfsUnavailable(Exception):
    """tmpfs cannot be mounted here (not root, or no CAP_SYS_ADMIN)."""


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of *size* (``"1m"``) on *path* for the duration of the block."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or os.environ.get("UPBIT_MONITOR_TEST_NO_TMPFS"):
        raise TmpfsUnavailable("not root (or UPBIT_MONITOR_TEST_NO_TMPFS set)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise TmpfsUnavailable(done.stderr.decode(errors="replace").strip())
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def resize_tmpfs(path: Path, size: str) -> None:
    """Grow (or shrink) a mounted tmpfs: the "disk full" cause clears."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True, capture_output=True)
