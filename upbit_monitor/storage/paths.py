"""The local data directory and its permissions: 0700 directories, 0600 files.

The database holds the user's orders and balance snapshots, and the writer's spill files the same
kind of data, so nothing we create there may be readable by other local users, whatever the umask
(a umask of 022 would make them 0644 in a 0755 directory). :func:`private_dir` and
:func:`private_file` create with the private mode and tighten what already exists, so a data
directory made by an older version is fixed at the next start.

Only paths we own are tightened: the data directory, the SQLite file with its ``-wal``/``-shm``
companions, and the spill directory. The parent of a user-chosen ``--db-url`` file (which may be a
shared directory) is created private when missing but never chmod-ed when it already exists.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "upbit-monitor"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def data_dir() -> Path:
    """The platform user data directory (``~/.local/share/upbit-monitor`` on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _tighten(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & ~mode:
        try:
            os.chmod(path, current & mode)
        except OSError as exc:  # not our file (e.g. created by another user): say so, go on
            log.warning("cannot restrict permissions of %s: %s", path, exc)


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create *path* (and missing parents) mode 0700; with *tighten*, drop group/other bits of an
    existing one. Returns *path*."""
    missing: list[Path] = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            # mkdir's mode is filtered by the umask, hence the explicit chmod.
            d.mkdir(mode=PRIVATE_DIR_MODE)
            os.chmod(d, PRIVATE_DIR_MODE)
    if tighten:
        _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create *path* empty with mode 0600 if missing, else drop its group/other bits."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        _tighten(path, PRIVATE_FILE_MODE)
    else:
        os.close(fd)
        os.chmod(path, PRIVATE_FILE_MODE)  # O_CREAT's mode is filtered by the umask too
    return path


def prepare_sqlite_file(db_path: Path) -> None:
    """Make the SQLite file and its companions private before SQLite opens them.

    SQLite creates ``-wal``/``-shm`` with the permissions of the main file, so creating the main
    file 0600 first keeps the companions private as well; existing ones are tightened. The parent
    directory is created 0700 when missing, and tightened when it is the app's own data directory.
    """
    parent = db_path.parent
    ours = parent.resolve() == data_dir().resolve() if parent.exists() else True
    private_dir(parent, tighten=ours)
    private_file(db_path)
    for suffix in SQLITE_COMPANIONS:
        _tighten(db_path.with_name(db_path.name + suffix), PRIVATE_FILE_MODE)
