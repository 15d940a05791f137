"""PrivateFeed: decides when a venue's private connection (``upbit-private``, ``bithumb-private``) runs,
and with which keys. One feed per venue: each has its own key store (keys are per venue) and provider.

The manager drives the private connection with the same machinery as the public one (reconnect, epochs,
metrics, merged requests); this controller adds the key lifecycle on top, using only the manager's public
API (``add_connection``, ``register``/``unregister``, ``connection(name)``, ``remove_connection``, state
listeners):

- **No keys**: the private components are *not* registered, so the manager never opens the connection;
  panels show "no API keys" instead of an empty table. The app runs public-only.
- **Keys**: components are registered on ``upbit-private``; the connector signs a fresh JWT per attempt
  from :class:`~upbit_monitor.exchanges.base.CredentialsProvider`.
- **Key problem**: ``INVALID_AUTH`` or a 401/403 handshake makes the connection stop itself (state
  ``KEY_PROBLEM``, no retry storm); the feed shows a clear notice. When new keys are entered (dialog or a
  periodic re-read of the key store), the stopped connection is started again with them.
- **Periodic key check** (``check_interval_s``): while there are no keys or the key was rejected, the key
  store is re-read (environment / keyring may have been fixed outside the app); a live, authenticated
  connection needs no check (Upbit closes it if the key is revoked, and the reconnect then fails with 401).

It implements the :class:`~upbit_monitor.ui.private.key_dialog.KeyController` protocol for the keys dialog
(:mod:`~upbit_monitor.features.private.key_control`).
Helpers live next door: :mod:`~upbit_monitor.features.private.status` (status types),
:mod:`~upbit_monitor.features.private.balances` (REST balance snapshots),
:mod:`~upbit_monitor.features.private.probe`
(the "Test connection" probe). No Qt import: it is testable on a plain loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from upbit_monitor.connection.rest import RestClient
from upbit_monitor.connection.state import ConnState, StateChange
from upbit_monitor.credentials.keystore import KeySource, KeyStore
from upbit_monitor.errors import ConfigError, ManagerError
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.exchanges.registry import descriptor
from upbit_monitor.exchanges.upbit import PrivateSigning
from upbit_monitor.features.private.balances import REST_TIMEOUT_S, BalancesCallback, BalanceSnapshots
from upbit_monitor.features.private.key_control import KeyControl
from upbit_monitor.features.private.probe import probe_private
from upbit_monitor.features.private.status import PrivateState, PrivateStatus, StatusBoard, status_for_change
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.auth import Credentials, mask_access_key
from upbit_monitor.protocol.events import AssetBalance, Ticker
from upbit_monitor.protocol.subscriptions import SubscriptionSpec

__all__ = ["BalancesCallback", "PrivateFeed", "PrivateState", "PrivateStatus", "probe_private"]

log = logging.getLogger(__name__)

EventCallback = Callable[[Any], None]
_T = TypeVar("_T")


class _Attachment:
    __slots__ = ("callback", "specs")

    def __init__(self, specs: tuple[SubscriptionSpec, ...], callback: EventCallback | None) -> None:
        self.specs = specs
        self.callback = callback


class PrivateFeed(KeyControl):
    """Key lifecycle + gate for one venue's private connection (see the module docstring)."""

    @classmethod
    def create(cls, mgr: GlobalWebSocketManager, *, demo_keys: tuple[str, str] | None = None,
               venue: str = "upbit", demo: bool = False) -> PrivateFeed:
        """A feed over the venue's key store (keyring + environment), or a demo store.

        ``demo`` (or ``demo_keys``, the simulator's access/secret key) selects a session-only store that
        ignores the environment and the user's keyring, pre-loaded with ``demo_keys`` if given (HS256:
        the simulator's demo secret is shorter than the 64 bytes RFC 7518 advises for HS512). The key
        store stays behind the feature, so the UI never touches credentials itself.
        """
        if demo_keys is None and not demo:
            return cls(mgr, KeyStore(venue=venue), venue=venue)
        keystore = KeyStore(env={}, persistent=False, venue=venue)
        if demo_keys is not None:
            keystore.save(Credentials.create(demo_keys[0], demo_keys[1], "HS256"))
        return cls(mgr, keystore, venue=venue)

    def __init__(
        self,
        manager: GlobalWebSocketManager,
        keystore: KeyStore,
        *,
        provider: CredentialsProvider | None = None,
        rest: RestClient | None = None,
        check_interval_s: float = 60.0,
        test_timeout_s: float = 10.0,
        venue: str = "upbit",
    ) -> None:
        self._exchange = descriptor(venue)
        private, profile = self._exchange.private, self._exchange.profile
        if private is None or profile is None:
            raise ConfigError(f"venue {venue!r} has no private connection")
        self.venue = venue
        self.label = self._exchange.label
        self.connection_name = private.name
        self._mgr = manager
        self._keystore = keystore
        self._provider = provider if provider is not None else CredentialsProvider()
        self.check_interval_s = check_interval_s
        self.test_timeout_s = test_timeout_s
        # Components are keyed weakly: a destroyed panel simply disappears from here too.
        self._attached: weakref.WeakKeyDictionary[object, _Attachment] = weakref.WeakKeyDictionary()
        self._registered: weakref.WeakSet[object] = weakref.WeakSet()
        if rest is None:
            rest = RestClient(profile.rest_url(manager.settings), timeout_s=REST_TIMEOUT_S,
                              details_param=profile.rest_details_param)
        self._balances = BalanceSnapshots(self._provider, rest, timestamp=profile.private_version != "v1")
        self._board = StatusBoard(PrivateStatus(PrivateState.NO_KEYS, self._no_keys_message()))
        self._connection_added = False
        self._unsubscribe_state: Callable[[], None] | None = None
        self._check_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closed = False
        self.checks_run = 0

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
            self._check_loop(), name=f"upbit-monitor:{self.venue}-private-key-check"
        )

    async def close(self) -> None:
        """Stop the periodic check and the state listener (the manager closes the connection);
        wait (bounded) for balance snapshots in flight."""
        self._closed = True
        await self._balances.close()
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
        if self._provider.get() is not None and self._board.status.state is not PrivateState.KEY_PROBLEM:
            self._register(component)

    def detach(self, component: object) -> None:
        """Forget a component (also automatic when it is garbage-collected / destroyed)."""
        self._attached.pop(component, None)
        if component in self._registered:
            self._registered.discard(component)
            self._mgr.unregister(component)

    def follow_public(self, owner: object, specs: Sequence[SubscriptionSpec]) -> None:
        """Register/update ``owner`` on the venue's public connection (tickers to value assets in KRW)."""
        self._mgr.want(owner, specs, connection=self._exchange.public.name)

    def latest_ticker(self, code: str) -> Ticker | None:
        """The manager's newest ticker of ``code`` on this venue (pull API)."""
        return self._mgr.latest_ticker(code, venue=self.venue)

    async def fetch_balances(self) -> list[AssetBalance] | None:
        """All balances now (``GET /v1/accounts``), or None without keys / on a REST failure."""
        return await self._balances.fetch()

    def add_balances_listener(self, cb: BalancesCallback) -> Callable[[], None]:
        """Call ``cb(balances, taken_at_ms)`` with a full REST balance snapshot after every (re)connect
        (and at once if already connected). Bound methods are held weakly. Returns an unsubscribe."""
        remove = self._balances.add_listener(cb)
        if self._board.status.state is PrivateState.CONNECTED:
            self._balances.schedule()
        return remove

    @property
    def snapshots_fetched(self) -> int:
        """Balance snapshots delivered so far."""
        return self._balances.fetched

    def _register(self, component: object) -> None:
        att = self._attached.get(component)
        if att is None or component in self._registered:
            return
        self._ensure_connection()
        self._mgr.register(component, att.specs, connection=self.connection_name, callback=att.callback)
        self._registered.add(component)

    def _ensure_connection(self) -> None:
        if self._connection_added:
            return
        connector = self._exchange.create(self._mgr.settings, name=self.connection_name)
        if isinstance(connector, PrivateSigning):
            # The descriptor's factory signs with the process-wide provider; this feed holds its own keys.
            connector.credentials = self._provider
        try:
            self._mgr.add_connection(connector)
        except ManagerError:
            # A connection of that name exists already (built from the registry, which signs with the
            # process-wide provider); it keeps working, and restart() below reuses it.
            log.info("%s: using the existing private connection", self.connection_name)
        self._connection_added = True

    # ------------------------------------------------------------------ status
    @property
    def status(self) -> PrivateStatus:
        """The current status."""
        return self._board.status

    def add_status_listener(self, cb: Callable[[PrivateStatus], None]) -> Callable[[], None]:
        """Call ``cb(status)`` on every change (bound methods held weakly); returns an unsubscribe."""
        return self._board.add_listener(cb)

    def _set_status(self, state: PrivateState, message: str) -> None:
        creds = self._provider.get()
        hint = mask_access_key(creds.access_key) if creds is not None else None
        self._board.set(PrivateStatus(state, message, hint))

    def _no_keys_message(self) -> str:
        text = f"No {self.label} API keys: private feeds (my orders, my assets) are off. Enter keys via Keys…"
        notice = self._keystore.notice
        return f"{text}\n{notice}" if notice else text

    def _on_state(self, change: StateChange) -> None:
        if change.connection != self.connection_name or self._provider.get() is None:
            return
        shown = status_for_change(change, self.label)
        if shown is None:
            return
        if shown[0] is PrivateState.KEY_PROBLEM:
            log.warning("%s: API key rejected (%s); private feed paused until keys change",
                        self.connection_name, change.reason)
        self._set_status(*shown)
        if shown[0] is PrivateState.CONNECTED:
            self._balances.schedule()  # myAsset only reports changes: resync the full balances

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
            conn = self._mgr.connection(self.connection_name)
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
            await self._mgr.remove_connection(self.connection_name)
            self._connection_added = False
        await self._keystore_call(self._keystore.delete)
        self._provider.set(None)
        self._set_status(PrivateState.NO_KEYS, self._no_keys_message())

    async def check_keys(self) -> None:
        """One round of the periodic key check (see the module docstring)."""
        self.checks_run += 1
        if self._board.status.state not in (PrivateState.NO_KEYS, PrivateState.KEY_PROBLEM):
            return
        creds = await self._keystore_call(self._keystore.load)
        if creds is None:
            return
        current = self._provider.get()
        rejected = self._board.status.state is PrivateState.KEY_PROBLEM
        if rejected and current is not None and _same(current, creds):
            return  # still the rejected key: knocking again would only burn the handshake budget
        log.info("%s: new API keys found in the %s; resuming", self.connection_name,
                 self._keystore.source.value)
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


def _same(a: Credentials, b: Credentials) -> bool:
    return a.access_key == b.access_key and a.secret_key == b.secret_key and a.alg == b.alg
