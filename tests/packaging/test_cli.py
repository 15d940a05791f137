"""The command line (#18): --help, --version, one-line errors with status 2, the settings-file check."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import upbit_monitor
from upbit_monitor import __version__
from upbit_monitor.cli import build_parser, parse_args, settings_file_problem

PACKAGE = Path(upbit_monitor.__file__).parent


def help_text() -> str:
    return build_parser().format_help()


def test_help_describes_every_flag_with_its_default() -> None:
    text = help_text()
    for action in build_parser()._actions:
        for option in action.option_strings:
            assert option in text
        takes_value = action.nargs != 0 and action.option_strings and action.dest != "help"
        if takes_value and action.dest != "version":
            assert action.help and "default" in action.help, action.dest
    assert "--screenshot-delay SECONDS" in text
    assert "(default: 6)" in text


def test_help_lists_every_environment_variable_the_package_reads() -> None:
    text = help_text()
    read = set()
    for source in PACKAGE.rglob("*.py"):
        if "sim" in source.relative_to(PACKAGE).parts:
            continue  # the simulator's own CLI (python -m upbit_monitor.sim) documents its variables
        read |= set(re.findall(r"UPBIT_MONITOR_[A-Z_]*[A-Z]", source.read_text(encoding="utf-8")))
    assert read, "the scan found nothing: the pattern is wrong"
    missing = sorted(name for name in read if name not in text)
    assert not missing
    for name in ("UPBIT_ACCESS_KEY", "BITHUMB_ACCESS_KEY", "no_proxy", "XDG_DATA_HOME"):
        assert name in text


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_args(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"upbit-monitor {__version__}"


@pytest.mark.parametrize(("argv", "words"), [
    (["--sim-rate", "-5"], "argument --sim-rate: must be more than 0, got -5"),
    (["--sim-rate", "0"], "must be more than 0"),
    (["--sim-rate", "fast"], "must be a number, got 'fast'"),
    (["--sim-rate", "nan"], "must be a finite number"),
    (["--quit-after", "-1"], "argument --quit-after: must be 0 or more"),
    (["--screenshot-delay", "-2"], "argument --screenshot-delay: must be 0 or more"),
    (["--venue", "binance"], "invalid choice: 'binance'"),
    (["--no-db", "--db-url", "sqlite://"], "not allowed with argument"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_argument_is_one_line_and_status_2(argv: list[str], words: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_args(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("upbit-monitor: error: ")
    assert words in err


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run([sys.executable, "-m", "upbit_monitor", *args], capture_output=True, text=True,
                          env=full_env, timeout=60, check=False)


def test_bad_argument_and_bad_environment_exit_2_without_traceback() -> None:
    # The whole entry point, as a user runs it: no ConfigError traceback from the simulator any more.
    bad_arg = _run(["--demo", "--sim-rate", "-5"])
    bad_env = _run(["--demo"], env={"UPBIT_MONITOR_STALE_S": "-1"})
    for proc in (bad_arg, bad_env):
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert "UPBIT_MONITOR_STALE_S must be positive" in bad_env.stderr


def test_settings_file_in_a_missing_directory_is_reported_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "x.ini"
    problem = settings_file_problem(path)
    assert problem is not None
    assert "does not exist" in problem and "settings will not be saved" in problem
    assert not path.parent.exists()


def test_settings_file_under_a_regular_file_or_a_directory_is_reported(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    assert "does not exist" in (settings_file_problem(tmp_path / "plain" / "x.ini") or "")
    assert "is a directory" in (settings_file_problem(tmp_path) or "")


def test_unwritable_settings_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = tmp_path / "s.ini"
    existing.write_text("[General]\n")
    # As root every file is writable, so the permission answer is simulated.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert "is not writable" in (settings_file_problem(existing) or "")
    assert "cannot be created in" in (settings_file_problem(tmp_path / "new.ini") or "")


def test_writable_settings_file_is_fine(tmp_path: Path) -> None:
    assert settings_file_problem(tmp_path / "new.ini") is None
    assert settings_file_problem(Path("relative-name.ini")) is None


def test_log_goes_to_a_file_only_without_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from upbit_monitor.cli import log_file

    assert log_file() is None
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))  # platformdirs' user log dir on Linux
    monkeypatch.setattr(sys, "stderr", None)
    path = log_file()
    assert path is not None and path.name == "upbit-monitor.log" and path.parent.is_dir()
    assert tmp_path in path.parents
