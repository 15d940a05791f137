"""PrivateFeed: decides when the ``upbit-private`` connection runs, and with which keys.

The manager drives the private connection with the same machinery as the public one (reconnect, epochs,
metrics, merged requests); this controller adds the key lifecycle on top, using only the manager's public
API (``add_connection``, ``register``/``unregister``, ``connection(name)``, ``remove_connection``, state
listeners):

- **No keys**: the private components are *not* registered, so the manager never opens the connection;
  panels show "no API keys" instead of an empty table. The app runs public-only.
- **Keys**: components are registered on ``upbit-private``; the connector signs a fresh JWT per attempt
  from :class:`~upbit_monitor.exchanges.upbit_private.CredentialsProvider`.
- **Key problem**: ``INVALID_AUTH`` or a 401/403 handshake makes the connection stop itself (state
  ``KEY_PROBLEM``, no retry storm); the feed shows a clear notice. When new keys are entered (dialog or a
  periodic re-read of the key store), the stopped connection is started again with them.
- **Periodic key check** (``check_interval_s``): while there are no keys or the key was rejected, the key
  store is re-read (environment / keyring may have been fixed outside the app); a live, authenticated
  connection needs no check (Upbit closes it if the key is revoked, and the reconnect then fails with 401).

It implements the :class:`~upbit_monitor.ui.settings_dialog.KeyController` protocol for the keys dialog.
No Qt import: it is testable on a plain loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from upbit_monitor.config import Settings
from upbit_monitor.connection.connection import Connection
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.connection.state import ConnState, StateChange
from upbit_monitor.credentials.keystore import KeySource, KeyStore
from upbit_monitor.errors import KeyFormatError, ManagerError, RestError
from upbit_monitor.exchanges.upbit_private import NAME, CredentialsProvider, UpbitPrivateConnector
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.auth import Credentials, Secret, mask_access_key
from upbit_monitor.protocol.events import AssetBalance, ServerError, SubscriptionList, Ticker
from upbit_monitor.protocol.requests import build_list_subscriptions, new_ticket
from upbit_monitor.protocol.subscriptions import MergedSubscriptions, SubscriptionSet, SubscriptionSpec

log = logging.getLogger(__name__)

EventCallback = Callable[[Any], None]
BalancesCallback = Callable[[list[AssetBalance], int], None]
"""``cb(balances, taken_at_ms)``: a full balance snapshot (REST ``/v1/accounts``)."""
REST_TIMEOUT_S = 5.0
_T = TypeVar("_T")


class PrivateState(enum.Enum):
    """What the private panels show."""

    NO_KEYS = "no_keys"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    KEY_PROBLEM = "key_problem"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PrivateStatus:
    """The private feed's state plus a sentence for the user (never contains key material)."""

    state: PrivateState
    message: str
    key_hint: str | None = None  # masked access key, e.g. "AbCd…"


def _weak_callable(cb: Callable[..., Any]) -> Callable[[], Callable[..., Any] | None]:
    """A getter that returns ``cb`` while it lives; bound methods are held through WeakMethod."""
    if hasattr(cb, "__self__") and hasattr(cb, "__func__"):
        return weakref.WeakMethod(cb)
    return lambda: cb


class _Attachment:
    __slots__ = ("callback", "specs")

    def __init__(self, specs: tuple[SubscriptionSpec, ...], callback: EventCallback | None) -> None:
        self.specs = specs
        self.callback = callback


