"""Alert rules and trigger history: plain rows in, ORM records out (the features layer converts).

Rules are few and edited by hand; triggers are rare (cooldowns) and browsed newest first, so the
history query pages by id (keyset: ``before_id``), which stays fast however long the history grows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from upbit_monitor.storage.schema import AlertRuleRecord, AlertTriggerRecord

RULE_FIELDS = ("kind", "venue", "market", "params", "enabled", "cooldown_s", "rearm", "note")


def insert_rule(session: Session, row: Mapping[str, Any]) -> int:
    """Store a new rule (``RULE_FIELDS`` + ``created_ms``); returns its id."""
    rec = AlertRuleRecord(**{k: row[k] for k in (*RULE_FIELDS, "created_ms")}, last_fired_ms=None)
    session.add(rec)
    session.flush()
    return rec.id


def update_rule(session: Session, rule_id: int, row: Mapping[str, Any]) -> bool:
    """Replace the settings of rule ``rule_id``; False if it does not exist."""
    values = {k: row[k] for k in RULE_FIELDS if k in row}
    result = session.execute(update(AlertRuleRecord).where(AlertRuleRecord.id == rule_id).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def delete_rule(session: Session, rule_id: int) -> bool:
    """Delete rule ``rule_id`` (its triggers stay in the history); False if it did not exist."""
    result = session.execute(delete(AlertRuleRecord).where(AlertRuleRecord.id == rule_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def load_rules(session: Session) -> list[AlertRuleRecord]:
    """Every rule, oldest first."""
    return list(session.scalars(select(AlertRuleRecord).order_by(AlertRuleRecord.id)))


def record_trigger(session: Session, row: Mapping[str, Any]) -> int:
    """Store one trigger and move its rule's ``last_fired_ms`` forward; returns the trigger id."""
    rec = AlertTriggerRecord(**{k: row[k] for k in
                                ("rule_id", "at_ms", "venue", "market", "kind", "value", "message")})
    session.add(rec)
    rule_id = row["rule_id"]
    if rule_id is not None:
        session.execute(
            update(AlertRuleRecord)
            .where(AlertRuleRecord.id == rule_id)
            .where((AlertRuleRecord.last_fired_ms.is_(None)) | (AlertRuleRecord.last_fired_ms < row["at_ms"]))
            .values(last_fired_ms=row["at_ms"])
        )
    session.flush()
    return rec.id


def trigger_page(
    session: Session,
    limit: int = 50,
    before_id: int | None = None,
    *,
    market: str | None = None,
    rule_id: int | None = None,
) -> list[AlertTriggerRecord]:
    """Up to ``limit`` triggers, newest first, older than ``before_id`` (the last id of the previous page)."""
    stmt = select(AlertTriggerRecord).order_by(AlertTriggerRecord.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(AlertTriggerRecord.id < before_id)
    if market is not None:
        stmt = stmt.where(AlertTriggerRecord.market == market)
    if rule_id is not None:
        stmt = stmt.where(AlertTriggerRecord.rule_id == rule_id)
    return list(session.scalars(stmt))


def count_triggers(session: Session, *, market: str | None = None, rule_id: int | None = None) -> int:
    """How many triggers match (for the history's "n of N")."""
    stmt = select(func.count()).select_from(AlertTriggerRecord)
    if market is not None:
        stmt = stmt.where(AlertTriggerRecord.market == market)
    if rule_id is not None:
        stmt = stmt.where(AlertTriggerRecord.rule_id == rule_id)
    return int(session.execute(stmt).scalar_one())
