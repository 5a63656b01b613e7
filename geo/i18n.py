"""User-facing strings in Chinese (default) and English, and the formatting of times/distances.

Strings live in TOML catalogues, one folder per language (``geo/locales/zh/*.toml``), split by
concern so that each part of the app keeps its own file. Every language has the same keys.
Plain data with no Streamlit import, shared by the map builders, the CLI and the pages.
"""

from __future__ import annotations

import math
import re
import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from geo.hours import opening_state, to_local_time

LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


class CatalogueError(RuntimeError):
    """A string catalogue is broken (a programming error, caught by the tests)."""


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    """A catalogue file's strings: a ``[table]`` of a vocabulary gives keys ``table.code``."""
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every string of ``lang``: the union of ``locales/<lang>/*.toml`` (a key in two files is an error)."""
    strings: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as handle:
            part = _flatten(tomllib.load(handle))
        twice = sorted(strings.keys() & part.keys())
        if twice:
            msg = f"{path.name} repeats keys of another {lang} catalogue: {', '.join(twice)}"
            raise CatalogueError(msg)
        strings.update(part)
    return strings


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (an unknown language falls back to Chinese), with its
    ``{name}`` fields filled from ``values``."""
    strings = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    text = strings[key]
    if not values:
        return text
    return text.format(**{name: value.in_language(lang) if isinstance(value, Term) else value
                          for name, value in values.items()})


def label_of(vocabulary: str, code: str, lang: str) -> str:
    """The word for ``code`` of a ``vocabulary`` (``station_type``, ``amenity``, ``report_state``...)
    in ``lang``: the ``[vocabulary]`` tables of the catalogues."""
    return t(f"{vocabulary}.{getattr(code, 'value', code)}", lang)


def labels_of(vocabulary: str, lang: str) -> dict[str, str]:
    """Every code of ``vocabulary`` with its word in ``lang``, in catalogue order."""
    prefix = f"{vocabulary}."
    return {key[len(prefix):]: text for key, text in catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).items()
            if key.startswith(prefix)}


class Term(str):
    """A vocabulary code given as a message parameter (``Term("report_state", "new")``): it is
    the code where a plain string is wanted (logs, JSON) and its word in a message's language."""

    vocabulary: str

    def __new__(cls, vocabulary: str, code: str) -> "Term":
        term = super().__new__(cls, code)
        term.vocabulary = vocabulary
        return term

    def in_language(self, lang: str) -> str:
        return label_of(self.vocabulary, str(self), lang)

    def __reduce__(self) -> tuple:
        # results that carry a Term are cached by pickling them (st.cache_data)
        return Term, (self.vocabulary, str(self))


def name_in(record: Any, lang: str, field: str = "name") -> str:
    """The name of a station, place or landmark in ``lang``: its ``<field>_<lang>`` (a mapping key
    or an attribute), else its Chinese one (the name people on the spot use), else ``""``."""
    for column in (f"{field}_{lang if lang in LANGUAGES else DEFAULT_LANGUAGE}", f"{field}_{DEFAULT_LANGUAGE}"):
        value = record.get(column) if hasattr(record, "get") else getattr(record, column, None)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def names_in(frame: pd.DataFrame, lang: str, field: str = "name") -> pd.Series:
    """:func:`name_in` for every row of ``frame`` (same index)."""
    chosen = f"{field}_{lang if lang in LANGUAGES else DEFAULT_LANGUAGE}"
    fallback = frame[f"{field}_{DEFAULT_LANGUAGE}"]
    names = frame[chosen] if chosen in frame else fallback
    empty = names.isna() | (names.astype("string").str.strip() == "")
    return names.where(~empty, fallback).fillna("").astype(str)


def describe_opening(expression: str, moment: datetime, lang: str) -> str:
    """"Open now · closes at 20:00" / "Closed now · opens at 08:00" for ``moment``."""
    state = opening_state(expression, moment)
    if state.is_unknown:
        return t("hours_unknown", lang)
    if state.next_change is None:
        return t("always_open", lang) if state.is_open else t("closed_now", lang)
    local = to_local_time(moment)
    minutes_left = math.ceil((state.next_change - local).total_seconds() / 60)
    if minutes_left <= 60:
        key = "closes_in" if state.is_open else "opens_in"
        return f"{t('open_now' if state.is_open else 'closed_now', lang)} · {t(key, lang, min=minutes_left)}"
    when = state.next_change.strftime("%H:%M")
    if state.next_change.date() != local.date():
        when = state.next_change.strftime("%m-%d %H:%M")
    if state.is_open:
        return f"{t('open_now', lang)} · {t('closes_at', lang, time=when)}"
    return f"{t('closed_now', lang)} · {t('opens_at', lang, time=when)}"


_OSM_RULE = re.compile(r"^(?:(?P<days>[A-Z][a-z](?:-[A-Z][a-z])?(?:,[A-Z][a-z](?:-[A-Z][a-z])?)*)\s+)?"
                       r"(?P<times>\d{2}:\d{2}-\d{2}:\d{2}(?:,\d{2}:\d{2}-\d{2}:\d{2})*)$")


def hours_written(expression: str, lang: str) -> str:
    """Opening hours in OSM syntax as people write them in ``lang``: ``Mo-Su 08:00-20:00`` ->
    ``每天 8:00-20:00`` / ``Daily 8:00-20:00``, ``24/7`` -> ``全天`` / ``24 hours``, ``Mo-Fr
    08:30-17:30`` -> ``周一至周五 8:30-17:30`` / ``Mon–Fri 8:30-17:30``. What cannot be written
    so (holidays, comments, "unknown") stays in OSM syntax."""
    if expression == "24/7":
        return t("hours_all_day", lang)
    weekdays = labels_of("weekday", lang)

    def clock(text: str) -> str:
        hour, minute = text.split(":")
        return f"{int(hour)}:{minute}"

    def days(text: str | None) -> str:
        if text is None or text == "Mo-Su":
            return t("hours_daily", lang)
        spans = []
        for part in text.split(","):
            first, _, last = part.partition("-")
            spans.append(t("hours_day_span", lang, first=weekdays[first], last=weekdays[last]) if last else weekdays[first])
        return t("hours_list_separator", lang).join(spans)

    rules = []
    for rule in expression.split("; "):
        found = _OSM_RULE.match(rule.strip())
        if found is None or any(day not in weekdays for day in re.findall(r"[A-Z][a-z]", found["days"] or "")):
            return expression
        spans = (f"{clock(start)}-{clock(end)}" for start, end in (span.split("-") for span in found["times"].split(",")))
        rules.append(f"{days(found['days'])} {t('hours_list_separator', lang).join(spans)}")
    return t("hours_rule_separator", lang).join(rules)


def format_distance(distance_m: float) -> str:
    """"850 m" below a kilometre, "1.2 km" above."""
    return f"{distance_m:.0f} m" if distance_m < 1000 else f"{distance_m / 1000:.1f} km"


def format_minutes(seconds: float) -> int:
    """Whole minutes, rounded up (an ETA should not promise too little); at least 1."""
    return max(1, math.ceil(seconds / 60))
