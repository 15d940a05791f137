"""Private panels end to end: notices without keys, myOrder/myAsset from the simulator into the models,
KRW valuation from live tickers, clean disappearance when destroyed."""

from __future__ import annotations

import asyncio
import time

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QMainWindow

from tests.features.private.env import feed_env, private_env, valid_creds, wait_until
from tests.features.private.helpers import ACCESS, SECRET, WRONG_SECRET, my_asset, my_order
from upbit_monitor.exchanges.order_state import OrderState
from upbit_monitor.exchanges.upbit import PRIVATE as NAME
from upbit_monitor.features.private.feed import PrivateState
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.ui.private.embed import install_private_ui, start_private_ui
from upbit_monitor.ui.private.panels import MyAssetsPanel, MyOrdersPanel

# Wire timestamps must be real times: the parser rejects anything before 2017.
T1, T2, T3 = 1_700_000_001_000, 1_700_000_002_000, 1_700_000_003_000


def _push(sim, key: str, event) -> None:
    """Send a private event to every session subscribed to it, through the simulator's own encoder."""
    subs = sim.feed.index.get((key, "*"), set())
    assert subs, f"no session subscribed to {key}"
    sim.feed.send(tuple(subs), event)


async def _delete(widget) -> None:
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_panels_say_why_without_keys_and_with_a_bad_key() -> None:
    async with feed_env(None) as (_sim, _mgr, h):
        await h.feed.start()
        orders, assets = MyOrdersPanel(h.feed), MyAssetsPanel(h.feed)
        try:
            for panel in (orders, assets):
                assert panel.showing_notice
                assert "No Upbit API keys" in panel.notice_label.text()
            await h.feed.apply_keys(ACCESS, Credentials.create(ACCESS, WRONG_SECRET).secret_key, "HS512")
            await h.wait_state(PrivateState.KEY_PROBLEM)
            assert orders.showing_notice and "rejected the API key" in orders.notice_label.text()
            await h.feed.apply_keys(ACCESS, Credentials.create(ACCESS, SECRET).secret_key, "HS512")
            await h.wait_state(PrivateState.CONNECTED)
            assert not orders.showing_notice and not assets.showing_notice
        finally:
            await _delete(orders)
            await _delete(assets)


@pytest.mark.asyncio
async def test_fills_and_balances_reach_the_panels() -> None:
    async with feed_env(valid_creds()) as (sim, mgr, h):
        await h.feed.start()
        orders = MyOrdersPanel(h.feed)
        assets = MyAssetsPanel(h.feed, refresh_ms=20)
        try:
            await h.wait_state(PrivateState.CONNECTED)
            index = sim.feed.index
            await wait_until(lambda: index.get(("myOrder", "*")) and index.get(("myAsset", "*")))
            await wait_until(lambda: assets.snapshots_loaded >= 1)  # REST balances first, then the stream
            now = int(time.time() * 1000) + 1000
            _push(sim, "myOrder", my_order("o-1", "wait", price="142000000", volume="0.01", timestamp=T1))
            fill = my_order("o-1", "trade", price="141990000", volume="0.004", executed="0.004",
                            remaining="0.006", trade_uuid="t-1", timestamp=T2, trade_timestamp=T2)
            _push(sim, "myOrder", fill)
            _push(sim, "myAsset", my_asset(("KRW", "1000000", "568000"), ("BTC", "0.004", "0"), ts=now))
            await wait_until(
                lambda: orders.fills_model.rowCount() == 1
                and str(assets.assets_model.balance("BTC").balance) == "0.004"
            )
            row = orders.orders_model.row_of("o-1")
            assert row is not None and row.state is OrderState.PARTIALLY_FILLED
            assert str(row.volume) == "0.01"  # the order's volume, not the fill's
            shown = orders.fills_model.fills()[0]
            assert shown.trade_uuid == "t-1" and str(shown.price) == "141990000"
            assert str(assets.assets_model.balance("KRW").locked) == "568000"
            # KRW value of BTC comes from the live public ticker the panel subscribed to.
            await wait_until(lambda: assets.assets_model.value_krw("BTC") is not None)
            ticker = mgr.latest_ticker("KRW-BTC")
            assert ticker is not None
            assert "KRW-BTC" in mgr.subscriptions("upbit-public").codes_for("ticker")
            assert "Total ≈" in assets.total_label.text()
            # Order done: no longer open.
            _push(sim, "myOrder", my_order("o-1", "done", executed="0.01", remaining="0", timestamp=T3))
            await wait_until(lambda: orders.orders_model.row_of("o-1").state is OrderState.FILLED)
            assert orders.orders_model.open_count() == 0
        finally:
            await _delete(orders)
            if shiboken6.isValid(assets):
                await _delete(assets)


