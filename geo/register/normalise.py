"""What people write in the town's sheets, in the register's vocabulary.

Column headers (Chinese or English), station types (红色驿站, "red", "RS"...), villages and
communities (骑龙, 骑龙社区, 骑龙居委会, Qilong, 340822100008), amenities (桌椅、热水、充电...),
opening hours as people write them (``8:00-20:00``, ``全天``, ``周一至周五 8:30-17:30``,
``节假日不休``) turned into OpenStreetMap ``opening_hours``, phone numbers, coordinates, and
station names reduced to a form that variant spellings share (for matching).

Every parser returns ``None`` (or lists what it did not understand) rather than guessing: what a
sheet does not say stays unknown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import opening_hours
import pandas as pd
from pypinyin import lazy_pinyin

from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, hours_written, label_of
from geo.place.datum import Datum
from geo.register.model import AMENITIES, STATION_TYPES, StationType

# --- columns -----------------------------------------------------------------------------------

#: Register fields a sheet column can hold, in the order the mapping step shows them.
IMPORT_FIELDS: tuple[str, ...] = (
    "name_zh", "lon", "lat", "lonlat", "address", "id", "station_type", "community", "amenities",
    "opening_hours", "phone", "operator", "name_en", "location_status", "hours_status", "source", "datum",
    "verified_on", "verification_method",
)

#: Header spellings (normalised: see :func:`_header_key`) of each field.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "站点编号", "驿站编号", "stationid", "站点id"),
    "name_zh": ("name_zh", "名称", "站点名称", "站名", "驿站名称", "点位名称", "名字", "name", "中文名", "中文名称",
                "站点", "驿站", "服务站名称", "stationname"),
    "name_en": ("name_en", "英文名", "英文名称", "englishname", "nameen"),
    "station_type": ("station_type", "类型", "站点类型", "类别", "驿站类型", "type", "stationtype", "种类"),
    "community": ("community", "community_code", "社区", "村", "村社区", "社区村", "村居", "所属社区", "所在社区",
                  "所属村社区", "所在村社区", "社区代码", "区划代码", "统计用区划代码", "village", "所属村", "所在村"),
    "address": ("address", "地址", "详细地址", "具体地址", "位置", "具体位置", "地点", "所在位置", "站点地址"),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度", "东经"),
    "lat": ("lat", "latitude", "y", "纬度", "北纬"),
    "lonlat": ("lonlat", "lnglat", "coordinates", "coordinate", "坐标", "经纬度", "位置坐标", "经纬度坐标", "坐标经纬度"),
    "amenities": ("amenities", "设施", "配套设施", "服务设施", "设备", "物品", "配备", "配备物品", "设施设备"),
    "opening_hours": ("opening_hours", "openinghours", "hours", "开放时间", "营业时间", "服务时间", "办公时间",
                      "开放时段", "时间"),
    "phone": ("phone", "tel", "telephone", "电话", "联系电话", "手机", "联系方式", "电话号码", "手机号"),
    "operator": ("operator", "运营方", "运营单位", "管理单位", "负责单位", "所属单位", "单位", "主办单位", "管理方"),
    "location_status": ("location_status", "位置状态"),
    "hours_status": ("hours_status", "时间状态"),
    "source": ("source", "来源", "数据来源"),
    "datum": ("datum", "坐标系"),
    "verified_on": ("verified_on", "核实日期"),
    "verification_method": ("verification_method", "核实方式"),
}

_HEADER_LOOKUP = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}
_BRACKETS = re.compile(r"[(\[{<（【《].*?[)\]}>）】》]")


def _fold(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no surrounding space."""
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-/、.:：*]+", "", _BRACKETS.sub("", _fold(header)))


def guess_columns(headers: Iterable[str]) -> dict[str, str]:
    """Field -> sheet column for the headers recognised (the first column wins a field)."""
    guesses: dict[str, str] = {}
    for header in headers:
        field = _HEADER_LOOKUP.get(_header_key(header)) or _HEADER_LOOKUP.get(_fold(header))
        if field is not None:
            guesses.setdefault(field, header)
    return guesses


