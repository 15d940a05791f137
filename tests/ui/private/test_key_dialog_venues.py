"""The API keys dialog with one controller per venue: the Venue field picks whose keys are shown, saved,
tested and deleted; each venue's keys land in its own keyring entries."""

from __future__ import annotations

import pytest

from tests.features.private.env import private_env
from tests.features.private.helpers import ACCESS, SECRET, MemoryKeyring
from upbit_monitor.credentials.keystore import KeyStore
from upbit_monitor.features.private.feed import PrivateFeed
from upbit_monitor.ui.private.key_dialog import ApiKeysDialog

BITHUMB_ACCESS = "BithumbAccess0123456789abcdef"


@pytest.mark.asyncio
async def test_venue_field_routes_save_and_delete_to_that_venues_store() -> None:
    async with private_env() as (_sim, mgr):
        keyring = MemoryKeyring()
        feeds = {venue: PrivateFeed(mgr, KeyStore(backend=keyring, env={}, venue=venue), venue=venue)
                 for venue in ("upbit", "bithumb")}
        dialog = ApiKeysDialog(feeds, labels={"upbit": "Upbit", "bithumb": "Bithumb"})
        try:
            assert dialog.venue_combo.count() == 2 and dialog.windowTitle() == "Upbit API keys"
            dialog.set_venue("bithumb")
            assert dialog.venue == "bithumb" and dialog.windowTitle() == "Bithumb API keys"
            assert dialog.alg_combo.currentText() == "HS256"  # Bithumb's default algorithm
            assert "BITHUMB_ACCESS_KEY" not in dialog.storage_label.text()  # no env keys: "No keys stored."
            dialog.access_edit.setText(BITHUMB_ACCESS)
            dialog.secret_edit.setText(SECRET)
            dialog.save_button.click()
            assert not dialog.venue_combo.isEnabled()  # the venue stays put while saving
            await dialog.wait_idle()
            assert "Bithumb keys" in dialog.result_label.text()
            assert keyring.get_password("upbit-monitor", "bithumb:access_key") == BITHUMB_ACCESS
            assert keyring.get_password("upbit-monitor", "access_key") is None  # Upbit's untouched
            assert feeds["bithumb"].current_access_key() == BITHUMB_ACCESS
            assert feeds["upbit"].current_access_key() is None

            dialog.set_venue("upbit")
            assert dialog.access_edit.text() == "" and dialog.result_label.text() == ""
            dialog.access_edit.setText(ACCESS)
            dialog.secret_edit.setText(SECRET)
            dialog.save_button.click()
            await dialog.wait_idle()
            assert keyring.get_password("upbit-monitor", "access_key") == ACCESS

            dialog.set_venue("bithumb")
            assert dialog.access_edit.text() == BITHUMB_ACCESS
            dialog.delete_button.click()
            await dialog.wait_idle()
            assert keyring.get_password("upbit-monitor", "bithumb:access_key") is None
            assert keyring.get_password("upbit-monitor", "access_key") == ACCESS
        finally:
            dialog.close()
            dialog.deleteLater()
            for feed in feeds.values():
                await feed.close()
