"""Every string in both languages; opening-hour phrases and number formats."""

from __future__ import annotations

import re
from datetime import datetime

from geo.i18n import STRINGS, describe_opening, format_distance, format_minutes


def test_every_string_has_chinese_and_english_with_the_same_fields():
    for key, entry in STRINGS.items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"] and entry["en"], key
        fields = lambda text: sorted(re.findall(r"{(\w+)", text))  # noqa: E731
        assert fields(entry["zh"]) == fields(entry["en"]), key


def test_opening_phrases():
    saturday = datetime(2026, 11, 28)
    assert describe_opening("Mo-Su 08:00-20:00", saturday.replace(hour=10), "en") == "Open now · closes at 20:00"
    assert describe_opening("Mo-Su 08:00-20:00", saturday.replace(hour=19, minute=40), "en") == "Open now · closes in 20 min"
    assert describe_opening("Mo-Su 08:00-20:00", saturday.replace(hour=7, minute=15), "zh") == "已关闭 · 45 分钟后开放"
    assert describe_opening("Mo-Su 08:00-20:00", saturday.replace(hour=21), "en") == "Closed now · opens at 11-29 08:00"
    assert describe_opening("24/7", saturday, "zh") == "全天开放"


def test_distances_and_minutes():
    assert format_distance(849.6) == "850 m"
    assert format_distance(1249) == "1.2 km"
    assert format_minutes(61) == 2 and format_minutes(0) == 1
