"""Trade tape: minimum-value filter, big-trade highlight (remembered), REST fill on a coin switch."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from msgspec.structs import replace
from PySide6.QtCore import QSettings, Qt

from tests.ui.fake_source import FakeSource, trade
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.features.orderflow.watch import load_recent_trades
from upbit_monitor.sim.server import Simulator
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.tape_panel import TapePanel
from upbit_monitor.ui.orderbook.trade_tape import TapeCol, TradeTapeModel
from upbit_monitor.ui.orderbook.view import OrderbookView

TS = 1_795_000_000_000


def _fill(sid: int, krw: float, side: str = "BID", code: str = "KRW-BTC"):
    t = trade(code, 100_000_000, sid, TS + sid, side)
    return replace(t, trade_volume=krw / 100_000_000)


def test_min_value_filter_and_big_trade_highlight() -> None:
    m = TradeTapeModel(Palette(), limit=10)
    m.set_thresholds(1_000_000, 50_000_000)
    fills = [_fill(i, v) for i, v in enumerate([500_000, 2_000_000, 80_000_000, 999_999, 1_000_000])]
    m.set_trades(fills[::-1])
    assert [t.sequential_id for t in m.trades()] == [4, 2, 1]  # under 1,000,000 KRW hidden
    big = [m.data(m.index(r, TapeCol.PRICE), Qt.ItemDataRole.FontRole) is not None for r in range(3)]
    assert big == [False, True, False]
    assert m.data(m.index(1, TapeCol.TIME), Qt.ItemDataRole.BackgroundRole) is not None
    assert m.data(m.index(0, TapeCol.VALUE)) == "100만"
    # Lowering the filter shows the kept fills again, without waiting for new ones.
    m.set_thresholds(0, 50_000_000)
    assert [t.sequential_id for t in m.trades()] == [4, 3, 2, 1, 0]
    # A BTC-market fill is valued with the KRW price of BTC; unknown -> never filtered out.
    m.clear()
    m.set_thresholds(1_000_000, 0)
    m.set_krw_per_quote(None)
    m.set_trades([replace(trade("BTC-ETH", 0.03, 1, TS), trade_volume=0.001)])  # 0.00003 BTC
    assert m.rowCount() == 1
    m.set_krw_per_quote(100_000_000)  # 1 BTC = 100,000,000 KRW: the fill is worth 3,000 KRW
    assert m.rowCount() == 0


def test_an_older_rest_page_goes_below_the_live_fills() -> None:
    m = TradeTapeModel(Palette(), limit=6)
    live = [_fill(i, 1e6) for i in (11, 10)]
    m.set_trades(live)
    page = [_fill(i, 1e6) for i in range(10, 4, -1)]  # 10 (a duplicate) .. 5
    assert m.set_trades(page) == 4  # room for four more rows
    assert [t.sequential_id for t in m.trades()] == [11, 10, 9, 8, 7, 6]
    assert len(m.kept()) == 7


def test_thresholds_are_remembered(tmp_path: Path, qtbot) -> None:
    store = QSettings(str(tmp_path / "t.ini"), QSettings.Format.IniFormat)
    panel = TapePanel(TradeTapeModel(Palette()), Palette(), store)
    qtbot.addWidget(panel)
    panel.set_thresholds(10_000_000, 100_000_000)
    again = TapePanel(TradeTapeModel(Palette()), Palette(), store)
    qtbot.addWidget(again)
    assert (again.model.min_value, again.model.big_value) == (10_000_000, 100_000_000)
    assert again.min_box.currentText() == "₩1,000만"
    store.setValue("tape/min_value", "garbage")
    third = TapePanel(TradeTapeModel(Palette()), Palette(), store)
    qtbot.addWidget(third)
    assert third.model.min_value == 0


def test_tape_is_tall_enough_for_eight_fills(qtbot) -> None:
    view = OrderbookView(FakeSource(), Palette())
    qtbot.addWidget(view)
    view.resize(420, 700)
    view.show()
    qtbot.waitExposed(view)
    rows = view.tape.viewport().height() // view.tape.verticalHeader().defaultSectionSize()
    assert rows >= 8


async def _until(pred: Callable[[], bool], limit_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not pred():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.asyncio
async def test_coin_switch_fills_the_tape_from_rest(qtbot) -> None:
    async with Simulator(msg_rate=50, seed=5) as sim:
        # Let the simulator trade a little so /v1/trades/ticks has a page to serve.
        await _until(lambda: len(sim.model.recent_trades("KRW-ETH")) >= 5)
        rest = RestClient(sim.rest_url)
        src = FakeSource()  # no live fills at all: whatever the tape shows came over REST
        view = OrderbookView(src, Palette())
        qtbot.addWidget(view)
        view.set_trades_loader(lambda code: load_recent_trades(rest, code, pages=1))
        view.set_code("KRW-ETH")
        await _until(lambda: view.tape_model.rowCount() > 0)
        assert {t.code for t in view.tape_model.trades()} == {"KRW-ETH"}
        keys = [(t.trade_timestamp, t.sequential_id) for t in view.tape_model.trades()]
        assert keys == sorted(keys, reverse=True)
        assert view.header.strength_label.text().startswith("체결강도")


def test_a_narrow_tape_hides_value_then_side_and_never_elides(qtbot) -> None:
    model = TradeTapeModel(Palette())
    panel = TapePanel(model, Palette())
    qtbot.addWidget(panel)
    model.set_trades([_fill(i, 123_456_789.0) for i in range(3, 0, -1)])
    tape = panel.tape
    fm = tape.fontMetrics()

    def fits() -> bool:
        for col in TapeCol:
            if tape.isColumnHidden(col):
                continue
            text = model.row(0).texts[col]
            if tape.columnWidth(col) - 10 < fm.horizontalAdvance(text):
                return False
        return True

    for width, hidden in ((700, set()), (330, {TapeCol.VALUE}), (250, {TapeCol.VALUE, TapeCol.SIDE})):
        panel.resize(width, 300)
        panel.show()
        qtbot.waitUntil(lambda h=hidden: {c for c in TapeCol if tape.isColumnHidden(c)} == h)
        assert fits(), width
    # The app's style sheet sets a (bigger) font after construction: columns are measured again.
    panel.setStyleSheet("QTableView { font-size: 17pt; }")
    fm = tape.fontMetrics()
    for width in (900, 450):
        panel.resize(width, 300)
        qtbot.waitUntil(lambda: fits())


@pytest.mark.parametrize(
    ("code", "price", "krw"), [("KRW-BTC", 100_000_000, 4_073.0), ("KRW-SHIB", 0.01829, 9e6)]
)
def test_no_width_elides_a_size(qtbot, code, price, krw) -> None:
    # A 0.00004073 BTC fill (ten characters) was elided to "0.000…" at the ~357 px the tape gets at
    # 1024x700: the least width left to Size was that of "0.0008888". Huge SHIB sizes likewise.
    model = TradeTapeModel(Palette())
    panel = TapePanel(model, Palette())
    qtbot.addWidget(panel)
    fills = [replace(trade(code, price, i, TS + i, "BID"), trade_volume=krw / price) for i in range(3, 0, -1)]
    model.set_trades(fills)
    tape = panel.tape
    panel.show()
    fm = tape.fontMetrics()
    text = model.row(0).texts[TapeCol.SIZE]
    for width in range(340, 520, 6):  # the ladder dock is never narrower than LADDER_MIN (360)
        panel.resize(width, 300)
        qtbot.waitUntil(
            lambda: tape.columnWidth(TapeCol.SIZE) - 10 >= fm.horizontalAdvance(text), timeout=1000
        )
