"""Frames to typed, validated events: DEFAULT, SIMPLE, JSON_LIST and SIMPLE_LIST, bytes or str.

Upbit sends binary frames of UTF-8 JSON (upbit-protocol.md §4); one object per frame, or a JSON
array of one or more objects in the ``*_LIST`` formats (§2.3). ``type`` means DEFAULT keys, ``ty``
SIMPLE keys (§3).

Contract:

* Every value that reaches an event has the annotated type and range (:mod:`.events`): numbers are
  numbers (a whole number is fine for a float), prices > 0, sizes >= 0, timestamps from 2017 up to a
  day ahead of the local clock (``clock`` is injectable), required fields present, private amounts
  exact finite non-negative ``Decimal``. A frame with any violation raises :class:`ParseError` whose
  ``reason`` names the type, field and rule (``"ticker.trade_price: wrong type"``); the whole frame is
  dropped, and the caller counts the reason and carries on. Nothing else is ever raised.
* Valid JSON of an unknown ``type`` (or with no type at all) becomes an :class:`UnknownMessage` and
  bumps :attr:`Parser.unknown_messages`: a new Upbit message type cannot break the client.
* Unknown extra fields are ignored and counted in :attr:`Parser.unknown_fields`
  (``"<type>.<field>"``).

Speed: the hot path is one msgspec decode of the whole frame into a tagged union of the key style
seen last (SIMPLE or DEFAULT), which checks types and ``Meta`` ranges in C, then a short Python pass
per event (clock window, epoch stamp). Frames that fail it (another key style, unknown fields or types,
untyped control messages, invalid values) take the slow path: orjson decodes the frame to find out
what it is, each object is decoded alone with unknown fields allowed, and failures are named. The
checks msgspec cannot do while decoding, and the naming of rejections, are in :mod:`.parse_checks`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Union

import msgspec
import orjson

from upbit_monitor.errors import ParseError
from upbit_monitor.protocol import keys
from upbit_monitor.protocol.events import (
    CANDLE_TYPES,
    MAX_FUTURE_MS,
    Event,
    ServerError,
    StatusUp,
    SubscriptionEntry,
    SubscriptionList,
    UnknownMessage,
)
from upbit_monitor.protocol.parse_checks import Check, make_check, rejection_reason, required_int
from upbit_monitor.protocol.wire import UPBIT_WIRE_TYPES, WireType, decode_class

_RAW_LIMIT = 500
_force = msgspec.structs.force_setattr
_DecodeError = msgspec.DecodeError
CLOCK_EVERY = 256
_TIME_FIELDS = ("timestamp", "trade_timestamp", "order_timestamp", "asset_timestamp")


class Parser:
    """Stateful parser: typed events plus counters of what it did not understand or rejected.

    Args:
        wire_types: the venue's message types (Upbit's by default). A venue whose wire differs for a
            type passes its own :class:`~upbit_monitor.protocol.wire.WireType` for that tag.
        clock: wall clock in seconds (``time.time``); timestamps more than a day after it are
            rejected.

    Attributes:
        unknown_messages: how many objects became :class:`UnknownMessage`.
        unknown_fields: ``Counter`` of ``"<type>.<field>"`` for fields not in the key tables.
        rejected: ``Counter`` of :attr:`ParseError.reason` for every frame this parser rejected.
    """

    def __init__(
        self, wire_types: Sequence[WireType] = UPBIT_WIRE_TYPES, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.unknown_messages = 0
        self.unknown_fields: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self._clock = clock
        self._by_tag: dict[str, WireType] = {tag: wt for wt in wire_types for tag in wt.tags}
        self._known_keys = {
            simple: {wt.name: frozenset(wt.keys(simple)) for wt in wire_types} for simple in (False, True)
        }
        self._checks: dict[type, tuple[str, Check | None, bool]] = {}
        self._lenient: dict[tuple[bool, str], type] = {}
        unions: dict[bool, Callable[[bytes | str], Any]] = {}
        for wt in wire_types:
            if wt.tags and not required_int(wt, "timestamp"):
                raise ValueError(f"{wt.name}: a message type needs a required integer timestamp")
        for simple in (False, True):
            classes: list[type] = []
            for tag, wt in self._by_tag.items():
                strict = decode_class(wt, simple, tag, strict=True)
                lenient = decode_class(wt, simple, tag, strict=False)
                self._lenient[(simple, tag)] = lenient
                check = make_check(wt, self.candle_time_limit, simple)
                trade_ts = required_int(wt, "trade_timestamp")
                self._checks[strict] = self._checks[lenient] = (tag, check, trade_ts)
                classes.append(strict)
            one = Union[tuple(classes)]  # type: ignore[valid-type]  # noqa: UP007
            unions[simple] = msgspec.json.Decoder(Union[one, list[one]]).decode  # type: ignore[valid-type]  # noqa: UP007
        self._unions = unions
        self._fast = unions[True]  # Upbit connections ask for SIMPLE; learned per frame below
        self._budget = 0
        self._hi_ms = 0
        self._iso_second = -1
        self._iso_limit = ""

    def parse(self, data: bytes | str, epoch: int = 0) -> list[Event]:
        """Parse one WebSocket frame into events (several for a multi-object list frame).

        Sample (SIMPLE trade frame)::

            {"ty":"trade","cd":"KRW-BTC","tp":100473000.0,"tv":0.00014208,"ab":"BID",
             "pcp":100571000.0,"c":"FALL","cp":98000.0,"td":"2024-10-31","ttm":"01:07:42",
             "ttms":1730336862047,"tms":1730336862082,"sid":17303368620470000,
             "bap":100473000,"bas":0.43,"bbp":100465000,"bbs":0.02,"st":"SNAPSHOT"}

        Args:
            data: the frame payload, binary (UTF-8) or text.
            epoch: connection epoch stamped on every event (see ``events`` module docstring).

        Raises:
            ParseError: malformed JSON, or a value breaks a rule (``reason`` says which).
        """
        try:
            decoded = self._fast(data)
        except (_DecodeError, TypeError, UnicodeError):
            return self._slow(data, epoch)
        events: list[Any] = decoded if type(decoded) is list else [decoded]
        self._budget -= 1
        if self._budget <= 0:
            self._refresh_limit()
        hi = self._hi_ms
        checks = self._checks
        try:
            for ev in events:
                tag, check, trade_ts = checks[type(ev)]
                # Inline for the hot types: a function call per event would cost more than the decode
                # saves. ``type`` is compared because a hostile frame could send our own "~type" key.
                if ev.type != tag or ev.timestamp > hi or (trade_ts and ev.trade_timestamp > hi):
                    self._post(ev, data)  # names the problem (after re-reading the clock) and raises
                if check is not None:
                    problem = check(ev, hi)
                    if problem is not None:
                        self._reject_event(ev, problem, data)
                _force(ev, "epoch", epoch)
        except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:  # never-crash contract
            raise self._error(f"post-decode check failed: {exc!r}", "frame: unexpected value", data) from None
        return events

    def _refresh_limit(self) -> None:
        """Read the clock: the newest timestamp accepted is a day after it.

        Read at most once per :data:`CLOCK_EVERY` frames on the hot path (a system clock read costs a
        fifth of a ticker decode on small VMs, and a day's limit does not care about seconds), and
        always again before a frame is rejected for being in the future.
        """
        self._budget = CLOCK_EVERY
        self._hi_ms = int(self._clock() * 1000) + MAX_FUTURE_MS

    def _post(self, ev: Any, data: bytes | str) -> None:
        """All post-decode rules of one event with a fresh clock; raises on the first broken one."""
        self._refresh_limit()
        tag, check, _ = self._checks[type(ev)]
        if ev.type != tag:
            self._reject_event(ev, "type: not the wire type", data)
        hi = self._hi_ms
        for name in _TIME_FIELDS:
            t = getattr(ev, name, None)
            if t is not None and t > hi:
                self._reject_event(ev, f"{name}: in the future", data)
        if check is not None:
            problem = check(ev, hi)
            if problem is not None:
                self._reject_event(ev, problem, data)

    # -- slow path ---------------------------------------------------------------------------------

    def _slow(self, data: bytes | str, epoch: int) -> list[Event]:
        """Find out what the frame is, object by object; name what is wrong with it."""
        if not isinstance(data, bytes | bytearray | memoryview | str):
            raise self._error(
                f"frame must be bytes or str, not {type(data).__name__}", "frame: not bytes or str", b""
            )
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise self._error(f"malformed frame: {exc}", "frame: malformed JSON", data) from None
        if type(doc) is dict:
            return [self._object(doc, data, data, epoch)]
        if type(doc) is not list:
            return [self._unknown("top level is not an object or array", doc, epoch)]
        try:
            raws = msgspec.json.decode(data, type=list[msgspec.Raw])
        except (_DecodeError, UnicodeError) as exc:  # orjson and msgspec disagree: reject, stay up
            raise self._error(f"malformed frame: {exc}", "frame: malformed JSON", data) from None
        return [self._object(obj, raw, data, epoch) for obj, raw in zip(doc, raws, strict=True)]

    def _object(self, obj: Any, raw: Any, data: bytes | str, epoch: int) -> Event:
        """One object of a frame; ``raw`` is its own JSON text (decoded again, exactly, by msgspec)."""
        if type(obj) is not dict:
            return self._unknown("list element is not an object", obj, epoch)
        simple = "type" not in obj
        tag = obj.get("ty") if simple else obj["type"]
        if tag is None:
            return self._untyped(obj, epoch)
        wt = self._by_tag.get(tag) if type(tag) is str else None
        if wt is None:
            return self._unknown(f"unknown type {tag!r}", obj, epoch)
        self._count_unknown_fields(wt, obj, simple)
        try:
            ev: Any = msgspec.json.decode(raw, type=self._lenient[(simple, tag)])
        except msgspec.ValidationError as exc:
            raise self._error(str(exc), rejection_reason(wt, simple, str(exc)), data) from None
        except (_DecodeError, UnicodeError, ValueError) as exc:
            raise self._error(f"malformed frame: {exc}", "frame: malformed JSON", data) from None
        self.parse_checked(ev, data, epoch)
        self._fast = self._unions[simple]  # the next frame most likely has the same key style
        return ev  # type: ignore[no-any-return]

    def parse_checked(self, ev: Any, data: bytes | str, epoch: int) -> None:
        """Apply the post-decode rules (clock window, exact amounts) and stamp the epoch."""
        self._post(ev, data)
        _force(ev, "epoch", epoch)

    def _count_unknown_fields(self, wt: WireType, obj: dict[str, Any], simple: bool) -> None:
        known = self._known_keys[simple][wt.name]
        for k in obj.keys() - known:
            self.unknown_fields[f"{wt.name}.{k}"] += 1
        for name, unit in wt.nested.items():
            value = obj.get(dict(wt.table)[name] if simple else name)
            items = value if type(value) is list else [value]
            unit_keys = frozenset(unit.keys(simple))
            for item in items:
                if type(item) is dict:
                    for k in item.keys() - unit_keys:
                        self.unknown_fields[f"{wt.name}.{name}.{k}"] += 1

    def _untyped(self, obj: dict[str, Any], epoch: int) -> Event:
        """Messages without ``type``: status, error, LIST_SUBSCRIPTIONS reply.

        Samples::

            {"status":"UP"}
            {"error":{"name":"NO_CODES","message":"codes 필드가 없습니다."}}
            {"method":"LIST_SUBSCRIPTIONS","result":[{"type":"ticker","codes":["KRW-BTC"]},
             {"type":"orderbook","codes":["KRW-BTC"],"level":0}],"ticket":"mon-q1"}
        """
        if "status" in obj:
            status = obj["status"]
            if type(status) is str:
                return StatusUp("status", status, epoch)
        elif "error" in obj:
            err = obj["error"]
            if type(err) is dict:
                # WS errors have string names; REST-style errors use numbers (§5).
                return ServerError("error", str(err.get("name", "")), str(err.get("message", "")), epoch)
            if type(err) is str:
                return ServerError("error", err, "", epoch)
        elif obj.get("method", obj.get("mthd")) == "LIST_SUBSCRIPTIONS":
            return self._subscription_list(obj, epoch)
        return self._unknown("no type", obj, epoch)

    def _subscription_list(self, obj: dict[str, Any], epoch: int) -> Event:
        """LIST_SUBSCRIPTIONS reply in either key style (§8).

        Sample (SIMPLE)::

            {"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"ticker","cds":["KRW-BTC","KRW-ETH"]},
             {"ty":"orderbook","cds":["KRW-BTC"],"lv":0}],"tckt":"mon-q1"}
        """
        simple = "mthd" in obj
        _, result_key, ticket_key = (s if simple else d for d, s in keys.LIST_SUBSCRIPTIONS)
        result = obj.get(result_key, [])
        if type(result) is not list:
            return self._unknown("LIST_SUBSCRIPTIONS result is not a list", obj, epoch)
        entries: list[SubscriptionEntry] = []
        for item in result:
            if type(item) is not dict:
                return self._unknown("LIST_SUBSCRIPTIONS entry is not an object", obj, epoch)
            # Keys per entry, in case a reply mixes styles.
            ty, cds, lv = (s if "ty" in item else d for d, s in keys.SUBSCRIPTION_ENTRY)
            type_, codes, level = item.get(ty), item.get(cds, []), item.get(lv)
            if type(type_) is not str or type(codes) is not list or not all(type(c) is str for c in codes):
                return self._unknown("malformed LIST_SUBSCRIPTIONS entry", obj, epoch)
            if level is not None and type(level) not in (int, float):
                return self._unknown("LIST_SUBSCRIPTIONS level is not a number", obj, epoch)
            entries.append(SubscriptionEntry(type_, tuple(codes), None if level is None else float(level)))
        ticket = obj.get(ticket_key)
        # Docs type the ticket as Long in one table and String in another; we keep a string.
        ticket = None if ticket is None else str(ticket)
        return SubscriptionList("LIST_SUBSCRIPTIONS", tuple(entries), ticket, epoch)

    # -- outcomes ----------------------------------------------------------------------------------

    def _unknown(self, reason: str, obj: object, epoch: int) -> UnknownMessage:
        self.unknown_messages += 1
        try:
            raw = orjson.dumps(obj)[:_RAW_LIMIT]
        except TypeError:  # pragma: no cover - orjson-decoded values always re-encode
            raw = repr(obj).encode()[:_RAW_LIMIT]
        return UnknownMessage("unknown", reason, raw, epoch)

    def _error(self, message: str, reason: str, data: object) -> ParseError:
        self.rejected[reason] += 1
        return ParseError(message, _sample(data), reason=reason)

    def _reject_event(self, ev: Any, problem: str, data: bytes | str) -> None:
        name = self._by_tag[self._checks[type(ev)][0]].name
        reason = f"{name}.{problem}"
        raise self._error(f"{reason} ({type(ev).__name__} rejected)", reason, data)

    def candle_time_limit(self, hi_ms: int) -> str:
        """``hi_ms`` as ``yyyy-MM-ddTHH:mm:ss`` (UTC), cached per second: candle start times compare
        as strings against it."""
        second = hi_ms // 1000
        if second != self._iso_second:
            self._iso_second = second
            self._iso_limit = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return self._iso_limit


def _sample(data: object) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:200])
    if isinstance(data, str):
        return data[:200].encode("utf-8", "replace")
    return b""


_DEFAULT_PARSER = Parser()


def parse(data: bytes | str, epoch: int = 0) -> list[Event]:
    """Parse one frame with a module-level :class:`Parser` (its counters are shared).

    Sample (SIMPLE orderbook frame)::

        {"ty":"orderbook","cd":"KRW-ETH","tas":12.5,"tbs":20.25,
         "obu":[{"ap":5101000,"bp":5100000,"as":1.5,"bs":4.25}],
         "tms":1751606867762,"lv":0,"st":"REALTIME"}

    Raises:
        ParseError: malformed JSON or a value that breaks a rule.
    """
    return _DEFAULT_PARSER.parse(data, epoch)


__all__ = ["CANDLE_TYPES", "Parser", "parse"]
