"""Every string in both languages; opening-hour phrases and number formats."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from geo.i18n import LANGUAGES, CatalogueError, catalogue, describe_opening, format_distance, format_minutes


def _fields(text: str) -> list[str]:
    return sorted(re.findall(r"{(\w+)", text))


def test_every_language_has_every_key_with_the_same_fields():
    zh = catalogue("zh")
    for lang in LANGUAGES:
        strings = catalogue(lang)
        assert strings.keys() == zh.keys(), lang
        for key, text in strings.items():
            assert text.strip(), (lang, key)
            assert _fields(text) == _fields(zh[key]), (lang, key)


def test_a_key_defined_in_two_catalogue_files_is_refused(tmp_path, monkeypatch):
    import geo.i18n

    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "a.toml").write_text('same = "一"\n', encoding="utf-8")
    (tmp_path / "zh" / "b.toml").write_text('same = "二"\n', encoding="utf-8")
    monkeypatch.setattr(geo.i18n, "LOCALES_DIR", tmp_path)
    catalogue.cache_clear()
    try:
        with pytest.raises(CatalogueError, match="same"):
            catalogue("zh")
    finally:
        catalogue.cache_clear()


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


def test_unknown_hours_are_said_to_be_unknown_not_closed():
    saturday = datetime(2026, 11, 28, 10)
    assert describe_opening("unknown", saturday, "zh") == "开放时间未知"
    assert describe_opening('Mo-Su,PH unknown "节假日不休"', saturday, "en") == "Opening hours unknown"


def test_a_name_in_a_language_falls_back_to_the_chinese_name_when_the_other_is_missing():
    import pandas as pd

    from geo.i18n import name_in, names_in

    frame = pd.DataFrame({"name_zh": ["党群驿站 01", "红色驿站 02", "停放点"], "name_en": ["Station 01", None, "  "]})
    assert names_in(frame, "en").tolist() == ["Station 01", "红色驿站 02", "停放点"]
    assert names_in(frame, "zh").tolist() == ["党群驿站 01", "红色驿站 02", "停放点"]
    assert [name_in(row, "en") for row in frame.itertuples()] == ["Station 01", "红色驿站 02", "停放点"]
    assert name_in(frame.iloc[0], "en") == "Station 01"
    assert name_in({"name_zh": "骑龙社区"}, "en") == "骑龙社区"
    assert name_in({"name_zh": "骑龙社区", "name_en": "Qilong"}, "fr") == "骑龙社区"


@pytest.mark.parametrize(("expression", "zh", "en"), [
    ("Mo-Su 08:00-20:00", "每天 8:00-20:00", "Daily 8:00-20:00"),
    ("24/7", "全天", "24 hours"),
    ("Mo-Fr 08:30-12:00,14:30-17:30; Sa 09:00-12:00",
     "周一至周五 8:30-12:00、14:30-17:30;周六 9:00-12:00", "Mon–Fri 8:30-12:00, 14:30-17:30; Sat 9:00-12:00"),
    ('Mo-Su,PH unknown "节假日不休"', 'Mo-Su,PH unknown "节假日不休"', 'Mo-Su,PH unknown "节假日不休"'),
])
def test_opening_hours_are_written_as_people_write_them_in_each_language(expression, zh, en):
    from geo.i18n import hours_written
    from geo.register.normalise import parse_opening_hours

    assert (hours_written(expression, "zh"), hours_written(expression, "en")) == (zh, en)
    if zh != expression:  # the Chinese form is what a planner edits: it reads back to the same value
        assert parse_opening_hours(zh) == expression


def test_a_vocabulary_term_survives_pickling_as_the_page_cache_does():
    import pickle

    from geo.i18n import Term

    term = pickle.loads(pickle.dumps(Term("station_type", "red")))
    assert (str(term), term.vocabulary, term.in_language("zh")) == ("red", "station_type", "红色驿站")
