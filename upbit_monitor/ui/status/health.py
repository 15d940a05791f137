"""The status bar's one-line health summary, computed from the status panel's metrics table.

The dot shows the WORST connection health (a single stale feed must not hide behind healthy ones); the
label says how many connections are up, the total message rate and the first two problems; the tooltip
has one line per connection.
"""

from __future__ import annotations

from upbit_monitor.ui.status.metrics_model import MetricsModel, state_text


def health_summary(model: MetricsModel) -> tuple[float | None, str, str]:
    """(worst health 0..1 or None, the status-bar line, the tooltip) of every connection in ``model``."""
    names = model.connection_names()
    if not names:
        return None, "no connection", ""
    worst: float | None = None
    up, total_rate, lines, problems = 0, 0.0, [], []
    for n in names:
        h = model.value(n, "health")
        if isinstance(h, int | float):
            worst = float(h) if worst is None else min(worst, float(h))
        st = state_text(model.value(n, "state") or "?")
        rate = model.value(n, "msgs_per_s")
        rate_f = float(rate) if isinstance(rate, int | float) else 0.0
        total_rate += rate_f
        if st in ("connected", "open"):
            up += 1
        else:
            problems.append(f"{n} {st}")
        health = f", health {h * 100:.0f}%" if isinstance(h, int | float) else ""
        lines.append(f"{n}: {st}, {rate_f:,.0f} msg/s{health}")
    # One short line (the details are in the tooltip and the Status dock).
    summary = f"{up}/{len(names)} connected · {total_rate:,.0f} msg/s"
    if problems:
        summary += " · " + ", ".join(problems[:2])
    tip = "\n".join(lines) + "\nHealth " + ("?" if worst is None else f"{worst * 100:.0f}%")
    return worst, summary, tip
