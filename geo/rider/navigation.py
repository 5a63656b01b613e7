"""Hand-off links to navigation apps, each in the datum its endpoint expects.

- Amap ``uri.amap.com/navigation``: documents GCJ-02 only (``coordinate=gaode``), so the
  destination is converted from WGS-84; ``from`` is left out, so Amap starts at the phone's
  own position and ours is not sent.
- Baidu ``api.map.baidu.com/direction``: takes ``coord_type=wgs84``; its ``origin`` is
  required, so the rider's position goes into that link (only when the rider taps it).
- ``geo:`` URI (RFC 5870): WGS-84 by definition; Android apps open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from geo.place.datum import wgs84_to_gcj02

APP_SOURCE = "gaohe-station-map"
#: Coordinates in links: 6 decimals is ~0.1 m, finer than any position we hold.
_DECIMALS = 6


@dataclass(frozen=True)
class NavigationLinks:
    amap: str
    baidu: str
    geo: str
    #: "lat, lon" (WGS-84) for copying into other tools.
    wgs84_text: str
    #: "lon,lat" in GCJ-02, the order Amap's coordinate picker uses.
    gcj02_text: str


def _quote(text: str, *_args: object, **_kwargs: object) -> str:
    # keep the separators the endpoints document (",", ":", "|") readable
    return quote(text, safe=",:|")


def _fmt(value: float) -> str:
    return f"{value:.{_DECIMALS}f}"


def navigation_links(
    lon: float, lat: float, name: str, *, origin_lon: float | None = None, origin_lat: float | None = None
) -> NavigationLinks:
    """Links that open navigation to a WGS-84 ``lon``/``lat`` destination called ``name``."""
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    amap = "https://uri.amap.com/navigation?" + urlencode(
        {
            "to": f"{_fmt(gcj_lon)},{_fmt(gcj_lat)},{name}",
            "mode": "ride",
            "coordinate": "gaode",
            "callnative": "1",
            "src": APP_SOURCE,
        },
        quote_via=_quote,
    )
    baidu_params = {
        "destination": f"latlng:{_fmt(lat)},{_fmt(lon)}|name:{name}",
        "mode": "riding",
        "coord_type": "wgs84",
        "region": "怀宁县",
        "output": "html",
        "src": APP_SOURCE,
    }
    if origin_lon is not None and origin_lat is not None:
        baidu_params = {"origin": f"latlng:{_fmt(origin_lat)},{_fmt(origin_lon)}|name:我的位置"} | baidu_params
    baidu = "https://api.map.baidu.com/direction?" + urlencode(baidu_params, quote_via=_quote)
    geo = f"geo:{_fmt(lat)},{_fmt(lon)}?q={_fmt(lat)},{_fmt(lon)}({quote(name)})"
    return NavigationLinks(
        amap=amap,
        baidu=baidu,
        geo=geo,
        wgs84_text=f"{_fmt(lat)}, {_fmt(lon)}",
        gcj02_text=f"{_fmt(gcj_lon)},{_fmt(gcj_lat)}",
    )