def datum_hint(header: str) -> Datum | None:
    """The datum a header names in brackets, e.g. ``经度(高德)`` -> GCJ-02, ``lat (BD-09)``."""
    text = _fold(header).replace("-", "")
    if any(word in text for word in ("gcj", "高德", "腾讯", "火星")):
        return Datum.GCJ02
    if any(word in text for word in ("bd09", "百度")):
        return Datum.BD09
    if any(word in text for word in ("wgs", "gps", "4326")):
        return Datum.WGS84
    return None


# --- station types -----------------------------------------------------------------------------

_TYPE_WORDS: dict[str, StationType] = {}
for _type, _info in STATION_TYPES.items():
    for _word in (_type.value, _info.id_prefix, *(label_of("station_type", _type, lang) for lang in LANGUAGES)):
        _TYPE_WORDS[_fold(_word).replace(" ", "")] = _type
_TYPE_WORDS.update({
    "停放点": StationType.PARKING, "外卖车辆临时停放点": StationType.PARKING, "电动车停放点": StationType.PARKING,
    "停车点": StationType.PARKING, "parkingpoint": StationType.PARKING, "ebikeparking": StationType.PARKING,
    "服务中心": StationType.HUB, "党群服务中心": StationType.HUB, "partymassservicecentre": StationType.HUB,
    "小区服务站": StationType.NEIGHBOURHOOD, "党群服务站": StationType.NEIGHBOURHOOD,
    "redstation": StationType.RED, "红色驿站(药房)": StationType.RED, "药房": StationType.RED,
    "partymassstation": StationType.PARTY_MASS, "驿站": StationType.PARTY_MASS,
    "neighbourhoodstation": StationType.NEIGHBOURHOOD, "neighborhood": StationType.NEIGHBOURHOOD,
})
#: Words inside a longer type text, tried in this order (红色 before 驿站: a red station is one).
_TYPE_PARTS: tuple[tuple[str, StationType], ...] = (
    ("红色", StationType.RED), ("停放", StationType.PARKING), ("停车", StationType.PARKING),
    ("服务中心", StationType.HUB), ("小区", StationType.NEIGHBOURHOOD), ("服务站", StationType.NEIGHBOURHOOD),
    ("驿站", StationType.PARTY_MASS),
)


def parse_station_type(text: object) -> StationType | None:
    """The station type a cell names, or ``None`` when it names none."""
    key = re.sub(r"\s+", "", _fold(text)) if text is not None else ""
    if not key:
        return None
    if key in _TYPE_WORDS:
        return _TYPE_WORDS[key]
    return next((kind for part, kind in _TYPE_PARTS if part in key), None)


#: Words in a station's NAME that say its type, tried in this order. Stricter than
#: :data:`_TYPE_PARTS` (a type cell says nothing else; a name names places too: 小区 alone, or
#: 药房 alone, does not make a station of that type).
_NAME_TYPE_PARTS: tuple[tuple[str, StationType], ...] = (
    ("红色驿站", StationType.RED), ("停放点", StationType.PARKING), ("停车点", StationType.PARKING),
    ("党群服务中心", StationType.HUB), ("服务中心", StationType.HUB), ("服务站", StationType.NEIGHBOURHOOD),
    ("党群驿站", StationType.PARTY_MASS),
)


def station_type_from_name(name: object) -> StationType | None:
    """The type a station's name says (人民医保药房红色驿站 03 -> red, 外卖车辆临时停放点 -> parking),
    or ``None`` when the name says none (金星社区新时代文明实践站)."""
    key = re.sub(r"\s+", "", _fold(name)) if name is not None else ""
    return next((kind for part, kind in _NAME_TYPE_PARTS if part in key), None)


# --- villages and communities ------------------------------------------------------------------