@pytest.mark.asyncio
async def test_destroyed_panel_drops_its_subscription() -> None:
    async with feed_env(valid_creds()) as (sim, mgr, h):
        await h.feed.start()
        orders = MyOrdersPanel(h.feed)
        assets = MyAssetsPanel(h.feed)
        try:
            await h.wait_state(PrivateState.CONNECTED)
            await wait_until(lambda: sim.feed.index.get(("myAsset", "*")))
            assert set(mgr.subscriptions(NAME).as_dict()) == {"myOrder", "myAsset"}
            await _delete(assets)
            del assets
            await wait_until(lambda: set(mgr.subscriptions(NAME).as_dict()) == {"myOrder"})
            # The server is told: the private socket now carries only myOrder.
            await wait_until(lambda: sim.feed.index.get(("myOrder", "*"))
                             and not sim.feed.index.get(("myAsset", "*")))
            assert [r.component_name for r in mgr.registrations() if r.connection == NAME] == [
                "MyOrdersPanel 'MyOrdersPanel'"
            ]
        finally:
            await _delete(orders)


@pytest.mark.asyncio
async def test_install_into_a_window_and_open_the_dialog() -> None:
    async with feed_env(None) as (_sim, _mgr, h):
        await h.feed.start()
        window = QMainWindow()
        notices: list[str] = []
        try:
            ui = install_private_ui(window, h.feed)
            ui._notice = notices.append
            assert ui.orders_dock.objectName() == "MyOrdersDock"
            assert ui.assets_dock.objectName() == "MyAssetsDock"
            assert ui.orders_panel.showing_notice
            ui.orders_panel.keys_requested.emit()  # the "Keys…" button on the notice page
            dialog = ui.dialog
            assert dialog is not None and dialog.isVisible() and not dialog.isModal()
            dialog.access_edit.setText(ACCESS)
            dialog.secret_edit.setText(SECRET)
            dialog.save_button.click()
            await dialog.wait_idle()
            assert "connecting" in dialog.result_label.text()
            assert dialog.secret_edit.text() == ""  # never left in the widget
            await h.wait_state(PrivateState.CONNECTED)
            assert not ui.orders_panel.showing_notice
            assert notices == ["Private feed: connected"]
            ui.close()
        finally:
            window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_start_private_ui_demo_keys_connect_without_touching_the_keyring(monkeypatch) -> None:
    import contextlib

    import keyring

    def forbidden(*_a, **_k):
        raise AssertionError("demo mode must not touch the keyring")

    monkeypatch.setattr(keyring, "get_keyring", forbidden)
    monkeypatch.setenv("UPBIT_ACCESS_KEY", "EnvAccess0123456789abcdef")  # must be ignored in demo mode
    monkeypatch.setenv("UPBIT_SECRET_KEY", WRONG_SECRET)
    async with private_env() as (sim, _mgr):
        window = QMainWindow()
        try:
            async with contextlib.AsyncExitStack() as stack:
                ui = await start_private_ui(window, _mgr, stack, demo_keys=(ACCESS, SECRET))
                statuses: list[PrivateState] = []
                done = asyncio.Event()

                def on_status(status) -> None:
                    statuses.append(status.state)
                    if status.state is PrivateState.CONNECTED:
                        done.set()

                ui.feed.add_status_listener(on_status)
                if ui.feed.status.state is not PrivateState.CONNECTED:
                    await asyncio.wait_for(done.wait(), 5)
                assert [r.auth_alg for r in sim.connections if r.private] == ["HS256"]
                assert not ui.orders_panel.showing_notice
        finally:
            window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_dialog_test_connection_and_secret_hygiene() -> None:
    from PySide6.QtWidgets import QLineEdit

    from upbit_monitor.ui.private.key_dialog import ApiKeysDialog

    async with feed_env(valid_creds()) as (_sim, _mgr, h):
        await h.feed.start()
        dialog = ApiKeysDialog(h.feed)
        try:
            dialog.show()
            # A stored secret is never shown again; the access key (an identifier) is.
            assert dialog.secret_edit.text() == "" and "stored" in dialog.secret_edit.placeholderText()
            assert dialog.access_edit.text() == ACCESS
            assert dialog.secret_edit.echoMode() is QLineEdit.EchoMode.Password
            assert dialog.access_edit.echoMode() is QLineEdit.EchoMode.Normal  # an identifier: shown
            dialog.test_button.click()  # empty secret field = test the stored one
            await dialog.wait_idle()
            assert dialog.result_label.text().startswith("✓ Keys accepted")
            dialog.secret_edit.setText(WRONG_SECRET)
            dialog.test_button.click()
            assert not dialog.test_button.isEnabled()  # busy while the probe runs
            await dialog.wait_idle()
            assert dialog.result_label.text().startswith("✗") and "rejected" in dialog.result_label.text()
            dialog.secret_edit.setText("Qz9xW7vK")
            dialog.save_button.click()
            await dialog.wait_idle()
            text = dialog.result_label.text()
            assert "Secret key is too short" in text and "Qz9xW7vK" not in text
            # hide(), not close(): closing the last top-level window would quit the app (and the loop).
            dialog.hide()
            assert dialog.secret_edit.text() == ""  # cleared on hide
            assert h.feed.status.state is not PrivateState.KEY_PROBLEM  # tests never touched the live feed
        finally:
            dialog.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_simulated_account_orders_fills_and_balances_show_in_the_panels() -> None:
    async with feed_env(valid_creds("HS256")) as (sim, _mgr, h):
        await h.feed.start()
        orders = MyOrdersPanel(h.feed)
        assets = MyAssetsPanel(h.feed, refresh_ms=20)
        try:
            await h.wait_state(PrivateState.CONNECTED)
            index = sim.feed.index
            await wait_until(lambda: index.get(("myOrder", "*")) and index.get(("myAsset", "*")))
            account = sim.account
            # Holdings that never change (no myAsset for them) still show: a REST /v1/accounts snapshot.
            await wait_until(lambda: assets.snapshots_loaded >= 1)
            assert assets.assets_model.balance("ETH").balance == account.balance("ETH")[0]
            assert {assets.assets_model.data(assets.assets_model.index(r, 0))
                    for r in range(assets.assets_model.rowCount())} == set(account.balances())
            # A market buy for 100,000 KRW fills at once (taker): wait -> trade -> done + balances.
            bought = account.place_order("KRW-BTC", "bid", "price", price=100_000)
            # A limit bid far below the market rests on the book, then is cancelled.
            resting = account.place_order("KRW-ETH", "bid", "limit", price=1_000, volume=0.5)
            await wait_until(lambda: orders.orders_model.row_of(resting) is not None)
            assert orders.orders_model.row_of(resting).state is OrderState.OPEN
            account.cancel_order(resting)
            await wait_until(lambda: orders.orders_model.row_of(resting).state is OrderState.CANCELLED)
            row = orders.orders_model.row_of(bought)
            assert row is not None and row.state is OrderState.FILLED
            fills = orders.fills_model.fills()
            assert [f.uuid for f in fills] == [bought] and fills[0].trade_uuid
            assert orders.orders_model.open_count() == 0
            # Balances follow the account exactly (KRW paid incl. fee, BTC received).
            krw_balance, krw_locked = account.balance("KRW")
            btc_balance, _ = account.balance("BTC")
            await wait_until(lambda: assets.assets_model.balance("KRW") is not None
                             and assets.assets_model.balance("KRW").balance == krw_balance)
            assert assets.assets_model.balance("KRW").locked == krw_locked
            assert assets.assets_model.balance("BTC").balance == btc_balance
            await wait_until(lambda: assets.assets_model.value_krw("BTC") is not None)
        finally:
            await _delete(orders)
            await _delete(assets)


@pytest.mark.asyncio
async def test_no_keyring_backend_is_announced() -> None:
    import keyring.backends.fail

    from upbit_monitor.credentials.keystore import NO_BACKEND_NOTICE, KeyStore
    from upbit_monitor.features.private.feed import PrivateFeed
    from upbit_monitor.ui.private.embed import PrivateUi

    async with private_env() as (_sim, mgr):
        feed = PrivateFeed(mgr, KeyStore(backend=keyring.backends.fail.Keyring(), env={}))
        await feed.start()
        window = QMainWindow()
        notices: list[str] = []
        try:
            ui = PrivateUi(window, feed, notice=notices.append)
            assert notices == [f"API keys: {NO_BACKEND_NOTICE}"]
            assert NO_BACKEND_NOTICE in ui.orders_panel.notice_label.text()
            assert "session only" in feed.storage_text()
            ui.close()
        finally:
            await feed.close()
            window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            await asyncio.sleep(0)
