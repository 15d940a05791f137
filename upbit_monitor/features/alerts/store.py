"""Rules and trigger history in the database, off the loop thread (``DbContext.run_async``).

Converts between :class:`AlertRule`/:class:`Trigger` and the rows of ``storage/alerts.py``.
A rule row whose settings no longer validate (edited by hand, or from a newer version) is skipped
and reported, never half-loaded.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson

from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts.rules import AlertRule, RuleKind, validate_rule
from upbit_monitor.features.alerts.triggers import Trigger
from upbit_monitor.storage import DbContext
from upbit_monitor.storage import alerts as db

log = logging.getLogger(__name__)
TRIGGER_FIELDS = ("rule_id", "at_ms", "venue", "market", "kind", "value", "message")


def rule_row(rule: AlertRule) -> dict[str, Any]:
    """The ``alert_rules`` row of ``rule``."""
    return {
        "kind": str(rule.kind),
        "venue": rule.venue,
        "market": rule.market,
        "params": orjson.dumps(dict(rule.params)).decode(),
        "enabled": rule.enabled,
        "cooldown_s": rule.cooldown_s,
        "rearm": rule.rearm,
        "note": rule.note,
        "created_ms": int(time.time() * 1000),
    }


class AlertStore:
    """Async persistence of rules and triggers through one :class:`DbContext`."""

    def __init__(self, ctx: DbContext) -> None:
        self.ctx = ctx
        self.skipped: list[str] = []  # why stored rules were not loaded (for the status panel)

    async def load_rules(self, venues: tuple[str, ...]) -> list[tuple[AlertRule, int | None]]:
        """Every stored rule that still validates, with its ``last_fired_ms``."""
        records = await self.ctx.run_async(db.load_rules)
        out: list[tuple[AlertRule, int | None]] = []
        for rec in records:
            try:
                params = orjson.loads(rec.params)
                rule = AlertRule(
                    kind=RuleKind(rec.kind), market=rec.market, params=params, venue=rec.venue,
                    enabled=rec.enabled, cooldown_s=rec.cooldown_s, rearm=rec.rearm, note=rec.note,
                    id=rec.id,
                )
                out.append((validate_rule(rule, venues), rec.last_fired_ms))
            except (AlertRuleError, ValueError, TypeError) as exc:
                reason = f"alert rule #{rec.id} not loaded: {exc}"
                log.warning(reason)
                self.skipped.append(reason)
        return out

    async def add_rule(self, rule: AlertRule) -> int:
        """Store a new (validated) rule; returns its id."""
        return await self.ctx.run_async(db.insert_rule, rule_row(rule))

    async def update_rule(self, rule: AlertRule) -> bool:
        """Store the new settings of a rule that has an id."""
        assert rule.id is not None
        return await self.ctx.run_async(db.update_rule, rule.id, rule_row(rule))

    async def delete_rule(self, rule_id: int) -> bool:
        """Delete a rule (its history stays)."""
        return await self.ctx.run_async(db.delete_rule, rule_id)

    async def record_trigger(self, trig: Trigger) -> int:
        """Store a trigger; returns its history id."""
        row = {k: getattr(trig, k) for k in TRIGGER_FIELDS}
        return await self.ctx.run_async(db.record_trigger, row)

    async def history(
        self, limit: int = 50, before_id: int | None = None, *, market: str | None = None,
        rule_id: int | None = None,
    ) -> list[Trigger]:
        """A page of stored triggers, newest first (pass the last id as ``before_id`` for the next)."""
        recs = await self.ctx.run_async(
            lambda s: db.trigger_page(s, limit, before_id, market=market, rule_id=rule_id))
        return [Trigger(r.rule_id, r.at_ms, r.venue, r.market, r.kind, r.value, r.message, 0.0, r.id)
                for r in recs]

    async def count(self, *, market: str | None = None, rule_id: int | None = None) -> int:
        """How many stored triggers match."""
        return await self.ctx.run_async(lambda s: db.count_triggers(s, market=market, rule_id=rule_id))
