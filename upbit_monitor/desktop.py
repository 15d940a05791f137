"""Opt-in desktop integration on Linux: ``upbit-monitor --install-desktop-entry``.

Writes a freedesktop ``.desktop`` file and the app icon for the current user only
(``$XDG_DATA_HOME/applications`` and ``$XDG_DATA_HOME/icons/hicolor``, ``~/.local/share`` by default),
so the app appears in the desktop's application menu and its windows get the icon in the taskbar
(the entry's ``StartupWMClass`` and Qt's desktop file name both say ``upbit-monitor``). Nothing is
installed system-wide and nothing happens unless the user asks: a pip install must not touch the
desktop. Windows and macOS get their icon from the bundle (scripts/bundle) instead.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from upbit_monitor.resources import APP_ID, ICON_SIZES, resource_bytes


@dataclass(frozen=True, slots=True)
class Installed:
    """What :func:`install_desktop_entry` wrote."""

    entry: Path
    icons: tuple[Path, ...]
    command: tuple[str, ...]


def launch_command() -> tuple[str, ...]:
    """The command the menu entry runs (argv): this very installation, by absolute path.

    A PyInstaller bundle runs its own executable; a pip/pipx install its console script; a checkout
    (``python main.py``) the interpreter with ``-m upbit_monitor``. An absolute path keeps the entry
    working when the menu's PATH lacks ``~/.local/bin`` (common on login shells).
    """
    if getattr(sys, "frozen", False):
        return (sys.executable,)
    script = Path(sys.executable).with_name(APP_ID)
    found = str(script) if script.is_file() else shutil.which(APP_ID)
    if found:
        return (str(Path(found).resolve()),)
    return (sys.executable, "-m", "upbit_monitor")


# Characters the Desktop Entry Specification reserves in Exec arguments (they need double quotes).
_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def exec_value(argv: tuple[str, ...]) -> str:
    """An ``Exec=`` value for ``argv`` (spec 1.4, "The Exec key"): not shell quoting.

    ``%`` is doubled (field codes); an argument with a reserved character is put in double quotes
    with ``"`` `` ` `` ``$`` ``\\`` backslash-escaped; then the string-value rule doubles every
    backslash again (a literal backslash becomes four).
    """
    out = []
    for arg in argv:
        arg = arg.replace("%", "%%")
        if any(c in _RESERVED for c in arg):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        out.append(arg.replace("\\", "\\\\"))
    return " ".join(out)


def desktop_entry(argv: tuple[str, ...]) -> str:
    """The text of ``upbit-monitor.desktop`` (Desktop Entry Specification 1.4: desktop-file-validate
    in Debian 12 rejects Version=1.5, and nothing of 1.5 is used)."""
    return "\n".join((
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=Upbit Monitor",
        "Name[ko]=업비트 모니터",
        "GenericName=Market monitor",
        "Comment=Live Upbit and Bithumb markets: orderbook, trades, charts, premium",
        f"Exec={exec_value(argv)}",
        f"TryExec={argv[0].replace(chr(92), chr(92) * 2)}",  # a path, string escaping only
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Office;Finance;",
        "Keywords=upbit;bithumb;crypto;orderbook;chart;업비트;",
        f"StartupWMClass={APP_ID}",
        "",
    ))


def install_desktop_entry(data_home: Path | None = None,
                          command: tuple[str, ...] | None = None) -> Installed:
    """Write the entry and the icons under ``data_home`` (default: the user's XDG data dir)."""
    base = data_home or Path(platformdirs.user_data_dir())
    cmd = command or launch_command()
    icons: list[Path] = []
    hicolor = base / "icons" / "hicolor"
    for size in ICON_SIZES:
        target = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        icons.append(_write(target, resource_bytes(f"icons/{APP_ID}-{size}.png")))
    icons.append(_write(hicolor / "scalable" / "apps" / f"{APP_ID}.svg",
                        resource_bytes(f"icons/{APP_ID}.svg")))
    entry = _write(base / "applications" / f"{APP_ID}.desktop", desktop_entry(cmd).encode("utf-8"))
    return Installed(entry=entry, icons=tuple(icons), command=cmd)


def _write(path: Path, data: bytes) -> Path:
    # These are the user's own XDG directories (standard, shared by every desktop app), so creating
    # them is the expected effect of the flag, unlike --settings-file's directory.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def run_install() -> int:
    """``--install-desktop-entry``: install, say where, exit status (1 off Linux or on failure)."""
    if not sys.platform.startswith("linux"):
        print("upbit-monitor: error: --install-desktop-entry is for Linux desktops; on Windows and "
              "macOS use the bundled app (README, Install)", file=sys.stderr)
        return 1
    try:
        done = install_desktop_entry()
    except OSError as exc:
        print(f"upbit-monitor: error: could not install the desktop entry: {exc}", file=sys.stderr)
        return 1
    print(f"installed {done.entry} (runs: {' '.join(done.command)}) and {len(done.icons)} icons under "
          f"{done.icons[0].parents[2]}")
    return 0
