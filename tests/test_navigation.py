"""Navigation hand-off links: parameters and datum of each."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse

import pytest

from geo.place.datum import wgs84_to_gcj02
from geo.rider.navigation import navigation_links

LON, LAT = 116.823601, 30.73744
NAME = "骑龙社区党群驿站"


def params(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def test_amap_gets_gcj02_coordinates_riding_mode_and_no_origin():
    link = navigation_links(LON, LAT, NAME, origin_lon=116.8, origin_lat=30.7).amap
    assert urlparse(link).netloc == "uri.amap.com" and urlparse(link).path == "/navigation"
    query = params(link)
    to_lon, to_lat, to_name = query["to"].split(",")
    gcj_lon, gcj_lat = wgs84_to_gcj02(LON, LAT)
    assert (float(to_lon), float(to_lat)) == pytest.approx((gcj_lon, gcj_lat), abs=1e-6)
    assert (float(to_lon), float(to_lat)) != pytest.approx((LON, LAT), abs=1e-3)  # really converted
    assert to_name == NAME
    assert query["mode"] == "ride" and query["coordinate"] == "gaode"
    assert "from" not in query  # Amap starts from the phone; our rider's position is not sent


def test_baidu_gets_wgs84_with_lat_first_and_the_origin():
    query = params(navigation_links(LON, LAT, NAME, origin_lon=116.8, origin_lat=30.7).baidu)
    assert query["coord_type"] == "wgs84" and query["mode"] == "riding"
    assert query["destination"] == f"latlng:{LAT:.6f},{LON:.6f}|name:{NAME}"
    assert query["origin"] == "latlng:30.700000,116.800000|name:我的位置"


def test_baidu_without_a_known_origin_has_none():
    assert "origin" not in params(navigation_links(LON, LAT, NAME).baidu)


def test_geo_uri_is_wgs84_lat_lon():
    link = navigation_links(LON, LAT, NAME).geo
    assert link.startswith(f"geo:{LAT:.6f},{LON:.6f}?q={LAT:.6f},{LON:.6f}(")
    assert unquote(link).endswith(f"({NAME})")


def test_copyable_coordinates_in_both_datums():
    links = navigation_links(LON, LAT, NAME)
    assert links.wgs84_text == f"{LAT:.6f}, {LON:.6f}"
    gcj_lon, gcj_lat = wgs84_to_gcj02(LON, LAT)
    assert links.gcj02_text == f"{gcj_lon:.6f},{gcj_lat:.6f}"


def test_names_with_separators_cannot_break_the_link():
    query = params(navigation_links(LON, LAT, "A&B=C#D").amap)
    assert query["to"].endswith(",A&B=C#D") and query["mode"] == "ride"
