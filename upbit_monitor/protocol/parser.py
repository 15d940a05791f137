"""Frames to typed events: DEFAULT, SIMPLE, JSON_LIST and SIMPLE_LIST, bytes or str, via orjson.

Upbit sends binary frames of UTF-8 JSON (upbit-protocol.md §4); one object per frame, or a JSON
array of one or more objects in the ``*_LIST`` formats (§2.3). Each object is classified on its
own: ``type`` means DEFAULT keys, ``ty`` SIMPLE keys (§3), so mixed frames are fine too.

Contract:

* Malformed JSON, invalid UTF-8 or a non-bytes/str argument raise :class:`ParseError` and nothing
  else.
* Valid JSON that is not a known message (unknown type, missing ``type``/``code``, a nested list
  that is not a list of objects) becomes an :class:`UnknownMessage` result and bumps
  :attr:`Parser.unknown_messages`; a new Upbit message type cannot break the client.
* Unknown extra fields are counted in :attr:`Parser.unknown_fields` (key ``"<type>.<field>"``) and
  otherwise ignored; known fields the server left out are ``None`` (or the field default) and are
  counted in :attr:`Parser.missing_fields`.
* Values of known fields are passed through as orjson decodes them (no per-field type checks:
  that would double the cost for a peer we trust on types); only key fields and nesting are checked.

Speed: the hot path (ticker, trade, orderbook, candle) costs one ``len`` comparison, one
``operator.itemgetter`` call (C) and one ``tuple.__new__`` per object; only frames whose key count
differs from the expected one take the slow path that names unknown and missing fields. Private
messages (myOrder, myAsset) are rare and need exact decimals, which orjson cannot give: their frame
is decoded a second time with ``json.loads(parse_float=Decimal)``.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import orjson

from upbit_monitor.errors import ParseError
from upbit_monitor.protocol import keys
from upbit_monitor.protocol.events import (
    CANDLE_TYPES,
    Event,
    ServerError,
    StatusUp,
    SubscriptionEntry,
    SubscriptionList,
    UnknownMessage,
)
from upbit_monitor.protocol.parser_specs import (
    DEFAULT_SPECS,
    SIMPLE_SPECS,
    MessageSpec,
    to_decimal,
)

_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError
_new = tuple.__new__
_RAW_LIMIT = 500


class Parser:
    """Stateful parser: same results as :func:`parse`, plus counters of what it did not understand.

    Attributes:
        unknown_messages: how many objects became :class:`UnknownMessage`.
        unknown_fields: ``Counter`` of ``"<type>.<field>"`` for fields not in upbit-protocol.md §3.
        missing_fields: ``Counter`` of ``"<type>.<field>"`` for documented fields the server omitted.
    """

    def __init__(self) -> None:
        self.unknown_messages = 0
        self.unknown_fields: Counter[str] = Counter()
        self.missing_fields: Counter[str] = Counter()
        # The last frame re-decoded for exact decimals, so a list frame holding several private
        # objects is decoded once, not once per object. Holding the reference keeps ``is`` valid.
        self._exact: tuple[bytes | str, Any] | None = None

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
            ParseError: the payload is not valid UTF-8 JSON.
        """
        try:
            obj = _loads(data)
        except _JSONDecodeError as exc:
            raise ParseError(f"malformed frame: {exc}", _sample(data)) from None
        except TypeError:
            raise ParseError(f"frame must be bytes or str, not {type(data).__name__}") from None
        if type(obj) is dict:
            return [self._object(obj, data, -1, epoch)]
        if type(obj) is list:
            return [self._object(o, data, i, epoch) for i, o in enumerate(obj)]
        return [self._unknown("top level is not an object or array", obj, epoch)]

    # -- one object ------------------------------------------------------------------------------

    def _object(self, obj: Any, data: bytes | str, index: int, epoch: int) -> Event:
        """Dispatch one decoded object; ``index`` is its position in a list frame (-1: bare object).

        Sample (SIMPLE ticker object, the bulk of the stream; 33 keys, legacy ts/msfi absent)::

            {"ty":"ticker","cd":"KRW-BTC","op":141200000,"hp":142900000,"lp":140800000,
             "tp":142350000,"pcp":141200000,"c":"RISE","cp":1150000,"scp":1150000,
             "cr":0.0081444759,"scr":0.0081444759,"tv":0.0031,"atv":1523.1,"atv24h":3311.7,
             "atp":216601000000.5,"atp24h":470200000000.1,"tdt":"20250704","ttm":"051400",
             "ttms":1751606040365,"ab":"BID","aav":760.2,"abv":762.9,"h52wp":163325000,
             "h52wdt":"2025-01-20","l52wp":72100000,"l52wdt":"2024-08-05","ms":"ACTIVE",
             "its":false,"dd":null,"mw":"NONE","tms":1751606040403,"st":"REALTIME"}
        """
        if type(obj) is not dict:
            return self._unknown("list element is not an object", obj, epoch)
        try:
            t = obj.get("type")
            if t is not None:
                spec = DEFAULT_SPECS.get(t) if type(t) is str else None
            else:
                t = obj.get("ty")
                if t is None:
                    return self._untyped(obj, epoch)
                spec = SIMPLE_SPECS.get(t) if type(t) is str else None
            if spec is None:
                return self._unknown(f"unknown type {t!r}", obj, epoch)
            if spec.private:
                return self._private(spec, obj, data, index, epoch)
            # Hot path: exact key count, every key present (itemgetter raises KeyError otherwise).
            n = len(obj)
            if n == spec.n_all:
                values = spec.get_all(obj)
            elif n == spec.n_required:
                values = spec.get_required(obj) + spec.optional_defaults
            else:
                return self._slow(spec, obj, epoch)
            if type(values[1]) is not str:  # code
                return self._unknown("code is not a string", obj, epoch)
            nested = spec.nested
            if nested is not None:
                i, unit = nested
                units = values[i]
                # One C-level pass checks every unit has exactly the expected key count; map()
                # keeps the per-unit work in C (itemgetter, then tuple.__new__ via partial).
                if type(units) is not list or sum(map(len, units)) != unit.n_all * len(units):
                    return self._slow(spec, obj, epoch)
                values = (*values[:i], tuple(map(unit.make, map(unit.get_all, units))), *values[i + 1 :])
            spec.budget -= 1
            if spec.budget <= 0:
                spec.learn_keys(obj)
            return _new(spec.cls, (*values, epoch))
        except (KeyError, TypeError, AttributeError):
            # A key missing despite the right count (renamed field), a non-dict unit, ...
            try:
                return self._slow_guarded(obj, epoch)
            except Exception as exc:  # the never-crash contract
                return self._unknown(f"unparseable: {exc!r}", obj, epoch)
        except Exception as exc:  # the never-crash contract
            return self._unknown(f"unparseable: {exc!r}", obj, epoch)

    def _slow_guarded(self, obj: dict[str, Any], epoch: int) -> Event:
        """Re-dispatch after the hot path tripped, e.g. on a renamed field at the same key count::

            {"type":"candle.1m","code":"KRW-BTC","candle_date_time_utc":"2025-07-01T12:01:00",
             "candle_date_time_kst":"2025-07-01T21:01:00","opening_price":145831000,
             "high_price":145900000,"low_price":145752000,"close_price":145759000, ...}
        """
        t = obj.get("type", obj.get("ty"))
        spec = (DEFAULT_SPECS if "type" in obj else SIMPLE_SPECS).get(t) if type(t) is str else None
        if spec is None:
            return self._unknown("malformed message", obj, epoch)
        return self._slow(spec, obj, epoch)

    def _slow(self, spec: MessageSpec, obj: dict[str, Any], epoch: int, decimal: bool = False) -> Event:
        """Field by field: counts unknown and missing fields, checks key fields and nesting.

        Sample (DEFAULT orderbook with a field Upbit might add one day, ``spread``)::

            {"type":"orderbook","code":"KRW-ETH","total_ask_size":12.5,"total_bid_size":20.25,
             "orderbook_units":[{"ask_price":5101000,"bid_price":5100000,"ask_size":1.5,
             "bid_size":4.25}],"timestamp":1751606867762,"level":0,"stream_type":"REALTIME",
             "spread":1000}
        """
        for k in obj.keys() - spec.key_set:
            self.unknown_fields[f"{spec.type_name}.{k}"] += 1
        values: list[Any] = []
        for key, default, required in spec.fields:
            if key in obj:
                value = obj[key]
            elif required:
                return self._unknown(f"missing key field {key!r}", obj, epoch)
            else:
                if key not in spec.optional_keys:
                    self.missing_fields[f"{spec.type_name}.{key}"] += 1
                value = default
            values.append(value)
        if spec.has_code and type(values[1]) is not str:
            return self._unknown("code is not a string", obj, epoch)
        if spec.nested is not None:
            i, unit = spec.nested
            units = values[i]
            if type(units) is not list or any(type(u) is not dict for u in units):
                return self._unknown(f"{spec.nested_name} is not a list of objects", obj, epoch)
            built: list[tuple[Any, ...]] = []
            for u in units:
                for k in u.keys() - unit.key_set:
                    self.unknown_fields[f"{spec.type_name}.{spec.nested_name}.{k}"] += 1
                if not unit.key_set <= u.keys():
                    return self._unknown(f"incomplete {spec.nested_name} entry", obj, epoch)
                row = unit.get_all(u)
                if decimal:
                    mask = unit.decimal_mask
                    row = tuple(to_decimal(v) if d else v for v, d in zip(row, mask, strict=True))
                built.append(_new(unit.cls, row))
            values[i] = tuple(built)
        if decimal:
            values = [to_decimal(v) if d else v for v, d in zip(values, spec.decimal_mask, strict=True)]
        return _new(spec.cls, (*values, epoch))

    def _private(
        self, spec: MessageSpec, obj: dict[str, Any], data: bytes | str, index: int, epoch: int
    ) -> Event:
        """myOrder / myAsset with exact ``Decimal`` amounts.

        Sample (DEFAULT myAsset; a balance beyond double precision)::

            {"type":"myAsset","asset_uuid":"e635f223-1609-4969-8fb6-4376937baad6",
             "assets":[{"currency":"KRW","balance":1386929.37231066771348207123,"locked":0}],
             "asset_timestamp":1710146517259,"timestamp":1710146517267,"stream_type":"REALTIME"}
        """
        cached = self._exact
        if cached is not None and cached[0] is data:
            doc = cached[1]
        else:
            doc = _decimal_document(data)
            self._exact = (data, doc)
        exact = _pick(doc, index)
        if exact is not None:
            obj = exact
        try:
            return self._slow(spec, obj, epoch, decimal=True)
        except (ArithmeticError, TypeError, ValueError) as exc:
            return self._unknown(f"bad number in {spec.type_name}: {exc}", obj, epoch)

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
            entries.append(SubscriptionEntry(type_, tuple(codes), level))
        ticket = obj.get(ticket_key)
        # Docs type the ticket as Long in one table and String in another; we keep a string.
        ticket = None if ticket is None else str(ticket)
        return SubscriptionList("LIST_SUBSCRIPTIONS", tuple(entries), ticket, epoch)

    def _unknown(self, reason: str, obj: object, epoch: int) -> UnknownMessage:
        self.unknown_messages += 1
        try:
            raw = orjson.dumps(obj)[:_RAW_LIMIT]
        except TypeError:  # pragma: no cover - orjson-decoded values always re-encode
            raw = repr(obj).encode()[:_RAW_LIMIT]
        return UnknownMessage("unknown", reason, raw, epoch)


