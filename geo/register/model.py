"""The station data model: station types, amenity vocabulary, property schema.

Everything here is plain data shared by the loader, the maps and the pages. The words for the
codes, in each language, are in the ``[station_type]`` and ``[amenity]`` tables of the
catalogues (``geo/locales/<lang>/vocabulary.toml``; :func:`geo.i18n.label_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

WGS84 = "EPSG:4326"

#: Gaohe's place in the world: Asia/Shanghai local time for "open now".
LOCAL_TIMEZONE = "Asia/Shanghai"

#: County seat of Huaining (in Gaohe town), WGS-84 lon/lat, from the DataV/Amap district
#: centre converted from GCJ-02 (see data/SOURCES.md). The only surveyed point we have.
COUNTY_SEAT_LONLAT = (116.823601, 30.73744)

#: Approximate extent of Gaohe town, WGS-84 (west, south, east, north) degrees: a bounding box,
#: not the boundary (none is published). Source: PyPI ``sizhi`` 3.0.6, table ``dic`` (MIT); it
#: lies inside the county outline and beside the neighbouring towns (domain brief).
TOWN_EXTENT_LONLAT = (116.77410, 30.68027, 116.91975, 30.77004)
#: Stations may lie this far outside the approximate extent (a rectangle cuts corners).
TOWN_EXTENT_MARGIN_M = 1_000.0


class StationType(str, Enum):
    """Kinds of station in the Gaohe network, in the order the map lists them."""

    HUB = "hub"
    PARTY_MASS = "party_mass"
    RED = "red"
    NEIGHBOURHOOD = "neighbourhood"
    PARKING = "parking"


class LocationStatus(str, Enum):
    """How a station's position is known, from best to worst."""

    #: someone stood there (or checked it on a map) and confirmed it
    VERIFIED = "verified"
    #: from an online geocoder's answer for the address: better than a placeholder, not verified
    GEOCODED = "geocoded"
    #: a placeholder placed plausibly (the embedded data), or a position from a list, unchecked
    UNVERIFIED = "unverified"
    #: no position known at all: drawn at a stand-in point until someone finds it
    NEEDS_POSITION = "needs_position"


class HoursStatus(str, Enum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"


#: ``opening_hours`` of a station whose hours nobody has told us (OSM syntax for "unknown").
UNKNOWN_HOURS = "unknown"


@dataclass(frozen=True)
class StationTypeInfo:
    colour: str
    #: One glyph drawn inside the marker: a character, so no icon font is needed offline.
    glyph: str
    id_prefix: str


STATION_TYPES: dict[StationType, StationTypeInfo] = {
    StationType.HUB: StationTypeInfo("#7b1fa2", "中", "HUB"),
    StationType.PARTY_MASS: StationTypeInfo("#c62828", "驿", "PM"),
    StationType.RED: StationTypeInfo("#e65100", "红", "RS"),
    StationType.NEIGHBOURHOOD: StationTypeInfo("#1565c0", "站", "NS"),
    StationType.PARKING: StationTypeInfo("#2e7d32", "P", "PK"),
}


@dataclass(frozen=True)
class AmenityInfo:
    icon: str


#: The closed amenity vocabulary. Icons are emoji; the words always stand beside them.
AMENITIES: dict[str, AmenityInfo] = {
    "seating": AmenityInfo("🪑"),
    "microwave": AmenityInfo("🍱"),
    "hot_water": AmenityInfo("♨️"),
    "drinking_water": AmenityInfo("🚰"),
    "umbrella": AmenityInfo("☂️"),
    "charger": AmenityInfo("🔌"),
    "first_aid": AmenityInfo("🩹"),
    "bp_monitor": AmenityInfo("🩺"),
    "study_corner": AmenityInfo("📚"),
    "toilet": AmenityInfo("🚻"),
    "wifi": AmenityInfo("📶"),
    "air_conditioning": AmenityInfo("❄️"),
    "parking": AmenityInfo("🛵"),
}

#: Properties every feature carries. ``None`` marks a field that may be null.
REQUIRED_PROPERTIES: tuple[str, ...] = (
    "id",
    "station_type",
    "name_zh",
    "name_en",
    "community_code",
    "address",
    "amenities",
    "opening_hours",
    "operator",
    "phone",
    "location_status",
    "hours_status",
    "source",
)

#: Properties that may be null (unknown) rather than a string.
NULLABLE_PROPERTIES: frozenset[str] = frozenset({"phone", "operator", "address", "community_code"})

#: Properties a feature may carry, checked when present: when and how its position was verified.
#: Who verified it is kept in the change log, which only signed-in editors see.
OPTIONAL_PROPERTIES: tuple[str, ...] = ("verified_on", "verification_method")

#: Column order of the station GeoDataFrame (geometry last).
STATION_COLUMNS: tuple[str, ...] = REQUIRED_PROPERTIES + ("geometry",)

