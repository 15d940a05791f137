"""Server-side validation of Upbit WebSocket requests (upbit-protocol.md sections 2, 5 and 8).

:func:`parse_request` turns one text frame into a :class:`ParsedRequest` or raises
:class:`RequestRejected` carrying the Upbit error name (``NO_TICKET``, ``NO_TYPE``, ``NO_CODES``,
``WRONG_FORMAT``, ``INVALID_PARAM``). Object order inside the array is free (cryptofeed puts the
format object second). Flags are accepted in snake_case and camelCase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from upbit_monitor.errors import ProtocolError
from upbit_monitor.protocol.events import PRIVATE_TYPES, PUBLIC_TYPES
from upbit_monitor.protocol.keys import FORMATS
from upbit_monitor.sim.announcements import parse_categories
from upbit_monitor.sim.book import DEPTH, VALID_DEPTHS
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.indicators import INDICATOR, INDICATOR_SIGNAL, IndicatorSpec, parse_indicator_request

LIST_SUBSCRIPTIONS = "LIST_SUBSCRIPTIONS"
ANNOUNCEMENT = "announcement"
# Types per endpoint: /private adds announcement (2026-08-31); /info serves the indicator types.
PRIVATE_ENDPOINT_TYPES = frozenset(PRIVATE_TYPES) | {ANNOUNCEMENT}
INFO_TYPES = frozenset({INDICATOR, INDICATOR_SIGNAL})
CODELESS_TYPES = frozenset({"myAsset", ANNOUNCEMENT})

MESSAGES = {
    "NO_TICKET": "ticket 필드가 없습니다. (ticket is required)",
    "NO_TYPE": "type 필드가 없습니다. (type is required)",
    "NO_CODES": "codes 필드가 없습니다. (codes is required)",
    "WRONG_FORMAT": "요청 형식이 올바르지 않습니다. (wrong request format)",
    "INVALID_PARAM": "잘못된 파라미터입니다. (invalid parameter)",
    "INVALID_AUTH": "인증 정보가 올바르지 않습니다.",
}


class RequestRejected(ProtocolError):
    """A request the server answers with an error frame."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name
        self.detail = detail

    @property
    def message(self) -> str:
        """The human-readable ``error.message`` sent on the wire."""
        return MESSAGES.get(self.name, self.name)