def _sample(data: object) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data[:200])
    if isinstance(data, str):
        return data[:200].encode("utf-8", "replace")
    return b""


def _decimal_document(data: bytes | str) -> Any:
    """Re-decode the frame with ``Decimal`` floats (``None`` if the stdlib cannot)."""
    try:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
        return json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError, TypeError):
        return None  # orjson accepted it, so this is a pathological frame: keep orjson's values


def _pick(doc: Any, index: int) -> dict[str, Any] | None:
    """The object at ``index`` of a re-decoded frame (-1: the frame is the object)."""
    if index >= 0:
        doc = doc[index] if type(doc) is list and index < len(doc) else None
    return doc if type(doc) is dict else None


_DEFAULT_PARSER = Parser()


def parse(data: bytes | str, epoch: int = 0) -> list[Event]:
    """Parse one frame with a module-level :class:`Parser` (its counters are shared).

    Sample (SIMPLE orderbook frame)::

        {"ty":"orderbook","cd":"KRW-ETH","tas":12.5,"tbs":20.25,
         "obu":[{"ap":5101000,"bp":5100000,"as":1.5,"bs":4.25}],
         "tms":1751606867762,"lv":0,"st":"REALTIME"}

    Raises:
        ParseError: the payload is not valid UTF-8 JSON.
    """
    return _DEFAULT_PARSER.parse(data, epoch)


__all__ = ["CANDLE_TYPES", "Parser", "parse"]
