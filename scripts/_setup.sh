# Shared setup, sourced by scripts/run and scripts/test. Idempotent: safe to run every time.
# - as root on Debian/Ubuntu: installs the apt packages Qt needs (no-ops when already present)
# - creates .venv with a Python >= 3.11 and installs the project with its test extras
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

apt_install() {
    # Only as root on apt systems; a normal desktop already has these libraries.
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        local missing=()
        for p in "$@"; do
            dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
        done
        if [ "${#missing[@]}" -gt 0 ]; then
            echo "==> apt-get install ${missing[*]}"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        fi
    fi
}

# Offscreen Qt (tests, CI) needs these; a real window (xcb) needs the second group too (stack-notes).
QT_APT=(libgl1 libegl1 libglib2.0-0 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core fonts-nanum
        libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0)

pick_python() {
    for c in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [ -n "$c" ] || continue
        if command -v "$c" >/dev/null 2>&1 &&
           "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$c"; return 0
        fi
    done
    echo "need Python >= 3.11 (set PYTHON=/path/to/python)" >&2
    return 1
}

setup_venv() {
    local extras="$1"
    if [ ! -x .venv/bin/python ]; then
        local py; py="$(pick_python)"
        if ! "$py" -m venv .venv 2>/dev/null; then
            apt_install python3-venv
            "$py" -m venv .venv
        fi
    fi
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    echo "==> pip install -e .[$extras]"
    .venv/bin/python -m pip install -q -e ".[$extras]"
}