@dataclass(frozen=True, slots=True)
class TypeRequest:
    """One data-type object of a request, normalised."""

    type: str
    codes: tuple[str, ...]  # without the .N suffix
    depths: tuple[int, ...]  # per code, orderbook only (30 elsewhere)
    level: float = 0.0
    only_snapshot: bool = False
    only_realtime: bool = False
    wire_codes: tuple[str, ...] = ()  # as sent, for LIST_SUBSCRIPTIONS
    # announcement (private): category filter (None = all) and include_body.
    categories: frozenset[str] | None = None
    include_body: bool = False
    # indicator / indicator_signal (info endpoint): timeframe and the validated indicator specs.
    timeframe: str = ""
    indicators: tuple[IndicatorSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    """A valid request: a new subscription set and/or a LIST_SUBSCRIPTIONS query."""

    ticket: str
    fmt: str | None  # None = no format object (DEFAULT applies)
    types: tuple[TypeRequest, ...] = ()
    method: str | None = None
    ignored_codes: tuple[str, ...] = field(default=())
    # Errors for single type objects that were dropped while the rest of the request applies
    # (SimConfig.invalid_category="type"): (error name, detail) each.
    partial_errors: tuple[tuple[str, str], ...] = ()


def _flag(obj: dict[str, object], snake: str, camel: str, *, camel_ok: bool = True) -> bool:
    value = obj.get(snake, obj.get(camel, False) if camel_ok else False)
    if not isinstance(value, bool):
        raise RequestRejected("INVALID_PARAM", f"{snake} must be a boolean")
    return value


def _depth_of(raw: str) -> tuple[str, int]:
    code, dot, suffix = raw.partition(".")
    if not dot:
        return code, DEPTH
    try:
        n = int(suffix)
    except ValueError:
        return raw, DEPTH
    # Unsupported counts are served as 30 (global-docs websocket-orderbook).
    return code, n if n in VALID_DEPTHS else DEPTH


class CategoryRejected(RequestRejected):
    """An ``announcement`` object with an unknown category (INVALID_PARAM, scope per config)."""


def _announcement_request(obj: dict[str, object]) -> TypeRequest:
    categories, bad = parse_categories(obj.get("categories"))
    if bad:
        raise CategoryRejected("INVALID_PARAM", f"unsupported announcement categories: {bad[:5]}")
    include_body = obj.get("include_body", False)
    if not isinstance(include_body, bool):
        raise RequestRejected("INVALID_PARAM", "include_body must be a boolean")
    # REALTIME only (no snapshot), codes are not part of this type: both are ignored.
    return TypeRequest("announcement", (), (), only_realtime=True, categories=categories,
                       include_body=include_body)


def _indicator_request(
    obj: dict[str, object], type_: str, known: frozenset[str]
) -> tuple[TypeRequest, list[str]]:
    codes_raw = obj.get("codes")
    if not codes_raw:
        raise RequestRejected("NO_CODES")
    if not isinstance(codes_raw, list) or not all(isinstance(c, str) for c in codes_raw):
        raise RequestRejected("WRONG_FORMAT", "codes must be an array of strings")
    try:
        timeframe, specs = parse_indicator_request(obj, signal=type_ == INDICATOR_SIGNAL)
    except ValueError as exc:
        raise RequestRejected("INVALID_PARAM", str(exc)) from None
    # KRW markets only (protocol-2026.md): other codes are judged like unknown codes.
    bad = [c for c in codes_raw if c not in known or not c.startswith("KRW-")]
    codes = tuple(codes_raw)
    return TypeRequest(type_, codes, (DEPTH,) * len(codes), only_realtime=True, wire_codes=codes,
                       timeframe=timeframe, indicators=specs), bad


def _type_request(
    obj: dict[str, object], *, private: bool, config: SimConfig, known: frozenset[str], info: bool = False
) -> tuple[TypeRequest, list[str]]:
    type_ = obj.get("type")
    if type_ is None:
        raise RequestRejected("NO_TYPE")
    allowed = INFO_TYPES if info else (PRIVATE_ENDPOINT_TYPES if private else PUBLIC_TYPES)
    if not isinstance(type_, str) or type_ not in allowed:
        raise RequestRejected("INVALID_PARAM", f"unsupported type {type_!r} on this endpoint")
    if not config.candle_types and type_.startswith("candle."):
        raise RequestRejected(config.candle_error_name, f"no candle type on this venue ({type_})")
    if type_ == ANNOUNCEMENT:
        return _announcement_request(obj), []
    if type_ in INFO_TYPES:
        req, unknown = _indicator_request(obj, type_, known)
        if unknown and config.bad_codes == "error":
            raise RequestRejected("INVALID_PARAM", f"unknown or non-KRW codes: {unknown[:5]}")
        return req, unknown
    codes_raw = obj.get("codes")
    if type_ == "myAsset" and "codes" in obj:
        raise RequestRejected("WRONG_FORMAT", "myAsset does not take codes")
    if codes_raw is None or codes_raw == []:
        if type_ not in PRIVATE_TYPES:
            raise RequestRejected("NO_CODES")
        codes_raw = []
    if not isinstance(codes_raw, list) or not all(isinstance(c, str) for c in codes_raw):
        raise RequestRejected("WRONG_FORMAT", "codes must be an array of strings")
    codes: list[str] = []
    depths: list[int] = []
    bad: list[str] = []
    for raw in codes_raw:
        code, depth = _depth_of(raw) if type_ == "orderbook" and config.depth_suffix else (raw, DEPTH)
        if code not in known:
            bad.append(raw)
        codes.append(code)
        depths.append(depth)
    if bad and config.bad_codes == "error":
        raise RequestRejected("INVALID_PARAM", f"unknown or lowercase codes: {bad[:5]}")
    level_raw = obj.get("level", 0)
    if isinstance(level_raw, str):
        try:
            level_raw = float(level_raw)
        except ValueError:
            raise RequestRejected("INVALID_PARAM", "level must be a number") from None
    if isinstance(level_raw, bool) or not isinstance(level_raw, int | float) or level_raw < 0:
        raise RequestRejected("INVALID_PARAM", "level must be a non-negative number")
    level = float(level_raw) if type_ == "orderbook" else 0.0
    camel_ok = config.accept_camel_case
    only_snapshot = _flag(obj, "is_only_snapshot", "isOnlySnapshot", camel_ok=camel_ok)
    only_realtime = _flag(obj, "is_only_realtime", "isOnlyRealtime", camel_ok=camel_ok)
    if only_snapshot and only_realtime and config.both_flags == "error":
        raise RequestRejected("INVALID_PARAM", "is_only_snapshot and is_only_realtime are exclusive")
    req = TypeRequest(type_, tuple(codes), tuple(depths), level, only_snapshot, only_realtime,
                      tuple(codes_raw))
    return req, bad


def parse_request(
    text: str, *, private: bool, config: SimConfig, known_codes: frozenset[str], info: bool = False
) -> ParsedRequest:
    """Validate one request text; raises :class:`RequestRejected` with the Upbit error name."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise RequestRejected("WRONG_FORMAT", "not JSON") from None
    if isinstance(data, dict):
        data = [data]  # a lone object is judged by its content (usually NO_TICKET)
    if not isinstance(data, list) or not data or not all(isinstance(o, dict) for o in data):
        raise RequestRejected("WRONG_FORMAT", "a request is a JSON array of objects")
    if config.ticket_first_required and "ticket" not in data[0]:
        raise RequestRejected("WRONG_FORMAT", "the ticket object must come first")
    ticket: str | None = None
    fmt: str | None = None
    method: str | None = None
    type_objs: list[dict[str, object]] = []
    for obj in data:
        if "ticket" in obj:
            value = obj["ticket"]
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value:
                raise RequestRejected("NO_TICKET", "ticket must be a non-empty string")
            ticket = value
        elif "format" in obj:
            value = obj["format"]
            if value not in FORMATS:
                raise RequestRejected("INVALID_PARAM", f"unknown format {value!r}")
            if not config.simple_format and str(value).startswith("SIMPLE"):
                raise RequestRejected("INVALID_PARAM", f"format {value!r} is not offered here")
            fmt = str(value)
        elif "method" in obj:
            if obj["method"] != LIST_SUBSCRIPTIONS:
                raise RequestRejected("INVALID_PARAM", f"unknown method {obj['method']!r}")
            method = LIST_SUBSCRIPTIONS
        else:
            type_objs.append(obj)
    if ticket is None:
        raise RequestRejected("NO_TICKET")
    if method is not None:
        return ParsedRequest(ticket, fmt, (), method)
    if not type_objs:
        raise RequestRejected("NO_TYPE")
    types: list[TypeRequest] = []
    ignored: list[str] = []
    partial: list[tuple[str, str]] = []
    for obj in type_objs:
        try:
            req, bad = _type_request(obj, private=private, config=config, known=known_codes, info=info)
        except CategoryRejected as exc:
            if config.invalid_category != "type":
                raise
            # UNCONFIRMED scope: the error names this object only; the rest of the request (e.g. the
            # myAsset sent with it) still applies, so a bad category cannot cost other streams.
            partial.append((exc.name, exc.detail))
            continue
        types.append(req)
        ignored.extend(bad)
    if not types and partial:
        raise RequestRejected(*partial[0])  # nothing left to apply: the request as a whole failed
    if config.max_codes and sum(len(t.codes) for t in types) > config.max_codes:
        raise RequestRejected("INVALID_PARAM", f"more than {config.max_codes} codes in one request")
    return ParsedRequest(ticket, fmt, tuple(types), None, tuple(ignored), tuple(partial))
