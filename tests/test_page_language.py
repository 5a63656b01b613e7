"""No English on the Chinese pages: every text a page shows in Chinese (titles, labels, options,
placeholders, messages, tables, metrics, map legends and tooltips) is checked against the English
catalogue; a string (or a phrase of it) that differs from its Chinese version must not appear."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from geo.i18n import catalogue

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SEAT = "116.82360,30.73744"

#: Pages, opened as a planner or rider would: (page, session state, query parameters).
PAGES = [
    ("overview", {}, {}),
    ("rider", {"rider_open_only": False}, {"at": SEAT}),
    ("coverage", {}, {}),
    ("coverage", {"coverage_source": "demo", "coverage_per_type": True}, {}),
    ("gaps", {}, {}),
    ("data", {}, {}),
]


def _english_phrases() -> tuple[set[str], list[str]]:
    """Whole English strings that differ from their Chinese, and their phrases of two or more
    words (the parts between ``{fields}``) that appear in no Chinese string."""
    english, chinese = catalogue("en"), catalogue("zh")
    all_chinese = "\n".join(chinese.values())
    whole, phrases = set(), []
    for key, text in english.items():
        if text == chinese[key]:
            continue
        if "{" not in text:
            whole.add(text.strip())
        for part in re.split(r"\{[^}]*\}", text):
            part = part.strip(" .,:;()·-—")
            if len(part) >= 8 and " " in part and re.search(r"[A-Za-z]{3}", part) and part not in all_chinese:
                phrases.append(part)
    return whole, sorted(set(phrases), key=len, reverse=True)


def _strings(message: Message):
    """Every string field of a protobuf message, recursively."""
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, str):
                yield item
            elif isinstance(item, Message):
                yield from _strings(item)


def shown_texts(at: AppTest) -> list[str]:
    """What the page shows: every string of every element, table cells and map script included."""
    texts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            texts.extend(_strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for frame in at.dataframe:
        table = frame.value
        texts.extend(str(c) for c in table.columns)
        texts.extend(str(v) for v in table.astype(str).to_numpy().ravel())
    for component in at.get("component_instance"):
        args = json.loads(component.proto.json_args)
        texts.extend(str(args.get(part, "")) for part in ("script", "html", "header"))
    return texts


@pytest.mark.parametrize("page, session, query", PAGES, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(PAGES)])
def test_a_chinese_page_shows_no_string_of_the_english_catalogue(page, session, query):
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(f"views/{page}.py")
    for key, value in query.items():
        at.query_params[key] = value
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    whole, phrases = _english_phrases()
    texts = shown_texts(at)
    found = sorted({text for text in texts if text.strip() in whole})
    found += sorted({phrase for phrase in phrases for text in texts if phrase in text})
    assert found == [], f"English on the Chinese {page} page: {found[:10]}"


def test_the_check_finds_english_when_there_is_some():
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("views/coverage.py")
    at.session_state["lang"] = "en"
    at.run()
    whole, phrases = _english_phrases()
    texts = shown_texts(at)
    assert any(text.strip() in whole for text in texts)
    assert any(phrase in text for phrase in phrases for text in texts)
