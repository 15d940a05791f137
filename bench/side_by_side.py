"""Old and new app code measured by the same harness in one run, interleaved.

    .venv/bin/python bench/side_by_side.py --old /tmp/old-checkout --rounds 2 -- ui.py --switches 40
    .venv/bin/python bench/side_by_side.py --old /tmp/old-checkout -- load.py --levels 5000

``--old`` is a checkout of the code before a change (``git worktree add --detach /tmp/old <commit>``);
"new" is this checkout. Each round runs the bench script once per side (old first in odd rounds, new
first in even ones, so drift in the machine's load does not favour one side), every run in its own
process with ``BENCH_APP_TREE`` pointing the harness at that side's ``upbit_monitor``. The harness,
its simulator and its report format are this checkout's for both sides. Output: every run's table
under a heading naming the side, round and the load average before it started.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEW = HERE.parent


def run_side(tree: Path, script: str, args: list[str]) -> str:
    """One run of ``bench/<script>`` from this checkout against ``tree``'s app code."""
    env = dict(os.environ, BENCH_APP_TREE=str(tree), PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, str(HERE / script), *args], cwd=tree, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"(failed, exit {done.returncode})\n\n```\n{done.stderr[-3000:]}\n```"
    return done.stdout.strip()


def main() -> None:
    """Parse flags, alternate the sides, print every table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--old", type=Path, required=True, help="checkout of the code before the change")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("script", help="bench script in this directory, e.g. ui.py")
    p.add_argument("args", nargs=argparse.REMAINDER, help="its arguments (after --)")
    a = p.parse_args()
    args = [x for x in a.args if x != "--"]
    sides = {"old": a.old.resolve(), "new": NEW}
    for rnd in range(1, a.rounds + 1):
        order = ("old", "new") if rnd % 2 else ("new", "old")
        for side in order:
            load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"### {side} ({sides[side]}), round {rnd}, load average before: {load}\n", flush=True)
            print(run_side(sides[side], a.script, args) + "\n", flush=True)


if __name__ == "__main__":
    main()
