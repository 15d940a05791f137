"""Price lines per market: add/move/remove, version, strict persistence."""

from __future__ import annotations

import json
import math

import pytest

from upbit_monitor.errors import StudySettingsError
from upbit_monitor.features.studies import PriceLineBook


def test_lines_are_kept_per_market_and_sorted():
    book = PriceLineBook()
    a = book.add("KRW-BTC", 150_000_000)
    book.add("KRW-BTC", 140_000_000)
    book.add("KRW-ETH", 5_000_000)
    assert [line.price for line in book.lines("KRW-BTC")] == [140_000_000, 150_000_000]
    version = book.version
    book.move("KRW-BTC", a.line_id, 151_000_000)
    book.remove("KRW-ETH", 99)  # unknown: ignored, no change
    assert book.version == version + 1
    book.remove("KRW-BTC", a.line_id)
    assert [line.price for line in book.lines("KRW-BTC")] == [140_000_000]
    assert book.lines("KRW-XRP") == []


def test_persisted_form_round_trips_and_skips_bad_prices():
    book = PriceLineBook()
    book.add("KRW-BTC", 1.5)
    book.add("KRW-BTC", 2.5)
    back, problems = PriceLineBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert back.to_dict() == {"KRW-BTC": [1.5, 2.5]} and problems == []
    back, problems = PriceLineBook.from_dict({"KRW-BTC": [1.0, -2, "x"], "KRW-ETH": 3})
    assert back.to_dict() == {"KRW-BTC": [1.0]} and len(problems) == 3


@pytest.mark.parametrize("price", [0, -1, math.nan, math.inf, True, "100"])
def test_bad_prices_are_refused(price):
    with pytest.raises(StudySettingsError):
        PriceLineBook().add("KRW-BTC", price)