class PrivateFeed:
    """Key lifecycle + gate for the ``upbit-private`` connection (see the module docstring)."""

    def __init__(
        self,
        manager: GlobalWebSocketManager,
        keystore: KeyStore,
        *,
        provider: CredentialsProvider | None = None,
        rest: RestClient | None = None,
        check_interval_s: float = 60.0,
        test_timeout_s: float = 10.0,
    ) -> None:
        self._mgr = manager
        self._keystore = keystore
        self._provider = provider if provider is not None else CredentialsProvider()
        self._rest = rest
        self.check_interval_s = check_interval_s
        self.test_timeout_s = test_timeout_s
        # Components are keyed weakly: a destroyed panel simply disappears from here too.
        self._attached: weakref.WeakKeyDictionary[object, _Attachment] = weakref.WeakKeyDictionary()
        self._registered: weakref.WeakSet[object] = weakref.WeakSet()
        self._status_listeners: list[Callable[[], Callable[[PrivateStatus], None] | None]] = []
        self._balance_listeners: list[Callable[[], BalancesCallback | None]] = []
        # REST snapshot fetches run on worker threads: tracked, and awaited by close(), so no thread
        # outlives the loop it reports to.
        self._snapshot_tasks: set[asyncio.Task[None]] = set()
        self._status = PrivateStatus(PrivateState.NO_KEYS, self._no_keys_message())
        self._connection_added = False
        self._unsubscribe_state: Callable[[], None] | None = None
        self._check_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closed = False
        self.checks_run = 0
        self.snapshots_fetched = 0

    # ------------------------------------------------------------------ lifecycle
    @property
    def provider(self) -> CredentialsProvider:
        """Where the connector reads the keys for each connection attempt."""
        return self._provider

    async def start(self) -> None:
        """Load keys (env > session > keyring), activate if found, start the periodic check."""
        self._unsubscribe_state = self._mgr.add_state_listener(self._on_state)
        creds = await self._keystore_call(self._keystore.load)
        if creds is not None:
            self._provider.set(creds)
            self._activate()
        else:
            self._set_status(PrivateState.NO_KEYS, self._no_keys_message())
        self._check_task = asyncio.get_running_loop().create_task(
            self._check_loop(), name="upbit-monitor:private-key-check"
        )

    async def close(self) -> None:
        """Stop the periodic check and the state listener (the manager closes the connection);
        wait (bounded) for balance snapshots in flight."""
        self._closed = True
        if self._snapshot_tasks:
            _done, pending = await asyncio.wait(list(self._snapshot_tasks), timeout=REST_TIMEOUT_S + 1.0)
            for t in pending:
                t.cancel()
        task, self._check_task = self._check_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._unsubscribe_state is not None:
            self._unsubscribe_state()
            self._unsubscribe_state = None

    async def _keystore_call(self, fn: Callable[..., _T], *args: Any) -> _T:
        # OS keyrings can block (D-Bus round trips, an unlock prompt): never on the GUI/loop thread.
        return await asyncio.to_thread(fn, *args)

    # ------------------------------------------------------------------ components
    def attach(self, component: object, specs: Sequence[SubscriptionSpec],
               callback: EventCallback | None = None) -> None:
        """Declare a private component; it is registered with the manager whenever keys are usable."""
        self._attached[component] = _Attachment(tuple(specs), callback)
        # Not while the key is rejected: a registration (re)starts the connection, i.e. one more
        # knock with the bad key. Such components are registered when valid keys arrive.
        if self._provider.get() is not None and self._status.state is not PrivateState.KEY_PROBLEM:
            self._register(component)

    def detach(self, component: object) -> None:
        """Forget a component (also automatic when it is garbage-collected / destroyed)."""
        self._attached.pop(component, None)
        if component in self._registered:
            self._registered.discard(component)
            self._mgr.unregister(component)

    def follow_public(self, owner: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Register/update ``owner`` on the public connection (e.g. tickers to value assets in KRW)."""
        try:
            self._mgr.update(owner, specs)
        except ManagerError:
            self._mgr.register(owner, specs)

    def latest_ticker(self, code: str) -> Ticker | None:
        """The manager's newest ticker of ``code`` (pull API)."""
        return self._mgr.latest_ticker(code)

    async def fetch_balances(self) -> list[AssetBalance] | None:
        """All balances now, from ``GET /v1/accounts`` (myAsset only reports *changes*, so a panel
        needs this once per connection to show holdings that do not move). None without keys or on
        a REST failure (logged without key material)."""
        creds = self._provider.get()
        if creds is None:
            return None
        if self._rest is None:
            self._rest = RestClient(self._mgr.settings.rest_url, timeout_s=REST_TIMEOUT_S)
        try:
            return await self._rest.accounts(f"Bearer {creds.token()}")
        except RestError as exc:
            log.warning("could not load account balances: %s", exc)
            return None

    def _register(self, component: object) -> None:
        att = self._attached.get(component)
        if att is None or component in self._registered:
            return
        self._ensure_connection()
        self._mgr.register(component, att.specs, connection=NAME, callback=att.callback)
        self._registered.add(component)

    def _ensure_connection(self) -> None:
        if self._connection_added:
            return
        connector = UpbitPrivateConnector(
            self._mgr.settings.ws_private_url,
            self._provider,
            keepalive_interval_s=self._mgr.settings.keepalive_interval_s,
        )
        try:
            self._mgr.add_connection(connector)
        except ManagerError:
            # A connection of that name exists already (built from the registry, which signs with the
            # process-wide provider); it keeps working, and restart() below reuses it.
            log.info("%s: using the existing private connection", NAME)
        self._connection_added = True

    # ------------------------------------------------------------------ status
    @property
    def status(self) -> PrivateStatus:
        """The current status."""
        return self._status

    def add_status_listener(self, cb: Callable[[PrivateStatus], None]) -> Callable[[], None]:
        """Call ``cb(status)`` on every change (bound methods held weakly); returns an unsubscribe."""
        getter = _weak_callable(cb)
        self._status_listeners.append(getter)

        def remove() -> None:
            if getter in self._status_listeners:
                self._status_listeners.remove(getter)

        return remove

    def add_balances_listener(self, cb: BalancesCallback) -> Callable[[], None]:
        """Call ``cb(balances, taken_at_ms)`` with a full REST balance snapshot after every (re)connect
        (and at once if already connected). Bound methods are held weakly. Returns an unsubscribe."""
        getter = _weak_callable(cb)
        self._balance_listeners.append(getter)
        if self._status.state is PrivateState.CONNECTED:
            self._schedule_snapshot()

        def remove() -> None:
            if getter in self._balance_listeners:
                self._balance_listeners.remove(getter)

        return remove

    def _schedule_snapshot(self) -> None:
        if self._closed or not self._balance_listeners:
            return
        task = asyncio.get_running_loop().create_task(self._snapshot(), name="upbit-monitor:balances")
        self._snapshot_tasks.add(task)
        task.add_done_callback(self._snapshot_tasks.discard)

    async def _snapshot(self) -> None:
        taken_at = int(time.time() * 1000)
        balances = await self.fetch_balances()
        if balances is None:
            return
        self.snapshots_fetched += 1
        for getter in list(self._balance_listeners):
            cb = getter()
            if cb is None:
                self._balance_listeners.remove(getter)
                continue
            try:
                cb(balances, taken_at)
            except Exception:
                log.exception("balances listener raised")

    def _set_status(self, state: PrivateState, message: str) -> None:
        creds = self._provider.get()
        hint = mask_access_key(creds.access_key) if creds is not None else None
        status = PrivateStatus(state, message, hint)
        if status == self._status:
            return
        self._status = status
        for getter in list(self._status_listeners):
            cb = getter()
            if cb is None:
                self._status_listeners.remove(getter)
                continue
            try:
                cb(status)
            except Exception:
                log.exception("private status listener raised")

    def _no_keys_message(self) -> str:
        text = "No Upbit API keys: private feeds (my orders, my assets) are off. Enter keys via Keys…"
        notice = self._keystore.notice
        return f"{text}\n{notice}" if notice else text

    def _on_state(self, change: StateChange) -> None:
        if change.connection != NAME or self._provider.get() is None:
            return
        state = change.state
        if state is ConnState.FAILED and _looks_like_auth(change.reason):
            # e.g. a close frame whose reason says INVALID_AUTH with no error frame before it: the
            # connection gave up (FATAL) without knowing it was the key.
            state = ConnState.KEY_PROBLEM
        if state is ConnState.KEY_PROBLEM:
            log.warning("%s: API key rejected (%s); private feed paused until keys change",
                        NAME, change.reason)
            self._set_status(
                PrivateState.KEY_PROBLEM,
                f"Upbit rejected the API key ({change.reason}). Private feeds are paused: check the key, "
                "its permissions and IP allow-list, then enter it again via Keys…",
            )
        elif state is ConnState.CONNECTED:
            self._set_status(PrivateState.CONNECTED, "Connected")
            self._schedule_snapshot()  # myAsset only reports changes: resync the full balances
        elif state is ConnState.CONNECTING:
            self._set_status(PrivateState.CONNECTING, "Connecting to the private feed…")
        elif state is ConnState.RECONNECTING:
            retry = f" in {change.retry_in_s:.0f} s" if change.retry_in_s else ""
            self._set_status(PrivateState.RECONNECTING, f"Reconnecting{retry} ({change.reason})")
        elif state is ConnState.FAILED:
            self._set_status(PrivateState.FAILED, f"Private feed stopped: {change.reason}")

    # ------------------------------------------------------------------ key changes
    def _activate(self) -> None:
        """Keys are present: register every attached component and (re)start the connection."""
        self._set_status(PrivateState.CONNECTING, "Connecting to the private feed…")
        # Components registered before this call mean the connection already exists, possibly stopped
        # by a key problem or running with the previous keys; new registrations start it on their own.
        existed = bool(self._registered)
        for component in list(self._attached.keys()):
            self._register(component)
        if existed:
            conn = self._mgr.connection(NAME)
            if not conn.running:
                conn.start()  # a KEY_PROBLEM-stopped connection resumes here, signing with the new keys
            elif conn.state is not ConnState.CONNECTING:
                conn.reconnect("API keys changed")

    async def use_credentials(self, creds: Credentials, *, persist: bool = True) -> KeySource:
        """Store ``creds`` (keyring, or session-only) and start using them."""
        source = await self._keystore_call(self._keystore.save, creds) if persist else KeySource.SESSION
        self._provider.set(creds)
        self._activate()
        return source

    async def clear_credentials(self) -> None:
        """Forget the keys and stop the private connection; panels show "no keys"."""
        for component in list(self._registered):
            self._mgr.unregister(component)
        self._registered = weakref.WeakSet()
        if self._connection_added:
            await self._mgr.remove_connection(NAME)
            self._connection_added = False
        await self._keystore_call(self._keystore.delete)
        self._provider.set(None)
        self._set_status(PrivateState.NO_KEYS, self._no_keys_message())

    async def check_keys(self) -> None:
        """One round of the periodic key check (see the module docstring)."""
        self.checks_run += 1
        if self._status.state not in (PrivateState.NO_KEYS, PrivateState.KEY_PROBLEM):
            return
        creds = await self._keystore_call(self._keystore.load)
        if creds is None:
            return
        current = self._provider.get()
        if self._status.state is PrivateState.KEY_PROBLEM and current is not None and _same(current, creds):
            return  # still the rejected key: knocking again would only burn the handshake budget
        log.info("%s: new API keys found in the %s; resuming", NAME, self._keystore.source.value)
        self._provider.set(creds)
        self._activate()

    def recheck_soon(self) -> None:
        """Run the key check now instead of waiting for the interval."""
        self._wake.set()

    async def _check_loop(self) -> None:
        while not self._closed:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.check_interval_s)
            try:
                await self.check_keys()
            except Exception:
                log.exception("private key check failed")

    # ------------------------------------------------------------------ KeyController (dialog)
    def current_access_key(self) -> str | None:
        """The access key in use (an identifier; the dialog shows it)."""
        creds = self._provider.get()
        return creds.access_key if creds is not None else None

    def current_algorithm(self) -> str:
        """The JWT algorithm in use (HS512 by default)."""
        creds = self._provider.get()
        return creds.alg if creds is not None else "HS512"

    def has_secret(self) -> bool:
        """True when a secret is configured."""
        return self._provider.get() is not None

    @property
    def storage_notice(self) -> str | None:
        """The key store's problem sentence (e.g. no keyring: session only), or None."""
        return self._keystore.notice

    def storage_text(self) -> str:
        """Where keys live and any keyring problem."""
        source = self._keystore.source
        where = {
            KeySource.ENV: "Keys come from UPBIT_ACCESS_KEY / UPBIT_SECRET_KEY (environment overrides).",
            KeySource.KEYRING: "Keys are stored in the system keyring.",
            KeySource.SESSION: "Keys are kept for this session only.",
            KeySource.NONE: "No keys stored.",
        }[source]
        notice = self._keystore.notice
        return f"{where} {notice}" if notice else where

    def _candidate(self, access_key: str, secret: Secret | None, alg: str) -> Credentials:
        if secret is None:
            current = self._provider.get()
            if current is None:
                raise KeyFormatError("Secret key is empty")
            secret = current.secret_key
        return Credentials.create(access_key, secret, alg)

    async def apply_keys(self, access_key: str, secret: Secret | None, alg: str) -> str:
        """Validate, store and use keys; returns a status sentence (raises KeyFormatError)."""
        creds = self._candidate(access_key, secret, alg)
        source = await self.use_credentials(creds)
        if source is KeySource.KEYRING:
            return "Keys saved in the system keyring; connecting."
        return "Keys kept for this session only (no system keyring available); connecting."

    async def delete_keys(self) -> str:
        """Forget the keys; returns a status sentence."""
        await self.clear_credentials()
        if self._keystore.env_override:
            return "Stored keys deleted; the environment keys remain in effect after a restart."
        return "Keys deleted; private feeds are off."

    async def test_keys(self, access_key: str, secret: Secret | None, alg: str) -> tuple[bool, str]:
        """Open a throw-away private connection with these keys and ask the server what it serves.

        Success = the server answered our ``LIST_SUBSCRIPTIONS`` (it only does so on an authenticated
        connection); failure = INVALID_AUTH, a refused handshake, or no answer in ``test_timeout_s``.
        Uses the same :class:`Connection` machinery as the real feed, with no retries.
        """
        creds = self._candidate(access_key, secret, alg)
        return await probe_private(self._mgr.settings, creds, timeout_s=self.test_timeout_s)


