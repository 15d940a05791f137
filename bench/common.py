"""Shared helpers of the bench scripts: headers, percentiles, tables, a simulator subprocess, RSS.

Not a benchmark itself. Every script states the machine (CPU count) and the date in its header, so
a figure copied into the README carries both.
"""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# BENCH_APP_TREE: measure another checkout's app code with this harness (bench/side_by_side.py).
ROOT = Path(os.environ.get("BENCH_APP_TREE") or Path(__file__).resolve().parent.parent)
HARNESS = Path(__file__).resolve().parent  # this bench/ directory
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Offscreen Qt and no proxy for loopback, before anything imports PySide6 or websockets.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


def header(title: str, extra: str = "") -> str:
    """One line naming the benchmark, date (UTC), machine and Python."""
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    line = (
        f"{title}: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared; load average "
        f"{load} at the end), Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )
    return f"{line}. {extra}".rstrip() if extra else line + "."


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``; NaN if empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[bool] | None = None
) -> str:
    """A Markdown table; ``right`` marks right-aligned (numeric) columns."""
    right = right if right is not None else [i > 0 for i in range(len(columns))]
    out = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return "\n".join(out)


def rss_mb() -> float:
    """Resident set size of this process in MB (from /proc; no psutil)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # fallback: peak, not current

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def until(pred: Callable[[], bool], limit_s: float = 10.0, what: str = "condition",
                step_s: float = 0.005) -> None:
    """Wait for ``pred()`` while the loop keeps running; raise TimeoutError after ``limit_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not pred():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(step_s)


@dataclass
class SimProcess:
    """The simulator in its own process (bench/sim_proc.py), so its CPU is not counted as ours."""

    proc: subprocess.Popen[str]
    port: int
    ready_at: float  # wall clock (time.time()) when the child reported it was listening

    @property
    def ws_url(self) -> str:
        """Public WebSocket URL."""
        return f"ws://127.0.0.1:{self.port}/websocket/v1"

    @property
    def ws_private_url(self) -> str:
        """Private WebSocket URL."""
        return f"ws://127.0.0.1:{self.port}/websocket/v1/private"

    def kill(self) -> None:
        """SIGKILL (no close frames: the client sees the TCP connection die)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_pipes()


async def start_sim(*, port: int = 0, msg_rate: float = 300.0, seed: int = 1, bursty: bool = True,
                    timeout_s: float = 20.0) -> SimProcess:
    """Start bench/sim_proc.py and wait (without blocking the loop) for its READY line."""
    # The harness's own simulator, also when measuring another checkout (one exchange for both sides).
    cmd = [sys.executable, str(HARNESS / "sim_proc.py"), "--port", str(port),
           "--msg-rate", str(msg_rate), "--seed", str(seed)]
    if not bursty:
        cmd.append("--steady")
    # A plain Popen (not asyncio subprocesses): qasync loops have no child watcher.
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,  # noqa: ASYNC220
                            cwd=ROOT)
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), timeout_s)
    if not line.startswith("READY"):
        proc.kill()
        raise RuntimeError(f"simulator process failed to start: {line!r}")
    _, port_s, at = line.split()
    return SimProcess(proc, int(port_s), float(at))


def process_cpu() -> float:
    """CPU seconds (user + system) of this process, all threads."""
    return time.process_time()


def run_qt(main: Callable[[], object]) -> object:
    """Run coroutine function ``main`` on a qasync loop with an offscreen QApplication (as the app does)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        return runner.run(main())  # type: ignore[arg-type]


def summary_line(metric: str, value: str, target: str, met: bool | None) -> str:
    """A hidden line bench/run_all.py collects into the summary table (invisible in Markdown)."""
    import json

    data = {"metric": metric, "value": value, "target": target, "met": met}
    return f"<!-- summary {json.dumps(data, ensure_ascii=False)} -->"


def sim_catalogue(seed: int, n_krw: int = 200) -> list[object]:
    """The market catalogue a simulator process with ``seed`` serves (the model is deterministic)."""
    from upbit_monitor.models import MarketInfo
    from upbit_monitor.sim.market import MarketModel

    return [MarketInfo(m.code, m.korean_name, m.english_name, bool(m.warning))
            for m in MarketModel(seed, n_krw).markets]


def proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of another process, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")
