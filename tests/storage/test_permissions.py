"""Issue 14 item 7: the data directory is 0700 and our files 0600, whatever the umask; files an
older version left world-readable are tightened at start."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from upbit_monitor.storage import DbContext, StreamWriter, default_db_path
from upbit_monitor.storage.spill import SpillStore

from .factories import make_trade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    return tmp_path / "share" / "upbit-monitor"


@pytest.mark.usefixtures("umask_022")
def test_new_data_dir_and_database_files_are_private(data_home: Path) -> None:
    path = default_db_path()
    assert path.parent == data_home and not data_home.exists()
    db = DbContext.open(f"sqlite:///{path}")
    try:
        db.run(lambda s: None)  # a connection: WAL files exist now
        assert _mode(data_home) == 0o700
        assert _mode(path) == 0o600
        companions = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
        assert all(p.exists() for p in companions)
        assert [_mode(p) for p in companions] == [0o600, 0o600]
    finally:
        db.close()


@pytest.mark.usefixtures("umask_022")
def test_existing_world_readable_files_are_tightened_at_start(data_home: Path) -> None:
    path = default_db_path()
    db = DbContext.open(f"sqlite:///{path}")
    db.run(lambda s: None)
    db.close()
    # What an older version (or umask 022) left behind.
    os.chmod(data_home, 0o755)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p.exists():
            os.chmod(p, 0o644)
    db = DbContext.open(f"sqlite:///{path}")
    try:
        assert _mode(data_home) == 0o700
        assert _mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            p = path.with_name(path.name + suffix)
            if p.exists():
                assert _mode(p) == 0o600
    finally:
        db.close()


@pytest.mark.usefixtures("umask_022")
def test_user_chosen_directory_is_left_alone_but_the_file_is_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    db = DbContext.open(f"sqlite:///{shared / 'mine.db'}")
    try:
        assert _mode(shared) == 0o755  # not ours to change
        assert _mode(shared / "mine.db") == 0o600
        fresh = tmp_path / "new" / "deeper"
        DbContext.open(f"sqlite:///{fresh / 'x.db'}").close()
        assert _mode(fresh) == 0o700 and _mode(fresh.parent) == 0o700  # created by us: private
    finally:
        db.close()


@pytest.mark.usefixtures("umask_022")
def test_spill_directory_and_segments_are_private(tmp_path: Path) -> None:
    store = SpillStore(tmp_path / "spill")
    store.append([("upbit", make_trade(1)), ("upbit", make_trade(2))])
    (segment,) = (tmp_path / "spill").iterdir()
    assert _mode(tmp_path / "spill") == 0o700 and _mode(segment) == 0o600
    os.chmod(segment, 0o644)
    os.chmod(tmp_path / "spill", 0o755)
    assert SpillStore(tmp_path / "spill").scan() == 2  # a later start tightens them
    assert _mode(tmp_path / "spill") == 0o700 and _mode(segment) == 0o600


def test_writer_without_spill_dir_creates_nothing(tmp_path: Path) -> None:
    db = DbContext.open(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        StreamWriter(db)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["w.db", "w.db-shm", "w.db-wal"]
    finally:
        db.close()
