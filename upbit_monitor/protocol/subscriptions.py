"""A pure, reference-counted subscription set: what every component wants, merged into one request.

Upbit replaces a connection's *whole* subscription set on every request (upbit-protocol.md §2.4),
so the client must always send the union of what all components want. :class:`SubscriptionSet`
keeps each owner's :class:`SubscriptionSpec` list, counts owners per ``(type, code)``, and merges
everything into an immutable :class:`MergedSubscriptions`; comparing it with the last one sent says
whether a new request is needed. No I/O: the caller builds the request
(:func:`upbit_monitor.protocol.requests.build_request`) and sends it.

Merge rules:

* Codes of one type are unioned and sorted, so the merged set does not depend on registration order.
* Orderbook depth per code is the largest requested; ``None`` means the server default (30, the
  maximum), so it wins over any explicit depth.
* One data-type object per ``(type, level)``; ``level`` 0 and ``None`` are the same (native tick).
* ``only_snapshot`` / ``only_realtime`` of a merged object are set only if *every* contributing
  spec sets them: the merged request delivers a superset of what each owner asked for.
* Public specs with no codes contribute nothing (a component with nothing selected yet). A
  ``myOrder`` spec with no codes means "all markets" and wins over code lists; it is counted
  under the code ``""`` (as is ``myAsset``, which takes no codes at all).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from upbit_monitor.errors import RequestError
from upbit_monitor.protocol.events import PRIVATE_TYPES, PUBLIC_TYPES

ANNOUNCEMENT = "announcement"
# Upbit's notice board on the private endpoint (protocol-2026.md): codeless like myAsset, with a
# category filter. Sending a category outside this list makes the server answer INVALID_PARAM, so
# specs are checked here and an unknown category never reaches the wire.
ANNOUNCEMENT_CATEGORIES: tuple[str, ...] = (
    "notice", "trade", "wallet", "maintenance", "digital_asset", "nft", "service", "event", "note",
    "trading", "airdrop", "feature", "disclosure",
)
PRIVATE_STREAM_TYPES: tuple[str, ...] = (*PRIVATE_TYPES, ANNOUNCEMENT)
# Server-computed indicators on /websocket/v1/info (protocol-2026.md): codes + one timeframe + a list of
# indicator definitions per type object.
INFO_TYPES: tuple[str, ...] = ("indicator", "indicator_signal")
INDICATOR_TIMEFRAMES: tuple[str, ...] = ("5m", "15m", "60m", "240m", "1d")
INDICATOR_KINDS: tuple[str, ...] = (
    "volume", "rsi", "moving_average", "ma_crossover", "bollinger_bands", "macd")
KNOWN_TYPES: tuple[str, ...] = (*PUBLIC_TYPES, *PRIVATE_STREAM_TYPES, *INFO_TYPES)


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    """One ``indicators[]`` entry: kind, params (and for indicator_signal the trigger + event params).

    Params are kept as sorted ``(name, value)`` pairs so definitions are hashable and merge; the
    server checks the value sets (INVALID_PARAM otherwise).
    """

    kind: str
    params: tuple[tuple[str, int | float | str], ...]
    trigger: str | None = None
    event_params: tuple[tuple[str, int | float | str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in INDICATOR_KINDS:
            raise RequestError(f"unknown indicator {self.kind!r}; expected one of {INDICATOR_KINDS}")
        object.__setattr__(self, "params", tuple(sorted(self.params)))
        object.__setattr__(self, "event_params", tuple(sorted(self.event_params)))

    def wire(self) -> dict[str, object]:
        """The request object, e.g. ``{"type":"rsi","params":{"period":14}}``."""
        out: dict[str, object] = {"type": self.kind, "params": dict(self.params)}
        if self.trigger is not None:
            out["trigger"] = self.trigger
            if self.event_params:
                out["event_params"] = dict(self.event_params)
        return out
ORDERBOOK_DEPTHS: frozenset[int] = frozenset({1, 5, 15, 30})
ALL_MARKETS = ""
"""The pseudo-code under which ``myOrder`` for all markets and ``myAsset`` are counted."""

# QUOTE-BASE, uppercase (§2.2: lowercase codes silently get no data). Digits occur (KRW-1INCH).
_CODE_RE = re.compile(r"[A-Z0-9]{1,16}-[A-Z0-9]{1,24}")
_TYPE_ORDER = {t: i for i, t in enumerate(KNOWN_TYPES)}


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """What one component wants of one data type.

    Raises:
        RequestError: unknown type, a code that is not uppercase ``QUOTE-BASE``, a depth outside
            {1, 5, 15, 30}, depth/level on a type other than orderbook, codes on ``myAsset``, or
            both ``only_snapshot`` and ``only_realtime``.
    """

    type: str
    codes: tuple[str, ...] = ()
    depth: int | None = None
    level: float | None = None
    only_snapshot: bool = False
    only_realtime: bool = False
    # announcement only: category filter (None = every category) and whether bodies are sent.
    categories: tuple[str, ...] | None = None
    include_body: bool = False
    # indicator / indicator_signal only: the candle timeframe and the indicator definitions.
    timeframe: str | None = None
    indicators: tuple[IndicatorDef, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in _TYPE_ORDER:
            raise RequestError(f"unknown subscription type {self.type!r}")
        if isinstance(self.codes, str):
            # A bare string would iterate as characters; reject the classic mistake loudly.
            raise RequestError(f"codes must be a sequence of codes, not the string {self.codes!r}")
        codes = tuple(self.codes)
        for code in codes:
            if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
                raise RequestError(f"invalid market code {code!r}: expected uppercase QUOTE-BASE")
        # Lists are accepted for convenience; stored as a tuple so specs stay hashable.
        object.__setattr__(self, "codes", codes)
        if self.type in ("myAsset", ANNOUNCEMENT) and codes:
            raise RequestError(f"{self.type} takes no codes")
        if (self.categories is not None or self.include_body) and self.type != ANNOUNCEMENT:
            raise RequestError("categories and include_body apply only to announcement")
        if self.type in INFO_TYPES:
            if self.timeframe not in INDICATOR_TIMEFRAMES or not self.indicators or not codes:
                raise RequestError(f"{self.type} needs codes, a timeframe in {INDICATOR_TIMEFRAMES} and "
                                   "at least one indicator")
            if any(not c.startswith("KRW-") for c in codes):
                raise RequestError("server indicators exist for KRW markets only")
            object.__setattr__(self, "indicators", tuple(sorted(set(self.indicators), key=repr)))
        elif self.timeframe is not None or self.indicators:
            raise RequestError("timeframe and indicators apply only to indicator types")
        if self.categories is not None:
            cats = tuple(sorted(set(self.categories)))
            unknown = [c for c in cats if c not in ANNOUNCEMENT_CATEGORIES]
            if unknown or not cats:
                raise RequestError(f"announcement categories must be some of {ANNOUNCEMENT_CATEGORIES}, "
                                   f"not {unknown or 'none'} (the server answers INVALID_PARAM)")
            object.__setattr__(self, "categories", cats)
        if self.depth is not None:
            if self.type != "orderbook":
                raise RequestError("depth applies only to orderbook")
            if self.depth not in ORDERBOOK_DEPTHS:
                raise RequestError(f"orderbook depth must be one of 1, 5, 15, 30, not {self.depth!r}")
        if self.level is not None:
            if self.type != "orderbook":
                raise RequestError("level applies only to orderbook")
            if not isinstance(self.level, int | float) or not 0 <= self.level < float("inf"):
                raise RequestError(f"orderbook level must be a finite number >= 0, not {self.level!r}")
        if self.only_snapshot and self.only_realtime:
            raise RequestError("only_snapshot and only_realtime exclude each other")


@dataclass(frozen=True, slots=True)
class TypeSubscription:
    """One data-type object of a request: a type, its codes and options."""

    type: str
    codes: tuple[str, ...]
    depths: tuple[tuple[str, int], ...] = ()
    """Explicit orderbook depth per code (codes absent here use the server default, 30)."""
    level: float | None = None
    only_snapshot: bool = False
    only_realtime: bool = False
    categories: tuple[str, ...] | None = None  # announcement: None = all
    include_body: bool = False
    timeframe: str | None = None  # indicator types
    indicators: tuple[IndicatorDef, ...] = ()

    def depth_of(self, code: str) -> int | None:
        """The explicit depth requested for ``code``, or ``None`` for the server default."""
        for c, depth in self.depths:
            if c == code:
                return depth
        return None

    def wire_codes(self) -> list[str]:
        """Codes as sent on the wire: orderbook codes carry a ``.N`` depth suffix (``KRW-BTC.15``)."""
        if not self.depths:
            return list(self.codes)
        depth = dict(self.depths)
        return [f"{c}.{depth[c]}" if c in depth else c for c in self.codes]


@dataclass(frozen=True, slots=True)
class MergedSubscriptions:
    """The union of all owners' specs; immutable, hashable and comparable with ``==``."""

    entries: tuple[TypeSubscription, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to subscribe to (no request can express that)."""
        return not self.entries

    def codes_for(self, type: str) -> tuple[str, ...]:
        """All codes subscribed for ``type`` over every level, sorted."""
        codes: set[str] = set()
        for entry in self.entries:
            if entry.type == type:
                codes.update(entry.codes)
        return tuple(sorted(codes))

    def as_dict(self) -> dict[str, list[str]]:
        """``{type: sorted codes}`` (levels folded together, no depth suffix)."""
        out: dict[str, list[str]] = {}
        for entry in self.entries:
            out.setdefault(entry.type, [])
        return {t: list(self.codes_for(t)) for t in out}


def _level_key(level: float | None) -> float | None:
    # Level 0 is the native tick, i.e. the same as leaving it out (§2.2).
    return None if not level else float(level)


def merge_specs(specs: Iterable[SubscriptionSpec]) -> MergedSubscriptions:
    """Merge specs from any number of owners into one :class:`MergedSubscriptions`."""
    groups: dict[tuple[str, float | None, str | None], list[SubscriptionSpec]] = {}
    for spec in specs:
        groups.setdefault((spec.type, _level_key(spec.level), spec.timeframe), []).append(spec)
    entries: list[TypeSubscription] = []
    for (type_, level, timeframe), group in groups.items():
        codes: set[str] = set()
        all_markets = False
        depth: dict[str, int | None] = {}
        for spec in group:
            if type_ == "myOrder" and not spec.codes:
                all_markets = True
            codes.update(spec.codes)
            if type_ == "orderbook":
                for code in spec.codes:
                    if code not in depth:
                        depth[code] = spec.depth
                    else:
                        prev = depth[code]
                        # None = server default 30 = the maximum, so it absorbs everything.
                        depth[code] = None if prev is None or spec.depth is None else max(prev, spec.depth)
        if all_markets:
            codes.clear()
        elif not codes and type_ not in PRIVATE_STREAM_TYPES:
            continue  # nothing selected yet: a public type without codes is a server error
        categories: tuple[str, ...] | None = None
        if type_ == ANNOUNCEMENT and all(s.categories is not None for s in group):
            # The union of the filters; one owner wanting every category makes it "all" (None).
            categories = tuple(sorted({c for s in group for c in s.categories or ()}))
        entries.append(
            TypeSubscription(
                type=type_,
                codes=tuple(sorted(codes)),
                depths=tuple(sorted((c, d) for c, d in depth.items() if d is not None and c in codes)),
                level=level,
                only_snapshot=all(s.only_snapshot for s in group),
                only_realtime=all(s.only_realtime for s in group),
                categories=categories,
                include_body=any(s.include_body for s in group),
                timeframe=timeframe,
                # One object per (type, timeframe): every code gets every wanted indicator.
                indicators=tuple(sorted({d for s in group for d in s.indicators}, key=repr)),
            )
        )
    entries.sort(key=lambda e: (_TYPE_ORDER[e.type], e.level is not None, e.level or 0.0,
                                INDICATOR_TIMEFRAMES.index(e.timeframe) if e.timeframe else 0))
    return MergedSubscriptions(tuple(entries))


def _pairs(specs: Iterable[SubscriptionSpec]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for spec in specs:
        if spec.codes:
            pairs.update((spec.type, code) for code in spec.codes)
        elif spec.type in PRIVATE_STREAM_TYPES:
            pairs.add((spec.type, ALL_MARKETS))
    return pairs


class SubscriptionSet:
    """Per-owner specs, reference counts per ``(type, code)`` and the merged set to send.

    Owners are any hashable key (the manager uses registration ids). Not thread-safe; the manager
    touches it from the event loop only.
    """

    def __init__(self) -> None:
        self._specs: dict[Hashable, tuple[SubscriptionSpec, ...]] = {}
        self._owners: dict[tuple[str, str], set[Hashable]] = {}
        self._merged = MergedSubscriptions()
        self._sent: MergedSubscriptions | None = None

    def set_owner(self, owner: Hashable, specs: Iterable[SubscriptionSpec]) -> bool:
        """Replace ``owner``'s specs (an empty list removes it). Returns True if the merged set changed."""
        new = tuple(specs)
        old = self._specs.get(owner, ())
        if new == old:
            return False
        for pair in _pairs(old):
            owners = self._owners[pair]
            owners.discard(owner)
            if not owners:
                del self._owners[pair]
        if new:
            self._specs[owner] = new
            for pair in _pairs(new):
                self._owners.setdefault(pair, set()).add(owner)
        else:
            self._specs.pop(owner, None)
        merged = merge_specs(s for owner_specs in self._specs.values() for s in owner_specs)
        changed = merged != self._merged
        self._merged = merged
        return changed

    def remove_owner(self, owner: Hashable) -> bool:
        """Forget ``owner``. Returns True if the merged set changed (False for an unknown owner)."""
        return self.set_owner(owner, ())

    def merged(self) -> MergedSubscriptions:
        """The current union of all owners' specs."""
        return self._merged

    def refcount(self, type: str, code: str) -> int:
        """How many owners want ``(type, code)`` (``code=""``: myOrder for all markets / myAsset)."""
        return len(self._owners.get((type, code), ()))

    def owners_of(self, type: str, code: str) -> frozenset[Hashable]:
        """The owners that want ``(type, code)``."""
        return frozenset(self._owners.get((type, code), ()))

    def specs_of(self, owner: Hashable) -> tuple[SubscriptionSpec, ...]:
        """``owner``'s current specs (empty for an unknown owner)."""
        return self._specs.get(owner, ())

    def owners(self) -> tuple[Hashable, ...]:
        """Every owner with at least one spec."""
        return tuple(self._specs)

    def needs_request(self) -> bool:
        """True if the merged set differs from the last one marked sent (never sent = empty).

        A change *to* the empty set also returns True; since Upbit has no unsubscribe and a request
        cannot be empty, the caller then closes the connection (or leaves it idle) instead.
        """
        sent = self._sent if self._sent is not None else MergedSubscriptions()
        return self._merged != sent

    def mark_sent(self, merged: MergedSubscriptions) -> None:
        """Record that ``merged`` was sent (pass the object the request was built from)."""
        self._sent = merged

    def reset_sent(self) -> None:
        """Forget what was sent: after a reconnect the server knows nothing of us."""
        self._sent = None

    @property
    def last_sent(self) -> MergedSubscriptions | None:
        """The merged set last marked sent, or None."""
        return self._sent
