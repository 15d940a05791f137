"""Demo mode's notice board: synthetic Upbit notices now and then, some of them new listings.

Every ``demo_announcements_every_s`` seconds a notice is posted (CREATED); now and then an earlier one
is edited (UPDATED). Every ``listing_every``-th notice announces a new KRW market ("신규 거래지원 안내");
``listing_delay_s`` later that coin is listed in the market model and pumps: its book is walked up
about 1.5 % a second for a minute on heavy buying, then it drifts back part of the way, the pattern a
trader watching this feed wants to catch. Driven by a ``call_later`` chain (qasync-safe, see Feed.start).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

from upbit_monitor.protocol.ticks import tick_for
from upbit_monitor.sim.announcements import AnnouncementBoard
from upbit_monitor.sim.catalog import SimMarket, _generated_coin
from upbit_monitor.sim.config import SimConfig
from upbit_monitor.sim.market import MarketModel, TradeTick

_ROUTINE: tuple[tuple[str, str, str], ...] = (
    ("wallet", "{name}({sym}) 입출금 일시 중단 안내", "{name}({sym}) 업그레이드로 입출금이 일시 중단됩니다."),
    ("maintenance", "서버 점검 안내 ({when})", "보다 안정적인 서비스를 위해 서버 점검을 진행합니다."),
    ("trade", "{name}({sym}) 유의 종목 지정 안내", "{sym}이(가) 투자 유의 종목으로 지정되었습니다."),
    ("event", "{name}({sym}) 거래 이벤트 안내", "이벤트 기간 동안 {sym} 거래 시 보상을 지급합니다."),
    ("notice", "개인정보 처리방침 개정 안내", "개인정보 처리방침이 개정되어 안내드립니다."),
    ("disclosure", "{name}({sym}) 프로젝트 공시", "{name} 프로젝트의 주요 변경 사항이 공시되었습니다."),
    ("airdrop", "{name}({sym}) 에어드랍 지원 안내", "{sym} 보유 회원을 대상으로 에어드랍을 지원합니다."),
)
PUMP_SECONDS = 60
PUMP_STEP = 0.015  # price rise per second during the pump


class DemoNotices:
    """Posts demo notices and runs the listing pumps."""

    def __init__(self, model: MarketModel, board: AnnouncementBoard, config: SimConfig) -> None:
        self.model = model
        self.board = board
        self.config = config
        self.on_trade: Callable[[TradeTick], None] = lambda _t: None  # the feed dispatches prints
        self.listed: list[str] = []
        self._rng = random.Random(f"demo-notices-{config.seed}")
        self._count = 0
        self._handles: set[asyncio.Handle] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Begin posting (first notice after a few seconds, so a fresh window sees one early)."""
        self._loop = loop
        every = self.config.demo_announcements_every_s
        if every > 0:
            self._later(min(5.0, every), self._post)

    def stop(self) -> None:
        """Cancel everything scheduled."""
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()
        self._stopped = True

    def _later(self, delay: float, fn: Callable[[], None]) -> None:
        if self._stopped:
            return
        loop = self._loop or asyncio.get_running_loop()
        handle: asyncio.Handle

        def run() -> None:
            self._handles.discard(handle)
            fn()

        handle = loop.call_later(delay, run)
        self._handles.add(handle)

    def _post(self) -> None:
        self._count += 1
        try:
            if self._count % max(self.config.listing_every, 1) == 0:
                self.announce_listing()
            elif self.board.notices and self._rng.random() < 0.2:
                uid = self._rng.choice(sorted(self.board.notices))
                old = self.board.notices[uid]
                self.board.update(uid, title=old.title.removesuffix(" (수정)") + " (수정)")
            else:
                self._routine()
        finally:
            jitter = self._rng.uniform(0.7, 1.3)
            self._later(self.config.demo_announcements_every_s * jitter, self._post)

    def _routine(self) -> None:
        category, title, body = self._rng.choice(_ROUTINE)
        info = self.model.state(self._rng.choice(self.model.codes("KRW")[:60])).info
        when = time.strftime("%m/%d %H:%M", time.gmtime(time.time() + 9 * 3600 + 86400))
        fields = {"name": info.korean_name, "sym": info.base, "when": when}
        self.board.announce(title.format(**fields), category, body=body.format(**fields))

    def announce_listing(self) -> SimMarket:
        """Post a new-listing notice; the coin lists ``listing_delay_s`` later and pumps."""
        taken = {m.base for m in self.model.markets}
        symbol, english, korean, price = _generated_coin(self._rng, taken)
        info = SimMarket(f"KRW-{symbol}", korean, english, price, 0.4)
        start = time.strftime("%H:%M", time.gmtime(time.time() + 9 * 3600 + self.config.listing_delay_s))
        self.board.announce(
            f"{korean}({symbol}) 신규 거래지원 안내 (KRW 마켓)", "trade",
            body=f"{korean}({symbol}) KRW 마켓 거래지원을 시작합니다. 거래 지원 개시 시점: {start} (KST)")
        self._later(self.config.listing_delay_s, lambda: self.list_and_pump(info))
        return info

    def list_and_pump(self, info: SimMarket) -> None:
        """List ``info`` now and start its pump."""
        now_ms = int(time.time() * 1000)
        if self.model.has(info.code):
            return
        self.model.list_market(info, now_ms)
        self.listed.append(info.code)
        self._pump(info.code, PUMP_SECONDS)

    def _pump(self, code: str, seconds_left: int) -> None:
        st = self.model.state(code)
        if seconds_left <= 0:
            # Cool down: less activity, drifting back towards 70 % of the peak.
            self.model.set_activity(code, 0.05, target_price=st.price * 0.7)
            return
        ticks = max(1, round(st.price * PUMP_STEP / tick_for(code, st.price)))
        st.book.move(ticks, self._rng)
        now_ms = int(time.time() * 1000)
        volume = st.book.mean_size * self._rng.uniform(2.0, 6.0)
        self.on_trade(self.model.print_trade(code, "BID", volume, now_ms))
        self._later(1.0, lambda: self._pump(code, seconds_left - 1))
