"""The command line: flags, their checks, ``--help`` (with the environment variables) and ``--version``.

Stdlib only and Qt-free, so ``--help``, ``--version`` and every argument error answer in a few
milliseconds without importing Qt, SQLAlchemy or the app. Bad input never reaches the app as a
traceback: :meth:`Parser.error` prints ONE line and exits with status 2 (argparse's convention).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from upbit_monitor import __version__

# Every variable the app reads, with what it does: printed by --help. tests/test_cli.py checks that
# each UPBIT_MONITOR_* name the package reads is listed here.
ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("UPBIT_MONITOR_DB_URL", "database URL when --db-url is not given (ignored with --demo)"),
    ("UPBIT_MONITOR_WS_URL", "Upbit public WebSocket URL"),
    ("UPBIT_MONITOR_WS_PRIVATE_URL", "Upbit private WebSocket URL (My orders / My assets)"),
    ("UPBIT_MONITOR_WS_INFO_URL", "Upbit server-indicator WebSocket URL"),
    ("UPBIT_MONITOR_REST_URL", "Upbit REST base URL"),
    ("UPBIT_MONITOR_BITHUMB_WS_URL", "Bithumb public WebSocket URL"),
    ("UPBIT_MONITOR_BITHUMB_WS_PRIVATE_URL", "Bithumb private WebSocket URL"),
    ("UPBIT_MONITOR_BITHUMB_REST_URL", "Bithumb REST base URL"),
    ("UPBIT_MONITOR_COALESCE_S", "merge subscription changes within this many seconds (default 0.025)"),
    ("UPBIT_MONITOR_STALE_S", "treat a silent connection as dead after this many seconds (default 60)"),
    ("UPBIT_MONITOR_WS_PER_MINUTE", "pace Upbit WebSocket requests per minute (default 0 = off)"),
    ("UPBIT_MONITOR_ORDERFLOW_MINUTES", "book/trade history kept per coin for a heatmap pane (default 30)"),
    ("UPBIT_MONITOR_ORDERFLOW_RECORD", "1 = record watched coins' books to the database (default off)"),
    ("UPBIT_MONITOR_ORDERFLOW_KEEP_HOURS", "hours of recorded book snapshots kept (default 24)"),
    ("UPBIT_ACCESS_KEY, UPBIT_SECRET_KEY", "Upbit API keys; override the OS keyring, never stored"),
    ("UPBIT_JWT_ALG", "JWT algorithm for those keys (default HS512)"),
    ("BITHUMB_ACCESS_KEY, BITHUMB_SECRET_KEY", "the same for Bithumb (BITHUMB_JWT_ALG likewise)"),
    ("https_proxy, http_proxy, all_proxy, no_proxy", "system proxy (never used for 127.0.0.1)"),
    ("XDG_DATA_HOME", "Linux: where the database and desktop entry go (default ~/.local/share)"),
    ("QT_QPA_PLATFORM", "Qt platform plugin, e.g. offscreen for a machine without a display"),
)


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``upbit-monitor: error: ... (see --help)``, exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print one line (no usage block, no traceback) and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _number(text: str, *, minimum: float, inclusive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):  # nan/inf parse as floats
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    if value < minimum or (value == minimum and not inclusive):
        word = "0 or more" if inclusive else "more than 0"
        raise argparse.ArgumentTypeError(f"must be {word}, got {text}")
    return value


def positive(text: str) -> float:
    """argparse type: a finite number > 0."""
    return _number(text, minimum=0.0, inclusive=False)


def non_negative(text: str) -> float:
    """argparse type: a finite number >= 0."""
    return _number(text, minimum=0.0, inclusive=True)


def build_parser() -> Parser:
    """The parser; ``--help`` lists every flag with its default and the environment variables."""
    epilog = "environment variables:\n" + "\n".join(
        f"  {name:<36}  {meaning}" if len(name) <= 36 else f"  {name}\n  {'':<36}  {meaning}"
        for name, meaning in ENVIRONMENT)
    p = Parser(prog="upbit-monitor", description="Desktop market monitor for Upbit (and Bithumb).",
               epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--demo", action="store_true",
                   help="run against the built-in simulators (Upbit, Bithumb, Binance, Bybit on "
                        "127.0.0.1; no network, no account)")
    p.add_argument("--venue", choices=("upbit", "bithumb"), default=None,
                   help="Korean venue the Markets dock shows first (default: the last one shown)")
    db = p.add_mutually_exclusive_group()
    db.add_argument("--db-url", default=None, metavar="URL",
                    help="SQLAlchemy database URL (default: $UPBIT_MONITOR_DB_URL, else the SQLite file "
                         "upbit-monitor.db in the user data dir; --demo: demo.db there)")
    db.add_argument("--no-db", action="store_true", help="run without the database (nothing is stored)")
    p.add_argument("--light", action="store_true",
                   help="light theme for this run (default: the theme chosen in the View menu, dark)")
    p.add_argument("--settings-file", type=Path, default=None, metavar="INI",
                   help="keep window state in this INI file (default: the user's QSettings); its "
                        "directory must exist")
    p.add_argument("--sim-rate", type=positive, default=300.0, metavar="MSGS",
                   help="with --demo: simulator market messages per second (default: 300)")
    p.add_argument("--quit-after", type=non_negative, default=None, metavar="SECONDS",
                   help="close normally after SECONDS, saving state (default: run until closed)")
    p.add_argument("--screenshot", type=Path, default=None, metavar="PATH",
                   help="render the window to this PNG after --screenshot-delay seconds, then exit "
                        "(default: no screenshot)")
    p.add_argument("--screenshot-delay", type=non_negative, default=6.0, metavar="SECONDS",
                   help="seconds to wait before --screenshot (default: 6)")
    p.add_argument("--install-desktop-entry", action="store_true",
                   help="Linux: add upbit-monitor to the desktop's application menu for this user "
                        "(a .desktop file and icon under $XDG_DATA_HOME), then exit")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging (default: info)")
    return p


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line; a bad argument exits with one line and status 2."""
    return build_parser().parse_args(argv)


def usage_error(message: str) -> NoReturn:
    """Exit like a bad argument (one line, status 2), e.g. for an invalid environment variable."""
    build_parser().error(message)


def settings_file_problem(path: Path) -> str | None:
    """Why window state could not be saved to ``path`` (None: it can).

    Checked before Qt touches the file: QSettings creates missing directories on its first write
    (``--settings-file /nonexistent/dir/x.ini`` made ``/nonexistent/dir`` as root) and fails
    silently on an unwritable file. Neither may happen without the user being told.
    """
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return f"settings file {path} is a directory; settings will not be saved"
    if not parent.is_dir():
        return (f"settings file {path}: the directory {parent} does not exist (it is not created); "
                "settings will not be saved")
    target = path if path.exists() else parent
    if not os.access(target, os.W_OK):
        what = "is not writable" if path.exists() else f"cannot be created in {parent}"
        return f"settings file {path} {what}; settings will not be saved"
    return None



def log_file() -> Path | None:
    """Where the log goes when there is no terminal (None: stderr, the usual case).

    A windowed app on Windows (the PyInstaller bundle, ``pythonw``) has ``sys.stderr = None``:
    logging would drop every record, including the plain-words warnings above. Those runs log to
    ``upbit-monitor.log`` in the platform's user log directory instead.
    """
    if sys.stderr is not None:
        return None
    import platformdirs

    path = Path(platformdirs.user_log_dir("upbit-monitor", appauthor=False)) / "upbit-monitor.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