_COMMUNITY_SUFFIXES = ("居民委员会", "村民委员会", "居委会", "村委会", "委员会", "社区", "村")
_PLACE_PREFIXES = ("安徽省", "安庆市", "怀宁县", "高河镇")


def _strip_community_suffix(text: str) -> str:
    for suffix in _COMMUNITY_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _community_core(name_short: str) -> str:
    return _strip_community_suffix(name_short)


@dataclass(frozen=True)
class CommunityIndex:
    """Every way the sheets name one of the 24 villages/communities -> its NBS code."""

    codes: Mapping[str, str]
    names: tuple[str, ...]

    @classmethod
    def from_table(cls, communities: pd.DataFrame) -> "CommunityIndex":
        codes: dict[str, str] = {}
        for row in communities.itertuples():
            core = _community_core(row.name_short)
            english = _fold(row.name_en)
            for key in (row.code, _fold(row.name_official), _fold(row.name_short), core, "".join(lazy_pinyin(core)),
                        english.replace(" ", ""), re.sub(r"\s*(community|village)$", "", english).replace("'", "")):
                codes.setdefault(re.sub(r"[\s'’]+", "", key), row.code)
        return cls(codes, tuple(communities["name_short"]))

    def find(self, text: object) -> str | None:
        """The NBS code a cell names, or ``None``."""
        key = re.sub(r"[\s'’]+", "", _fold(text)) if text is not None else ""
        for prefix in _PLACE_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix):]
        if not key:
            return None
        return self.codes.get(key) or self.codes.get(_strip_community_suffix(key))

    def named_in(self, text: object) -> str | None:
        """The NBS code of the one village/community a longer text (an address) names with its
        suffix (金星社区金星花园内 -> 金星; 高河镇 is the town, not 高河社区), else ``None``: a bare
        core such as 骑龙店 or two different places say too little."""
        key = re.sub(r"[\s'’]+", "", _fold(text)) if text is not None else ""
        for prefix in _PLACE_PREFIXES:
            key = key.replace(prefix, "")
        found = {code for name, code in self.codes.items()
                 if name.endswith(_COMMUNITY_SUFFIXES) and name != code and name in key}
        return found.pop() if len(found) == 1 else None


# --- amenities ---------------------------------------------------------------------------------

_AMENITY_WORDS: dict[str, str] = {}
for _key in AMENITIES:
    for _word in (_key, *(label_of("amenity", _key, lang) for lang in LANGUAGES)):
        _AMENITY_WORDS[re.sub(r"[\s_\-]+", "", _fold(_word))] = _key
_AMENITY_WORDS.update({
    **dict.fromkeys(("桌椅", "座椅", "椅子", "桌子", "休息", "休息区", "休息椅", "座位", "沙发", "休息座椅"), "seating"),
    **dict.fromkeys(("微波炉", "加热", "热饭"), "microwave"),
    **dict.fromkeys(("热水", "开水", "热水壶", "暖水瓶", "热水瓶", "保温壶", "烧水壶"), "hot_water"),
    **dict.fromkeys(("饮水", "饮用水", "饮水机", "直饮水", "纯净水", "矿泉水", "茶水", "凉茶", "喝水"), "drinking_water"),
    **dict.fromkeys(("雨伞", "伞", "爱心伞", "爱心雨伞", "应急伞", "雨具", "雨衣"), "umbrella"),
    **dict.fromkeys(("充电", "充电器", "充电宝", "手机充电", "充电线", "充电插座", "插座", "充电桩"), "charger"),
    **dict.fromkeys(("急救箱", "药箱", "医药箱", "医疗箱", "急救包", "常用药", "药品", "应急药箱", "急救用品",
                     "firstaidkit", "firstaid"), "first_aid"),
    **dict.fromkeys(("血压计", "血压仪", "量血压", "血压测量", "bloodpressure"), "bp_monitor"),
    **dict.fromkeys(("学习角", "书架", "图书", "阅读", "书籍", "读书角", "学习室", "阅览", "书吧", "学习园地"), "study_corner"),
    **dict.fromkeys(("厕所", "卫生间", "洗手间", "公厕", "公共厕所"), "toilet"),
    **dict.fromkeys(("wifi", "无线网", "无线网络", "网络", "免费wifi", "无线上网"), "wifi"),
    **dict.fromkeys(("空调", "冷暖空调", "电扇", "风扇", "降温"), "air_conditioning"),
    **dict.fromkeys(("停车", "停车位", "停放", "电动车停放", "车辆停放", "停车场"), "parking"),
})
_AMENITY_SEPARATORS = re.compile(r"[,;、/|+&\n]+|\s+|和|及|以及")


