"""Study settings: plain dict round trip, strict reading with clear messages."""

from __future__ import annotations

import json

import pytest

from upbit_monitor.errors import StudySettingsError
from upbit_monitor.features.studies import (
    STUDY_TYPES,
    BollingerSettings,
    MacdSettings,
    SmaSettings,
    Source,
    studies_from_list,
    studies_to_list,
    study_from_dict,
    study_to_dict,
)


def test_every_kind_round_trips_through_json():
    studies = [cls() for cls in STUDY_TYPES.values()]
    studies.append(MacdSettings(5, 35, 5, source=Source.SERVER))
    stored = json.loads(json.dumps(studies_to_list(studies)))
    back, problems = studies_from_list(stored)
    assert back == studies and problems == []


def test_plain_form_and_labels():
    assert study_to_dict(BollingerSettings(20, 2.5)) == {
        "kind": "bb", "source": "local", "period": 20, "mult": 2.5,
    }
    assert SmaSettings(50).label() == "SMA 50"
    assert BollingerSettings(20, 2.0).label() == "BB 20 2"
    assert MacdSettings().label() == "MACD 12 26 9"


def test_missing_parameters_take_defaults():
    assert study_from_dict({"kind": "sma"}) == SmaSettings()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "ichimoku"}, "unknown study kind"),
        ({"kind": "sma", "period": 0}, "period must be a whole number"),
        ({"kind": "sma", "period": "20"}, "period must be a whole number"),
        ({"kind": "sma", "period": True}, "period must be a whole number"),
        ({"kind": "sma", "length": 20}, "unknown field"),
        ({"kind": "bb", "mult": 50}, "mult must be"),
        ({"kind": "macd", "fast": 26, "slow": 12}, "fast"),
        ({"kind": "rsi", "source": "cloud"}, "unknown source"),
        (["sma"], "must be a mapping"),
    ],
)
def test_bad_settings_raise_a_clear_error(data, message):
    with pytest.raises(StudySettingsError, match=message):
        study_from_dict(data)


def test_a_damaged_list_keeps_the_good_entries_and_says_what_was_skipped():
    studies, problems = studies_from_list([{"kind": "sma", "period": 5}, {"kind": "nope"}, 3])
    assert studies == [SmaSettings(5)]
    assert len(problems) == 2 and "study 2 skipped" in problems[0]
    assert studies_from_list("garbage")[0] == []
