"""Market list and key/value settings."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from upbit_monitor.models import MarketInfo
from upbit_monitor.storage.schema import DEFAULT_VENUE, Market, Setting
from upbit_monitor.storage.upsert import dedupe, table, upsert

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def _cautions(stored: str | None) -> tuple[str, ...]:
    """The stored ``{flag: bool}`` JSON as the sorted tuple of set flags."""
    return tuple(sorted(k for k, v in json.loads(stored or "{}").items() if v))


def _now_ms() -> int:
    return int(time.time() * 1000)


def upsert_markets(session: Session, markets: Iterable[MarketInfo], venue: str = DEFAULT_VENUE) -> int:
    """Insert or update *venue*'s markets by code (e.g. after fetching ``/v1/market/all``)."""
    now = _now_ms()
    rows = [
        {
            "venue": venue,
            "code": m.code,
            "korean_name": m.korean_name,
            "english_name": m.english_name,
            "warning": m.warning,
            "caution": json.dumps(dict.fromkeys(m.cautions, True), sort_keys=True),
            "updated_ms": now,
        }
        for m in markets
    ]
    return upsert(session, table("markets"), dedupe(rows, ("venue", "code")), ("venue", "code"))


def load_markets(session: Session, venue: str = DEFAULT_VENUE) -> list[MarketInfo]:
    """Every stored market of *venue*, ordered by code."""
    stmt = select(Market).where(Market.venue == venue).order_by(Market.code)
    return [
        MarketInfo(m.code, m.korean_name, m.english_name, m.warning, _cautions(m.caution), venue)
        for m in session.scalars(stmt)
    ]


def set_setting(session: Session, key: str, value: JsonValue) -> None:
    """Store a JSON-serialisable *value* under *key* (replacing any previous value)."""
    row = {"key": key, "value": json.dumps(value, ensure_ascii=False), "updated_ms": _now_ms()}
    upsert(session, table("settings"), [row], ("key",))


def get_setting(session: Session, key: str, default: JsonValue = None) -> JsonValue:
    """The stored value of *key*, or *default* when unset."""
    row = session.get(Setting, key)
    if row is None:
        return default
    value: JsonValue = json.loads(row.value)
    return value
