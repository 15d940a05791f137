"""storage/migrate.py: an up-to-date database starts without importing Alembic (startup time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from upbit_monitor.storage import migrate


def test_head_read_from_the_files_is_alembics_head() -> None:
    assert migrate.packaged_head() == migrate.head_revision()


def test_an_up_to_date_database_opens_without_alembic(tmp_path: Path) -> None:
    # A fresh interpreter: this test process has imported Alembic long ago.
    url = f"sqlite:///{tmp_path / 'x.db'}"
    probe = (
        "import sys\n"
        "from upbit_monitor.storage import DbContext\n"
        f"DbContext.open({url!r}).close()\n"  # creates the schema: Alembic runs
        "first = 'alembic' in sys.modules\n"
        "for name in [m for m in sys.modules if m == 'alembic' or m.startswith(('alembic.', 'mako'))]:\n"
        "    del sys.modules[name]\n"
        f"DbContext.open({url!r}).close()\n"  # at head: no Alembic
        "print(first, 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         timeout=60).stdout.split()
    assert out == ["True", "False"]
