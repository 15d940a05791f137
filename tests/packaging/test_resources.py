"""Run-time files come from the package (importlib.resources), so a wheel or bundle has them too."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize

from upbit_monitor.desktop import desktop_entry, exec_value, install_desktop_entry, launch_command
from upbit_monitor.resources import APP_ID, ICON_SIZES, resource, resource_bytes
from upbit_monitor.ui.common.app_icon import app_icon
from upbit_monitor.ui.common.theme import style_sheet


def test_both_themes_load_from_the_package() -> None:
    for dark in (True, False):
        qss = style_sheet(dark)
        assert "QWidget" in qss or "QMainWindow" in qss


def test_the_theme_is_inside_the_package_directory() -> None:
    # The old lookup (Path(__file__).parents[3] / "resources") only worked from a checkout.
    qss = resource("styles/dark.qss")
    assert isinstance(qss, Path) and "upbit_monitor" in qss.parts and qss.is_file()


def test_app_icon_has_every_size(qapp) -> None:
    icon = app_icon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert sizes == {(n, n) for n in ICON_SIZES}
    assert icon.pixmap(QSize(32, 32)).width() == 32


def test_desktop_entry_installs_for_the_user_only(tmp_path: Path) -> None:
    done = install_desktop_entry(tmp_path, command=("/opt/x/upbit-monitor",))
    assert done.entry == tmp_path / "applications" / f"{APP_ID}.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(done.entry, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Exec"] == "/opt/x/upbit-monitor"
    assert entry["Icon"] == APP_ID and entry["StartupWMClass"] == APP_ID
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    png = tmp_path / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png"
    assert png.read_bytes() == resource_bytes(f"icons/{APP_ID}-256.png")
    assert (tmp_path / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert len(done.icons) == len(ICON_SIZES) + 1


def test_launch_command_is_an_absolute_runnable_path() -> None:
    argv = launch_command()
    assert Path(argv[0]).is_absolute() and Path(argv[0]).exists()
    assert "Exec=" + exec_value(argv) in desktop_entry(argv)


def test_exec_quoting_follows_the_desktop_entry_spec() -> None:
    assert exec_value(("/opt/x/upbit-monitor",)) == "/opt/x/upbit-monitor"
    assert exec_value(("/usr/bin/python3", "-m", "upbit_monitor")) == "/usr/bin/python3 -m upbit_monitor"
    assert exec_value(("/home/a b/bin/upbit-monitor",)) == '"/home/a b/bin/upbit-monitor"'
    # $ is escaped as \$ inside the quotes, and the string rule doubles that backslash in the file.
    assert exec_value(("/x/$HOME/100%",)) == '"/x/' + "\\" * 2 + '$HOME/100%%"'


def test_desktop_entry_passes_the_freedesktop_validator(tmp_path: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:  # scripts/test installs desktop-file-utils on Debian CI machines
        pytest.skip("desktop-file-validate (desktop-file-utils) is not installed")
    path = tmp_path / f"{APP_ID}.desktop"
    path.write_text(desktop_entry(("/opt/upbit monitor/$bin/upbit-monitor", "-x")), encoding="utf-8")
    proc = subprocess.run([validator, str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_korean_fonts_follow_the_platform_font(qapp) -> None:
    from upbit_monitor.ui.common.fonts import KOREAN_FAMILIES, apply_korean_fonts, installed_korean_family

    before = qapp.font()
    try:
        apply_korean_fonts(qapp)
        families = qapp.font().families()
        assert families[0] == before.family()
        assert [f for f in families if f in KOREAN_FAMILIES] == [
            f for f in KOREAN_FAMILIES if f != before.family()]
        # The CI machines install fonts-nanum (scripts/_setup.sh): Hangul has a real Korean face there.
        assert installed_korean_family() is not None
    finally:
        qapp.setFont(before)


def test_install_desktop_entry_flag_writes_under_xdg_data_home_and_exits(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "upbit_monitor", "--install-desktop-entry"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    entry = tmp_path / "applications" / f"{APP_ID}.desktop"
    assert str(entry) in proc.stdout
    exec_line = next(line for line in entry.read_text("utf-8").splitlines() if line.startswith("Exec="))
    assert Path(shlex.split(exec_line[5:])[0]).exists()  # this interpreter or the installed script
