"""Run every bench script, one subprocess each, and write one Markdown report (bench/RESULTS.md).

Run: ``.venv/bin/python bench/run_all.py [--quick] [--only soak load ...] [--out bench/RESULTS.md]``

The report starts with a summary table (each figure with its target from issue 9 and whether it was
met), then every script's own output under its name, with the command and the wall time it took.
Scripts written by the other engineers (parse, storage, manager, chart, ui) run when present. A
script that fails or times out is reported as such; the others still run. ``--quick`` passes smaller
sizes to the long scripts (for a smoke run; the README figures come from a full run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from common import ROOT, header, table

BENCH = ROOT / "bench"

# (script, full args, quick args, timeout s). Order: cheap first, the soak last.
SCRIPTS: list[tuple[str, list[str], list[str], int]] = [
    ("parse", [], ["--n", "5000", "--repeats", "3"], 600),
    ("storage", [], ["--events", "20000"], 900),
    ("manager", [], ["--seconds", "3"], 900),
    ("chart", [], [], 600),
    ("studies", [], ["--ticks", "500"], 300),
    ("compare", [], ["--n", "10000", "--repeats", "3"], 600),
    ("recovery", [], ["--rounds", "3", "--default-rounds", "2"], 900),
    ("load", [], ["--seconds", "4", "--warm", "2"], 900),
    ("startup", [], ["--runs", "2"], 900),
    ("ui", [], ["--switches", "20", "--load-s", "4"], 900),
    ("orderflow", [], ["--frames", "60", "--lag-s", "4"], 900),
    ("soak", [], ["--scale", "0.05"], 2400),
]

SUMMARY = re.compile(r"<!-- summary (\{.*\}) -->")
# bench/ui.py (the window engineer's) prints: | click -> new coin's ladder painted (ms) | p50 | p95 | max |
UI_SWITCH = re.compile(r"\| click -> new coin's ladder painted \(ms\) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|")
UI_SWITCHES = re.compile(r"Click-to-orderbook \((\d+) switches")


def run(name: str, args: list[str], timeout: int) -> tuple[str, int | None, float]:
    """Run bench/NAME.py; returns (stdout, exit code or None on timeout, seconds)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NO_PROXY="127.0.0.1,localhost")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(BENCH / f"{name}.py"), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return out, None, time.perf_counter() - t0
    out = proc.stdout
    if proc.returncode != 0:
        out += "\n\n```\n" + proc.stderr[-3000:] + "\n```\n"
    return out, proc.returncode, time.perf_counter() - t0


def summaries(name: str, out: str) -> list[dict[str, object]]:
    """Summary rows a script reported (hidden lines), or extracted from the others' known tables."""
    rows: list[dict[str, object]] = [json.loads(m) for m in SUMMARY.findall(out)]
    if name == "ui":
        m = UI_SWITCH.search(out)
        if m:
            n = UI_SWITCHES.search(out)
            p50, p95 = float(m.group(1)), float(m.group(2))
            rows.append({"metric": f"Coin switch: click -> new orderbook painted ({n.group(1) if n else '?'} "
                                   "switches, bench/ui.py)",
                         "value": f"p50 {p50:.0f} ms, p95 {p95:.0f} ms", "target": "p50 < 100 ms",
                         "met": p50 < 100})
    for r in rows:
        r["script"] = name
    return rows


def main() -> None:
    """Run the scripts, write the report, print it."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    ap.add_argument("--only", nargs="*", default=None, help="script names to run")
    ap.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = ap.parse_args()
    sections: list[str] = []
    rows: list[dict[str, object]] = []
    ran: list[list[object]] = []
    for name, full, quick, timeout in SCRIPTS:
        if args.only is not None and name not in args.only:
            continue
        if not (BENCH / f"{name}.py").exists():
            ran.append([f"bench/{name}.py", "not present", ""])
            continue
        cli = quick if args.quick else full
        print(f"running bench/{name}.py {' '.join(cli)} ...", file=sys.stderr, flush=True)
        out, code, seconds = run(name, cli, timeout)
        status = "ok" if code == 0 else ("TIMEOUT" if code is None else f"exit {code}")
        ran.append([f"bench/{name}.py {' '.join(cli)}".strip(), status, f"{seconds:.0f}"])
        rows.extend(summaries(name, out))
        sections.append(f"## bench/{name}.py\n\n`{' '.join(['.venv/bin/python', f'bench/{name}.py', *cli])}` "
                        f"({status}, {seconds:.0f} s)\n\n{out.strip()}\n")

    met = {True: "yes", False: "**no**", None: "-"}
    summary = table(["figure", "measured", "target", "met", "script"],
                    [[r["metric"], r["value"], r["target"], met[r["met"]], r["script"]] for r in rows],  # type: ignore[index]
                    [False] * 5)
    report = "\n".join([
        "# Benchmark results",
        "",
        header("bench/run_all.py" + (" --quick" if args.quick else ""),
               f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. The cores are shared with whatever else "
               "runs on the machine: figures are from one run, not a controlled lab."),
        "",
        "## Summary",
        "",
        summary,
        "",
        table(["script", "status", "seconds"], ran, [False, False, True]),
        "",
        *sections,
    ])
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
