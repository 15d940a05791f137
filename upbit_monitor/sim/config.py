"""Simulator settings, including every behaviour upbit-protocol.md tags as UNCONFIRMED.

One frozen dataclass, :class:`SimConfig`. Defaults mimic the real exchange as closely as the protocol
notes allow; where Upbit's behaviour is unknown the default is the documented "most likely" choice
and the field's comment says so. Tests override fields with ``SimConfig(...)`` or
``Simulator(config=..., **overrides)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from upbit_monitor.errors import ConfigError

# 64 characters: PyJWT warns (an error under -W error) when signing HS512 with a shorter key.
DEMO_ACCESS_KEY = "sim-access-key-0000000000000000"
DEMO_SECRET_KEY = "sim-secret-key-" + "0" * 49


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Every knob of the simulator. All durations are seconds."""

    seed: int = 1
    host: str = "127.0.0.1"
    # Market activity: total market events per second (trade + ticker + orderbook counted
    # separately) across all markets, before subscription filtering. Candles come on top.
    msg_rate: float = 200.0
    # The feed loop period. Each tick generates ``msg_rate * tick_s`` events (times a burst factor).
    tick_s: float = 0.02
    # Random bursts: the instantaneous rate is multiplied by a factor drawn around 1.0.
    bursty: bool = True
    n_krw_markets: int = 200
    # --- connection limits -------------------------------------------------------------------
    idle_timeout_s: float = 120.0
    # UNCONFIRMED: the idle close code. None = drop TCP without a close frame (clients see 1006,
    # which is what pyupbit users report).
    idle_close_code: int | None = None
    connect_rate_per_s: int = 5  # 0 disables; over the limit -> HTTP 429 on the handshake
    msg_rate_per_s: int = 5  # requests per connection per second; 0 disables
    # UNCONFIRMED (protocol-2026.md): the old 100 requests/min per connection is gone from Upbit's
    # rate-limit page; whether a per-minute cap survives is unknown. 0 = off (the default).
    msg_rate_per_min: int = 0
    # UNCONFIRMED: reaction to a request over the per-connection limit:
    # "error" (error frame, request ignored), "drop" (silently ignored), "close" (close frame).
    rate_limit_reaction: str = "error"
    rate_limit_error_name: str = "TOO_MANY_SUBSCRIBE"  # UNCONFIRMED: no name is documented
    rate_limit_close_code: int = 1008
    # UNCONFIRMED: whether a text PING counts against the per-connection message limit.
    ping_counts_for_rate: bool = False
    # UNCONFIRMED: one {"status":"UP"} per PING (0) or, after the first PING, one every N seconds.
    status_up_interval_s: float = 0.0
    # --- request handling (all UNCONFIRMED) ---------------------------------------------------
    # Both is_only_snapshot and is_only_realtime true: "snapshot" (snapshot only), "nothing"
    # (no data at all) or "error" (INVALID_PARAM).
    both_flags: str = "snapshot"
    # Whether a failed request cancels the previous subscription set (default: it stays).
    error_clears_subscriptions: bool = False
    # Close the connection after sending an error frame (code 1008 when set).
    close_on_error: bool = False
    # LIST_SUBSCRIPTIONS codes keep the ".N" depth suffix.
    list_keeps_depth_suffix: bool = False
    # JSON_LIST / SIMPLE_LIST: max objects per array frame (1 = always a 1-element array).
    list_batch: int = 1
    # Lowercase or unknown codes: "ignore" (accepted, no data) or "error" (INVALID_PARAM).
    bad_codes: str = "ignore"
    # Error and status frames sent as binary (True) or text (False).
    binary_control_frames: bool = True
    # camelCase isOnlySnapshot/isOnlyRealtime honoured (False: ignored like unknown keys).
    accept_camel_case: bool = True
    # Reject requests whose first object is not the ticket (WRONG_FORMAT); Upbit seems lenient.
    ticket_first_required: bool = False
    # Binary request frames decoded like text (False: WRONG_FORMAT).
    accept_binary_requests: bool = True
    # Max codes in one request, all types together (0 = unlimited; over -> INVALID_PARAM).
    max_codes: int = 0
    # --- private endpoint -----------------------------------------------------------------------
    access_key: str = DEMO_ACCESS_KEY
    secret_key: str = field(default=DEMO_SECRET_KEY, repr=False)
    # UNCONFIRMED: bad/missing JWT -> "frame" (handshake accepted, INVALID_AUTH error frame, then
    # close 1008) or "http" (handshake refused with HTTP 401).
    auth_failure: str = "frame"
    reject_reused_nonce: bool = True
    # Demo mode: the simulated account places a small order every N seconds (0 = never).
    demo_orders_every_s: float = 0.0
    # --- venue profile (defaults: Upbit; sim/bithumb.py builds Bithumb's) -----------------------
    venue: str = "upbit"
    public_path: str = "/websocket/v1"
    private_path: str = "/websocket/v1/private"
    # indicator / indicator_signal endpoint (JWT like private); "" = none (Bithumb has none).
    info_path: str = "/websocket/v1/info"
    # False: candle.* requests are refused with candle_error_name (Bithumb has no candle type;
    # the error name it sends is UNCONFIRMED).
    candle_types: bool = True
    candle_error_name: str = "INVALID_PARAM"
    # UNCONFIRMED on Bithumb: SIMPLE / SIMPLE_LIST formats (False: refused with INVALID_PARAM).
    simple_format: bool = True
    # UNCONFIRMED on Bithumb: the ".N" orderbook depth suffix (False: "KRW-BTC.15" is an unknown code).
    depth_suffix: bool = True
    # UNCONFIRMED on Bithumb: the text PING -> {"status":"UP"} reply (False: PING is ignored).
    answer_text_ping: bool = True
    # myOrder field names on the private stream: "v1" (Upbit) or "v2" (Bithumb's renames).
    private_fields: str = "v1"
    # Bithumb's JWT carries a millisecond "timestamp" claim next to access_key and nonce.
    jwt_timestamp_required: bool = False
    # Persistent connect excess: after this many 429 handshakes within 10 s, every handshake is
    # refused (429) for connect_block_s. 0 = off (Bithumb: a 10-minute IP block).
    connect_block_after: int = 0
    connect_block_s: float = 600.0
    # --- announcement (private) and indicators (/info), protocol-2026.md --------------------------
    # UNCONFIRMED: scope of INVALID_PARAM for an unknown announcement category. "type": the error frame
    # names it, that type object is dropped and the rest of the request (e.g. myAsset) applies;
    # "request": the whole request is rejected like any other invalid request.
    invalid_category: str = "type"
    # UNCONFIRMED: "body may be null when large": bodies longer than this are sent as null (0 = never).
    announcement_max_body_chars: int = 4000
    # Demo mode: a synthetic notice every N seconds (0 = never); every listing_every-th one announces a
    # new KRW market that starts trading listing_delay_s later with a pump.
    demo_announcements_every_s: float = 0.0
    listing_every: int = 3
    listing_delay_s: float = 20.0
    # --- REST -------------------------------------------------------------------------------------
    rest_rate_per_s: int = 10  # per group; 0 disables
    # After this many 429 answers within 10 s the client is blocked with 418 for rest_ban_s.
    rest_ban_after: int = 50
    rest_ban_s: float = 5.0
    # --- sending --------------------------------------------------------------------------------
    # permessage-deflate when the client offers it (Upbit supports it; section 4).
    compression: bool = True
    # A client that does not read: once this many frames wait, the connection is dropped (1008).
    max_queued_frames: int = 200_000

    def __post_init__(self) -> None:
        choices = {
            "rate_limit_reaction": ("error", "drop", "close"),
            "both_flags": ("snapshot", "nothing", "error"),
            "bad_codes": ("ignore", "error"),
            "auth_failure": ("frame", "http"),
            "private_fields": ("v1", "v2"),
            "invalid_category": ("type", "request"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"SimConfig.{name} must be one of {allowed}")
        if self.msg_rate < 0 or self.tick_s <= 0 or self.idle_timeout_s <= 0:
            raise ConfigError("SimConfig: msg_rate >= 0, tick_s > 0 and idle_timeout_s > 0 required")
        if self.list_batch < 1:
            raise ConfigError("SimConfig.list_batch must be >= 1")
