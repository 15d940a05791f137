"""CI check of what users install: sdist -> wheel -> a fresh venv outside the checkout -> the app runs.

Usage: ``.venv/bin/python scripts/check_install.py [--python PY] [--keep DIR]`` (called by scripts/test).

1. ``python -m build`` makes the sdist and then the wheel FROM the sdist, so a file missing from
   either fails here, not on a user's machine.
2. Every file tracked by git under ``upbit_monitor/`` (or, without git, every file there but
   caches) must be in the wheel: migrations, QSS themes, icons.
3. A new venv in a temporary directory gets the wheel (dependencies from the index / pip cache),
   never the checkout: the runs below happen from another directory with a clean ``PYTHONPATH``.
4. ``upbit-monitor --version``, a resource probe, then ``upbit-monitor --demo --quit-after 5``
   offscreen: exit 0, no traceback, no "missing from the installed package" error, and the demo
   database created under the user data dir (``$XDG_DATA_HOME/upbit-monitor/demo.db``).

Prints the wheel and sdist sizes and the timings (README, Install).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "upbit_monitor"
# Run inside the installed venv: every packaged resource the app reads must load.
PROBE = """
from upbit_monitor.ui.common.theme import style_sheet
from upbit_monitor.ui.common.app_icon import app_icon
from upbit_monitor.storage.migrate import MIGRATIONS_DIR
from PySide6.QtWidgets import QApplication
import upbit_monitor
app = QApplication([])
assert "site-packages" in upbit_monitor.__file__, upbit_monitor.__file__  # the wheel, not the checkout
assert style_sheet(True) and style_sheet(False), "a QSS theme is missing"
assert not app_icon().isNull(), "the icons are missing"
assert (MIGRATIONS_DIR / "env.py").is_file() and list((MIGRATIONS_DIR / "versions").glob("*.py"))
print("resources ok:", upbit_monitor.__file__)
"""


def fail(message: str) -> None:
    """Stop the check with a one-line reason (non-zero exit)."""
    raise SystemExit(f"check_install: FAILED: {message}")


def tracked_package_files() -> set[str]:
    """Files under upbit_monitor/ that a wheel must carry (posix paths relative to the checkout)."""
    try:
        out = subprocess.run(["git", "ls-files", PACKAGE], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
        files = {line for line in out.splitlines() if line}
    except (OSError, subprocess.CalledProcessError):
        files = set()
    if not files:  # not a git checkout (an unpacked sdist): take the tree as it is
        files = {p.relative_to(ROOT).as_posix() for p in (ROOT / PACKAGE).rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    return {f for f in files if (ROOT / f).is_file()}  # tracked but deleted in the work tree


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command, print it, fail the check with its output when it fails."""
    print("+", " ".join(c if "\n" not in c else "<script>" for c in cmd), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        fail(f"{cmd[0]} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def build(dist: Path) -> tuple[Path, Path]:
    """sdist, then the wheel built from that sdist."""
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)])
    wheels, sdists = list(dist.glob("*.whl")), list(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        fail(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
    return wheels[0], sdists[0]


def check_contents(wheel: Path) -> int:
    """Every tracked package file is in the wheel; returns how many were checked."""
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(f for f in tracked_package_files() if f not in names)
    if missing:
        fail(f"{len(missing)} package file(s) missing from the wheel (package-data in pyproject.toml?): "
             + ", ".join(missing[:20]))
    return len(names)


def smoke(venv: Path, home: Path) -> None:
    """The installed app, offscreen, from a directory that is not the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               NO_PROXY="127.0.0.1,localhost", HOME=str(home))
    exe = venv / "bin" / "upbit-monitor"
    version = run([str(exe), "--version"], cwd=home, env=env).stdout.strip()
    print(version)
    print(run([str(venv / "bin" / "python"), "-c", PROBE], cwd=home, env=env).stdout.strip())
    started = time.monotonic()
    proc = run([str(exe), "--demo", "--quit-after", "5"], cwd=home, env=env, timeout=120)
    took = time.monotonic() - started
    log = proc.stdout + proc.stderr
    for bad in ("Traceback", "missing from the installed package"):
        if bad in log:
            fail(f"'{bad}' in the output of the installed app:\n{log[-4000:]}")
    demo_db = home / "data" / "upbit-monitor" / "demo.db"
    if not demo_db.is_file():
        fail(f"the demo database was not created at {demo_db}")
    print(f"installed app: --demo --quit-after 5 exited 0 in {took:.1f} s; {demo_db} "
          f"{demo_db.stat().st_size // 1024} KiB")


def main() -> None:
    """Build, check contents, install into a fresh venv, smoke-run."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", default=sys.executable, help="interpreter of the fresh venv")
    ap.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="upbit-monitor-install-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        wheel, sdist = build(work / "dist")
        t_build = time.monotonic() - t0
        n = check_contents(wheel)
        print(f"wheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB, {n} files; "
              f"sdist {sdist.stat().st_size / 1024:.0f} KiB; built in {t_build:.1f} s")
        venv = work / "venv"
        t1 = time.monotonic()
        run([args.python, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=work)
        print(f"fresh venv + pip install of the wheel: {time.monotonic() - t1:.1f} s")
        home = work / "home"
        home.mkdir()
        smoke(venv, home)
    print("check_install: OK")


if __name__ == "__main__":
    main()
