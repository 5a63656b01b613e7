"""Offline gazetteer: find a place in Gaohe by a typed name (Chinese, partial, or pinyin).

Entries are the stations, the villages/communities (placed at the centre of their stations
where they have any: an approximation, said so in the notes), and the landmarks listed in
``data/landmarks.csv`` (with other names people use, e.g. 火车站, in ``aliases``). Matching
forgives a missing 社区/村/居委会 suffix, accepts pinyin with or without spaces ("qilong",
"qi long"), and ranks by rapidfuzz similarity. A query typed in Chinese characters is compared
with Chinese names only, and one in Latin letters with pinyin and English names only: 火车站
must not find 查湾村 because their pinyin share letters. Notes come in both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from geo.i18n import name_in
from geo.place.reference import DATA_DIR

LANDMARKS_PATH = DATA_DIR / "landmarks.csv"

GAZETTEER_COLUMNS = ("name_zh", "name_en", "kind", "lon", "lat", "note_zh", "note_en", "aliases")

#: Suffixes a person may leave out when typing a place name.
_SUFFIXES = ("居委会", "村委会", "社区", "小区", "村", "镇")

#: Matches below this rapidfuzz score (0-100) are not offered: a rider is told "not found"
#: rather than shown places that only share a few letters with what they typed.
MIN_SCORE = 80.0
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Place:
    name_zh: str
    name_en: str
    kind: str
    #: WGS-84 degrees; None when the place is known by name but has no position.
    lon: float | None
    lat: float | None
    note_zh: str
    note_en: str
    score: float

    def note(self, lang: str) -> str:
        """The note in ``lang``."""
        return name_in(self, lang, field="note")


def _strip_suffix(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _keys(name_zh: str, name_en: str, aliases: str = "") -> tuple[list[str], list[str]]:
    """Normalised forms a query is compared with: (Chinese with and without suffix, and aliases;
    pinyin and English)."""
    chinese = [name_zh] + [a for a in aliases.split("|") if a.strip()]
    cores = [_strip_suffix(_normalise(name)) for name in chinese]
    han = list(dict.fromkeys([_normalise(name) for name in chinese] + cores))
    latin = list(
        dict.fromkeys(
            ["".join(lazy_pinyin(core)) for core in cores]
            + ["".join(lazy_pinyin(_normalise(name_zh))), _normalise(name_en),
               _normalise(name_en.split(" ")[0]) if name_en else ""]
        )
    )
    return han, latin


def place_search_keys(name_zh: str, name_en: str, aliases: str = "") -> tuple[list[str], list[str]]:
    """The normalised forms a query is compared with, for a search made elsewhere (the light
    rider page searches them in the browser when it is offline)."""
    return _keys(name_zh, name_en, aliases)


def _normalise(text: str) -> str:
    return re.sub(r"[\s'’\-_.,()（）]+", "", text).lower()


def build_gazetteer(
    stations: gpd.GeoDataFrame, communities: pd.DataFrame, *, landmarks_path: Path | str = LANDMARKS_PATH
) -> pd.DataFrame:
    """One row per place: ``name_zh``, ``name_en``, ``kind`` (``landmark``, ``community``,
    ``village`` or a station type), ``lon``/``lat`` (WGS-84, NaN if unknown) and ``note``.
    Places come before stations, so that a name both share ("qilong") finds the place first."""
    landmarks = pd.read_csv(landmarks_path, dtype=str, keep_default_na=False)
    landmarks[["lon", "lat"]] = landmarks[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
    rows = landmarks.assign(kind="landmark")[list(GAZETTEER_COLUMNS)].to_dict(orient="records")
    station_rows = [
        {
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "kind": s.station_type,
            "lon": s.geometry.x,
            "lat": s.geometry.y,
            "note_zh": "" if s.location_status == "verified" else "位置待核实",
            "note_en": "" if s.location_status == "verified" else "position not yet verified",
            "aliases": "",
        }
        for s in stations.itertuples()
    ]
    centres = stations.assign(lon=stations.geometry.x, lat=stations.geometry.y).groupby("community_code")[["lon", "lat"]].mean()
    for c in communities.itertuples():
        kind = "community" if c.name_short.endswith("社区") else "village"
        if c.code in centres.index:
            lon, lat = centres.loc[c.code, ["lon", "lat"]]
            notes = ("近似位置:其站点的中心", "approximate: centre of its stations")
        else:
            lon = lat = float("nan")
            notes = ("位置未知", "no position known")
        rows.append({"name_zh": c.name_short, "name_en": c.name_en, "kind": kind, "lon": lon, "lat": lat,
                     "note_zh": notes[0], "note_en": notes[1], "aliases": ""})
    return pd.DataFrame(rows + station_rows, columns=list(GAZETTEER_COLUMNS))


def search_places(gazetteer: pd.DataFrame, query: str, *, limit: int = 5) -> list[Place]:
    """Places whose name best matches ``query`` (best first); an empty list if none is close."""
    wanted = _normalise(query)
    if not wanted:
        return []
    typed_in_chinese = bool(_CJK.search(wanted))
    wanted_forms = list(dict.fromkeys([wanted, _strip_suffix(wanted)]))
    choices: list[str] = []
    owners: list[int] = []
    for row, (name_zh, name_en, aliases) in enumerate(zip(gazetteer["name_zh"], gazetteer["name_en"], gazetteer["aliases"])):
        han, latin = _keys(name_zh, name_en, aliases)
        for key in han if typed_in_chinese else latin:
            if key:
                choices.append(key)
                owners.append(row)
    best: dict[int, float] = {}
    for form in wanted_forms:
        for _, score, position in process.extract(form, choices, scorer=_score, limit=None, score_cutoff=MIN_SCORE):
            row = owners[position]
            best[row] = max(best.get(row, 0.0), score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
    places = []
    for row, score in ranked:
        entry = gazetteer.iloc[row]
        known = pd.notna(entry["lon"]) and pd.notna(entry["lat"])
        places.append(
            Place(
                name_zh=entry["name_zh"],
                name_en=entry["name_en"],
                kind=entry["kind"],
                lon=float(entry["lon"]) if known else None,
                lat=float(entry["lat"]) if known else None,
                note_zh=entry["note_zh"] if isinstance(entry["note_zh"], str) else "",
                note_en=entry["note_en"] if isinstance(entry["note_en"], str) else "",
                score=float(score),
            )
        )
    return places


def _score(query: str, choice: str, **kwargs) -> float:
    """Exact and prefix matches first; then forgiving similarity (partial, reordered)."""
    if query == choice:
        return 100.0
    if choice.startswith(query) and len(query) >= 2:
        return 95.0 - min(10.0, len(choice) - len(query))
    return max(fuzz.ratio(query, choice), 0.9 * fuzz.partial_ratio(query, choice)) if len(query) >= 2 else 0.0