def parse_amenities(value: object) -> tuple[list[str], list[str]]:
    """``(amenities, not_understood)`` of a cell (``桌椅、微波炉、热水``) or a list; amenities are
    register keys in the order written, each once."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return [], []
    items = value if isinstance(value, (list, tuple)) else _AMENITY_SEPARATORS.split(_fold(value))
    found: list[str] = []
    unknown: list[str] = []
    for item in items:
        word = re.sub(r"[\s_\-()（）。.!！]+", "", _fold(item))
        if not word:
            continue
        key = _AMENITY_WORDS.get(word)
        if key is None:
            unknown.append(str(item).strip())
        elif key not in found:
            found.append(key)
    return found, unknown


# --- opening hours -----------------------------------------------------------------------------

_DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: Weekday characters -> 0 (Monday) .. 6 (Sunday); 末 (周末) is the weekend.
_DAY_NUMBERS: dict[str, list[int]] = {
    "一": [0], "1": [0], "二": [1], "2": [1], "三": [2], "3": [2], "四": [3], "4": [3], "五": [4], "5": [4],
    "六": [5], "6": [5], "日": [6], "天": [6], "七": [6], "7": [6],
}
_DAY_PREFIX = r"(?:周|星期|礼拜|週)"
_DAY_CHAR = r"[一二三四五六日天七1-7]"
_RANGE_SEPARATOR = r"\s*(?:-|–|—|~|～|至|到|－)\s*"
_TIME = r"(?:(?:上午|早上|早|中午|下午|晚上|晚)\s*)?\d{1,2}(?:\s*[:点时]\s*(?:\d{2}|半)?)?(?:\s*分)?"
_HOURS_TOKEN = re.compile(
    "|".join([
        rf"(?P<dayrange>{_DAY_PREFIX}{_DAY_CHAR}{_RANGE_SEPARATOR}{_DAY_PREFIX}?{_DAY_CHAR})",
        rf"(?P<day>{_DAY_PREFIX}{_DAY_CHAR}(?:(?:、|,|和){_DAY_PREFIX}?{_DAY_CHAR})*)",
        r"(?P<workdays>工作日)",
        r"(?P<weekend>周末|双休日|双休)",
        r"(?P<everyday>每天|每日|天天|全年|全周)",
        r"(?P<holiday_open>(?:法定)?节假日(?:不休|照常|正常|无休|不打烊|开放|营业)[息营业开放]*)",
        r"(?P<holiday_off>(?:法定)?节假日(?:休息|闭馆|不开放|关闭|不营业|除外))",
        r"(?P<holiday>(?:法定)?节假日)",
        r"(?P<allday>全天候?|24\s*小时|24\s*h|二十四小时|24/7|通宵)",
        r"(?P<off>休息|闭馆|不开放|关闭|不营业)",
        rf"(?P<timerange>{_TIME}{_RANGE_SEPARATOR}{_TIME})",
    ])
)
_CLOCK = re.compile(r"(?:(上午|早上|早|中午|下午|晚上|晚)\s*)?(\d{1,2})(?:\s*[:点时]\s*(\d{2}|半)?)?")
#: Words between the parts that say nothing (开放时间: 8:00-20:00).
_FILLER = re.compile(r"(营业时间|开放时间|服务时间|时间|营业|开放|服务|为|:|,|;|、|\s|\.|。)+")


def _clock(text: str, *, after: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """(hour, minute) of ``8:30``, ``8点半``, ``下午2点``; an end time (``after`` the start)
    without 下午 that comes before a morning start is read in the afternoon (8-8 = 08:00-20:00)."""
    match = _CLOCK.fullmatch(re.sub(r"\s*分$", "", text.strip()))
    if not match:
        return None
    part, hour, minute = match.groups()
    h, m = int(hour), (30 if minute == "半" else int(minute or 0))
    if (part in ("下午", "晚上", "晚") and h < 12) or (part == "中午" and h < 11):
        h += 12
    if after is not None and part is None and h < 12 and (h, m) <= after and after[0] < 18:
        h += 12  # 8-8 and 14:30-5:30 are daytime; 22:00-6:00 is overnight
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        return None
    return h, m


def _days_of(token: str, kind: str) -> list[int]:
    if kind == "workdays":
        return [0, 1, 2, 3, 4]
    if kind == "weekend":
        return [5, 6]
    if kind == "everyday":
        return list(range(7))
    chars = re.findall(_DAY_CHAR, re.sub(_DAY_PREFIX, "", token))
    if kind == "dayrange":
        start, end = _DAY_NUMBERS[chars[0]][0], _DAY_NUMBERS[chars[-1]][0]
        return list(range(start, end + 1)) if start <= end else [*range(start, 7), *range(0, end + 1)]
    return [day for char in chars for day in _DAY_NUMBERS[char]]


def _day_text(days: list[int]) -> str:
    """OSM weekday selector: ``Mo-Fr``, ``Sa,Su``, ``Mo-We,Fr``."""
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_DAY_CODES[run[0]]}-{_DAY_CODES[run[-1]]}")
        else:
            parts.extend(_DAY_CODES[d] for d in run)
    return ",".join(parts)


@dataclass
class _Rule:
    days: list[int]
    times: list[str]
    holiday: bool = False
    off: bool = False


def _says_something(text: str) -> bool:
    return bool(re.search(r"[0-9A-Za-z\u4e00-\u9fff]", _FILLER.sub("", text)))


def parse_opening_hours(text: object) -> str | None:
    """OSM ``opening_hours`` for hours as people write them, or ``None`` if not understood.

    ``8:00-20:00`` -> ``Mo-Su 08:00-20:00``; ``全天``/``24小时`` -> ``24/7``;
    ``周一至周五 8:30-17:30`` -> ``Mo-Fr 08:30-17:30``; ``节假日不休`` keeps public holidays (``PH``)
    open with the same hours, ``节假日休息`` closes them (``PH off``); said alone, the other hours
    stay ``unknown``. Text already in OSM syntax is kept as it is.
    """
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    if re.fullmatch(r"[\x20-\x7e]+", raw) and re.search(r"[A-Za-z]", raw) and opening_hours.validate(raw):
        return raw
    folded = unicodedata.normalize("NFKC", raw)
    rules: list[_Rule] = []
    current = _Rule([], [])
    holidays: str | None = None
    position = 0
    for match in _HOURS_TOKEN.finditer(folded):
        if _says_something(folded[position:match.start()]):
            return None  # a part we do not understand: better unknown than wrong
        position = match.end()
        kind, token = match.lastgroup, match.group()
        if kind in ("dayrange", "day", "workdays", "weekend", "everyday", "holiday"):
            if current.times or current.off:
                rules.append(current)
                current = _Rule([], [])
            if kind == "holiday":
                current.holiday = True
            else:
                current.days += _days_of(token, kind)
        elif kind == "holiday_open":
            holidays = "open"
        elif kind == "holiday_off":
            holidays = "off"
        elif kind == "allday":
            current.times.append("00:00-24:00")
        elif kind == "off":
            current.off = True
        else:
            start_text, end_text = re.split(_RANGE_SEPARATOR, token, maxsplit=1)
            start = _clock(start_text)
            end = _clock(end_text, after=start) if start else None
            if start is None or end is None:
                return None
            current.times.append(f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}")
    if _says_something(folded[position:]):
        return None
    if current.times or current.off or current.days or current.holiday:
        rules.append(current)
    if not rules and holidays is not None:
        # only what happens on holidays is said: the other hours stay unknown
        return "Mo-Su,PH unknown \"节假日不休\"" if holidays == "open" else "Mo-Su unknown; PH off"
    if not rules or any(not rule.times and not rule.off for rule in rules):
        return None
    parts = []
    for rule in rules:
        selector = "PH" if rule.holiday else (_day_text(rule.days) if rule.days else "Mo-Su")
        if holidays == "open" and not rule.holiday and not rule.off:
            selector += ",PH"
        parts.append(f"{selector} {'off' if rule.off else ','.join(rule.times)}")
    if holidays == "off":
        parts.append("PH off")
    expression = "; ".join(parts)
    if expression in ("Mo-Su 00:00-24:00", "Mo-Su,PH 00:00-24:00"):
        expression = "24/7"
    return expression if opening_hours.validate(expression) else None


# --- phone, coordinates, names -----------------------------------------------------------------



def hours_as_written(expression: str) -> str:
    """Opening hours in OSM syntax as people write them in Chinese (:func:`geo.i18n.hours_written`),
    for a form to show and the planner to edit; only when it reads back to the same OSM value
    through :func:`parse_opening_hours`, else the OSM value itself."""
    written = hours_written(expression, DEFAULT_LANGUAGE)
    return written if parse_opening_hours(written) == expression else expression


_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,24}$")


def normalise_phone(text: object) -> str | None:
    """A phone number as the register keeps it (half-width digits, single spaces), or
    ``None`` when the cell is not one."""
    if text is None:
        return None
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text)).strip())
    value = re.sub(r"\.0$", "", value)  # a number cell read as a float
    value = value.replace("—", "-").replace("–", "-")
    return value if _PHONE.match(value) else None


_NAME_NOISE = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class NameNormaliser:
    """Station names reduced to what variant spellings share: half-width, lower case, no
    spaces or punctuation, no leading zeros, no town prefix, and each village/community named by
    its core (骑龙社区党群驿站 = 骑龙党群驿站 = 骑龙 社区·党群驿站)."""

    community_names: tuple[tuple[str, str], ...]

    @classmethod
    def from_table(cls, communities: pd.DataFrame) -> "NameNormaliser":
        pairs = []
        for row in communities.itertuples():
            core = _community_core(row.name_short)
            for full in (row.name_official, row.name_short):
                pairs.append((_fold(full), core))
        # longest first: 骑龙居委会 before 骑龙
        return cls(tuple(sorted(set(pairs), key=lambda pair: -len(pair[0]))))

    def __call__(self, name: object) -> str:
        text = _NAME_NOISE.sub("", _fold(name)) if name is not None else ""
        for prefix in _PLACE_PREFIXES:
            text = text.replace(prefix, "")
        for full, core in self.community_names:
            text = text.replace(full, core)
        return _DIGITS.sub(lambda m: str(int(m.group())), text)

    def places_in(self, normalised: str) -> frozenset[str]:
        """The villages/communities (their cores) a normalised name mentions: 金星党群驿站 and
        金塘党群驿站 are one character apart and two different stations."""
        return frozenset(core for _, core in self.community_names if core in normalised)


def name_numbers(normalised: str) -> tuple[int, ...]:
    """The numbers in a normalised name: 党群驿站 6 and 党群驿站 06 share them, 06 and 07 do not."""
    return tuple(int(d) for d in _DIGITS.findall(normalised))
