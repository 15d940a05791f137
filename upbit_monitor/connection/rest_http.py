"""The HTTP layer of the REST clients: one paced, retried GET per call.

Built on the standard library: each request is a blocking ``urllib`` call run in
``asyncio.to_thread``, so the qasync/GUI loop never blocks and no HTTP dependency is added. The
monitor makes a handful of quotation calls (market list at start, a few candle pages per chart
switch), so a keep-alive pool would buy little.

Rate limits: Upbit reports the remaining calls of the current second per group in the
``Remaining-Req`` header (``group=candle; min=1800; sec=29``). Calls of one group are serialised and
wait for the next second once ``sec`` reaches 0. A 429 is retried with backoff (``Retry-After`` when
given); a 418 means the IP is blocked, so the client refuses further calls until the block ends
instead of making it longer.
"""

from __future__ import annotations

import asyncio
import gzip
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any

import orjson

from upbit_monitor.connection.proxy import proxy_for
from upbit_monitor.errors import RestError
from upbit_monitor.protocol.rest_limits import parse_remaining_req, rest_group

__all__ = ["BACKOFF_429", "PacedHttp", "retry_after"]

# Upbit's quotation error bodies are small; a larger error body is not worth keeping.
_ERROR_BODY_LIMIT = 2_000
# Retry delays for 429 when the server does not say how long to wait.
BACKOFF_429 = (0.25, 0.5, 1.0, 2.0)
_DEFAULT_BLOCK_S = 30.0
# Extra wait after an exhausted second, so clock granularity cannot land us in the same window.
_PACING_MARGIN_S = 0.02


@dataclass(slots=True)
class _GroupBudget:
    """What the server last said about one rate-limit group."""

    lock: asyncio.Lock
    sec_left: int | None = None
    stamp: float = 0.0  # monotonic time of the response that reported sec_left


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    headers: Message
    body: bytes


class PacedHttp:
    """GETs against one base URL, paced per rate-limit group; counters for the status panel.

    ``requests``, ``throttled`` (429 answers) and ``blocked`` (418 answers) count what happened.
    """

    def __init__(self, base_url: str, *, timeout_s: float, max_retries: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.requests = 0
        self.throttled = 0
        self.blocked = 0
        self._budgets: dict[str, _GroupBudget] = {}
        self._blocked_until = 0.0  # monotonic
        # Explicit opener with an explicit proxy: the rule WebSockets follow too (system proxy
        # settings, never for loopback), decided once for the base URL; no global state touched.
        self.proxy = proxy_for(self.base_url)
        proxies = {"http": self.proxy, "https": self.proxy} if self.proxy else {}
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies))

    async def get_json(
        self, path: str, params: dict[str, str], headers: dict[str, str] | None = None
    ) -> Any:
        group = rest_group(path)
        budget = self._budgets.setdefault(group, _GroupBudget(asyncio.Lock()))
        query = urllib.parse.urlencode(params)
        url = f"{self.base_url}{path}?{query}" if query else f"{self.base_url}{path}"
        async with budget.lock:
            for attempt in range(self.max_retries + 1):
                self._check_blocked()
                await self._wait_for_budget(budget)
                response = await asyncio.to_thread(self._fetch, url, headers)
                self.requests += 1
                self._note_budget(response, budget)
                if response.status == 200:
                    return _decode(response.body)
                if response.status == 429 and attempt < self.max_retries:
                    self.throttled += 1
                    delay = retry_after(response.headers)
                    await asyncio.sleep(
                        delay if delay is not None else BACKOFF_429[min(attempt, len(BACKOFF_429) - 1)]
                    )
                    continue
                if response.status == 418:
                    self.blocked += 1
                    block = retry_after(response.headers) or _DEFAULT_BLOCK_S
                    self._blocked_until = time.monotonic() + block
                raise _error_from(response, path)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _check_blocked(self) -> None:
        left = self._blocked_until - time.monotonic()
        if left > 0:
            raise RestError(f"REST blocked by the exchange (418) for {left:.0f} more s", status=418)

    async def _wait_for_budget(self, budget: _GroupBudget) -> None:
        # sec_left counts calls left in the server's current second; 0 means wait for the next one.
        if budget.sec_left is not None and budget.sec_left <= 0:
            target = budget.stamp + 1.0 + _PACING_MARGIN_S
            # Loop: qasync sleeps on coarse Qt timers (ms-truncated, may fire a little early).
            for _ in range(5):
                wait = target - time.monotonic()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            budget.sec_left = None

    def _note_budget(self, response: _Response, budget: _GroupBudget) -> None:
        parsed = parse_remaining_req(response.headers.get("Remaining-Req"))
        if parsed is not None:
            budget.sec_left = parsed.sec
            budget.stamp = time.monotonic()

    def _fetch(self, url: str, extra_headers: dict[str, str] | None = None) -> _Response:
        """Blocking GET (runs on a worker thread). HTTP errors are returned, network errors raised."""
        request = urllib.request.Request(
            url,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": "upbit-monitor/0.1",
                **(extra_headers or {}),
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout_s) as resp:
                return _Response(resp.status, resp.headers, _read_body(resp.headers, resp.read()))
        except urllib.error.HTTPError as exc:
            body = exc.read()[:_ERROR_BODY_LIMIT] if exc.fp is not None else b""
            exc.close()
            return _Response(exc.code, exc.headers, _read_body(exc.headers, body))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RestError(f"REST request failed: {reason}") from exc


def _read_body(headers: Message, body: bytes) -> bytes:
    if headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError) as exc:
            raise RestError("REST response: corrupt gzip body") from exc
    return body


def _decode(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RestError(f"REST response is not JSON: {body[:80]!r}") from exc


def _error_from(response: _Response, path: str) -> RestError:
    """Map an HTTP error answer to RestError, keeping Upbit's ``error.name``/``message``."""
    name: str | None = None
    message = ""
    try:
        payload = orjson.loads(response.body)
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            name = None if error.get("name") is None else str(error.get("name"))
            message = str(error.get("message") or "")
    except orjson.JSONDecodeError:
        message = response.body[:120].decode("utf-8", "replace")
    text = f"REST {path} -> HTTP {response.status}"
    if message:
        text += f": {message}"
    return RestError(text, status=response.status, name=name)


def retry_after(headers: Message) -> float | None:
    """The wait a 429/418 asks for: ``retry-after-ms`` (precise) else ``Retry-After`` (seconds)."""
    for name, scale in (("retry-after-ms", 0.001), ("Retry-After", 1.0)):
        raw = headers.get(name)
        try:
            if raw:
                return max(0.0, float(raw) * scale)
        except ValueError:
            continue  # an HTTP-date or junk: try the other header, else the client's own backoff
    return None