# The shared close-reason vocabulary, plus the handshake statuses our connection reports.
_AUTH_WORDS = ("invalid_auth", "unauthorized", "jwt", "forbidden", "authentication", "http 401", "http 403")


def _looks_like_auth(reason: str) -> bool:
    text = reason.lower()
    return any(word in text for word in _AUTH_WORDS)


def _same(a: Credentials, b: Credentials) -> bool:
    return a.access_key == b.access_key and a.secret_key == b.secret_key and a.alg == b.alg


class _ProbeConnector(UpbitPrivateConnector):
    """Private connector that follows its subscription request with a LIST_SUBSCRIPTIONS query."""

    def build_requests(self, previous: MergedSubscriptions | None, current: MergedSubscriptions) -> list[str]:
        """The normal request, then the query whose reply proves the server accepted us."""
        return [*super().build_requests(previous, current), build_list_subscriptions(ticket=new_ticket())]


async def probe_private(
    settings: Settings, creds: Credentials, *, timeout_s: float = 10.0
) -> tuple[bool, str]:
    """Test ``creds`` against ``settings.ws_private_url``; returns ``(ok, message)`` without key material."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[tuple[bool, str]] = loop.create_future()

    def settle(ok: bool, message: str) -> None:
        if not result.done():
            result.set_result((ok, message))

    def sink(_name: str, events: Sequence[Any], _epoch: int) -> None:
        for ev in events:
            if isinstance(ev, ServerError):
                if ev.name == "INVALID_AUTH":
                    settle(False, "Upbit rejected the key (INVALID_AUTH).")
                else:
                    settle(False, f"Upbit answered with error {ev.name}.")
            elif isinstance(ev, SubscriptionList):
                settle(True, "Keys accepted: the private feed answered.")

    def on_state(change: StateChange) -> None:
        if change.state is ConnState.KEY_PROBLEM:
            settle(False, f"Upbit rejected the key ({change.reason}).")
        elif change.state is ConnState.FAILED:
            settle(False, f"Connection failed: {change.reason}")
        elif change.state is ConnState.RECONNECTING and change.reason != "connecting":
            settle(False, f"Could not connect: {change.reason}")

    subs = SubscriptionSet()
    subs.set_owner("probe", [SubscriptionSpec("myAsset")])
    conn = Connection(
        _ProbeConnector(settings.ws_private_url, CredentialsProvider(creds)),
        sink=sink,
        on_state=on_state,
        connect_timeout_s=min(settings.connect_timeout_s, timeout_s),
        close_timeout_s=settings.close_timeout_s,
    )
    conn.set_subscriptions(subs.merged())
    conn.start()
    try:
        return await asyncio.wait_for(result, timeout_s)
    except TimeoutError:
        return False, f"No answer from the private feed within {timeout_s:g} s."
    finally:
        await conn.close()
