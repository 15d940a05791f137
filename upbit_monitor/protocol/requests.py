"""Request building: a merged subscription set becomes ONE Upbit request text.

Wire shape (upbit-protocol.md §2): a single text message holding a JSON array
``[{ticket}, {type, codes, ...}, ..., {format}]``. Because every request replaces the whole
subscription set of the connection (§2.4), the request always carries *everything* wanted; see
:mod:`upbit_monitor.protocol.subscriptions`. Example (SIMPLE)::

    [{"ticket":"um-3f2a..."},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},
     {"type":"orderbook","codes":["KRW-BTC.15"],"level":10000},{"format":"SIMPLE"}]

Flags use the current snake_case spelling (``is_only_snapshot`` / ``is_only_realtime``) and are
written only when true. The output is compact, key-ordered JSON, so equal sets give equal text.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Final

from upbit_monitor.errors import RequestError
from upbit_monitor.protocol.events import PUBLIC_TYPES
from upbit_monitor.protocol.keys import FORMATS
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, TypeSubscription

PING_TEXT: Final = "PING"
"""The text keep-alive (§4): a healthy server answers ``{"status":"UP"}``."""

LIST_SUBSCRIPTIONS: Final = "LIST_SUBSCRIPTIONS"


def new_ticket() -> str:
    """A fresh request ticket (§2.1: any string; a UUID is recommended)."""
    return f"um-{uuid.uuid4().hex}"


def _check(ticket: str, fmt: str) -> None:
    if not isinstance(ticket, str) or not ticket:
        raise RequestError("ticket must be a non-empty string (server: NO_TICKET)")
    if fmt not in FORMATS:
        raise RequestError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _dumps(objects: list[dict[str, object]]) -> str:
    # ensure_ascii=False keeps the text short; tickets and codes are ASCII anyway.
    return json.dumps(objects, separators=(",", ":"), ensure_ascii=False)


def type_object(entry: TypeSubscription) -> dict[str, object]:
    """The data-type object of one merged entry, e.g. ``{"type":"trade","codes":["KRW-BTC"]}``."""
    obj: dict[str, object] = {"type": entry.type}
    if entry.type == "announcement":
        # Codeless; REALTIME only (no snapshot flags). No categories = every category.
        if entry.categories is not None:
            obj["categories"] = list(entry.categories)
        if entry.include_body:
            obj["include_body"] = True
        return obj
    if entry.timeframe is not None:
        # indicator / indicator_signal: REALTIME only, no snapshot flags.
        return {"type": entry.type, "codes": list(entry.codes), "timeframe": entry.timeframe,
                "indicators": [d.wire() for d in entry.indicators]}
    # myAsset must not carry codes (WRONG_FORMAT); myOrder without codes means all markets.
    if entry.codes or entry.type not in ("myAsset", "myOrder"):
        obj["codes"] = entry.wire_codes()
    if entry.level is not None:
        level = entry.level
        obj["level"] = int(level) if float(level).is_integer() else level
    if entry.only_snapshot:
        obj["is_only_snapshot"] = True
    if entry.only_realtime:
        obj["is_only_realtime"] = True
    return obj


def build_request(merged: MergedSubscriptions, *, ticket: str, fmt: str = "SIMPLE") -> str:
    """Build the one request text for ``merged``.

    Args:
        merged: the full set to subscribe to (it replaces everything on the connection).
        ticket: identifies the requester; see :func:`new_ticket`.
        fmt: ``DEFAULT``, ``SIMPLE``, ``JSON_LIST`` or ``SIMPLE_LIST`` (applies to the whole connection).

    Returns:
        Compact JSON text ``[{"ticket":...},{"type":...,"codes":[...]},...,{"format":...}]``.

    Raises:
        RequestError: empty ticket, unknown format, or an empty set (Upbit has no way to
            subscribe to nothing; close the connection instead).
    """
    _check(ticket, fmt)
    if merged.is_empty:
        raise RequestError("nothing to subscribe to: an empty request is rejected by the server")
    objects: list[dict[str, object]] = [{"ticket": ticket}]
    objects.extend(type_object(entry) for entry in merged.entries)
    objects.append({"format": fmt})
    return _dumps(objects)


def realtime_where_unchanged(
    previous: MergedSubscriptions | None, current: MergedSubscriptions
) -> MergedSubscriptions:
    """``current`` with ``is_only_realtime`` on each market-data entry ``previous`` already carried.

    Every request replaces the whole set and, unless told otherwise, replays one SNAPSHOT per
    (type, code) of it (§2.4). A coin switch therefore re-sent a snapshot of every ticker of the
    market list (230 on the simulator) ahead of the new coin's orderbook: about 13 ms of server
    work and client parsing on loopback, and ~140 KB, per click. An entry equal to one in
    ``previous`` (the set this socket already subscribed) has its data in the pool and keeps
    streaming, so it asks for the stream only; any change to an entry (a code added, another
    depth or level) asks for snapshots of the whole entry, as before. ``previous=None`` (a new
    socket, or a set the server may not have kept) keeps every snapshot.
    """
    if previous is None:
        return current
    kept = set(previous.entries)
    return MergedSubscriptions(tuple(
        replace(e, only_realtime=True)
        if e in kept and e.type in PUBLIC_TYPES and not e.only_snapshot else e
        for e in current.entries
    ))


def build_list_subscriptions(*, ticket: str, fmt: str = "SIMPLE") -> str:
    """Build a LIST_SUBSCRIPTIONS query (§8).

    Its format applies to the whole connection, so pass the format of the running stream.

    Returns:
        e.g. ``[{"ticket":"um-1"},{"method":"LIST_SUBSCRIPTIONS"},{"format":"SIMPLE"}]``.
    """
    _check(ticket, fmt)
    return _dumps([{"ticket": ticket}, {"method": LIST_SUBSCRIPTIONS}, {"format": fmt}])
