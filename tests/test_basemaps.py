"""The deployer's basemaps: what is offered by default, keys, local tiles, datums."""

from __future__ import annotations

import pytest

from geo.errors import BasemapConfigError
from geo.maps.basemaps import BASEMAP_HOST_COUNTRY, Basemap, basemap_settings
from geo.place.datum import Datum

KEY = "0123456789abcdef0123456789abcdef"


def test_unconfigured_offers_no_server_abroad():
    settings = basemap_settings({})
    assert settings.offered == (Basemap.AMAP, Basemap.NONE)
    assert all(BASEMAP_HOST_COUNTRY[b] != "abroad" for b in settings.offered)


def test_a_local_tile_set_and_a_tianditu_key_come_first(tmp_path):
    settings = basemap_settings({"GAOHE_TILES": str(tmp_path), "GAOHE_TIANDITU_KEY": KEY})
    assert settings.offered == (Basemap.LOCAL, Basemap.TIANDITU, Basemap.AMAP, Basemap.NONE)
    assert settings.default is Basemap.LOCAL


def test_the_deployer_lists_the_sources_and_their_order():
    settings = basemap_settings({"GAOHE_BASEMAPS": " none , OSM,none"})
    assert settings.offered == (Basemap.NONE, Basemap.OSM)


def test_the_tianditu_key_may_come_from_secrets_and_the_environment_wins():
    other = "f" * 32
    assert basemap_settings({}, tianditu_key=KEY).tianditu_key == KEY
    assert basemap_settings({"GAOHE_TIANDITU_KEY": other}, tianditu_key=KEY).tianditu_key == other


def test_tianditu_layers_are_web_mercator_vector_and_labels_with_the_key():
    base, labels = basemap_settings({"GAOHE_TIANDITU_KEY": KEY}).layers("tianditu")
    assert "vec_w/wmts" in base.url and "LAYER=vec" in base.url and "TILEMATRIXSET=w" in base.url
    assert "cva_w/wmts" in labels.url and labels.url.endswith(f"tk={KEY}")
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in base.url and base.subdomains == "01234567"
    assert basemap_settings({"GAOHE_TIANDITU_KEY": KEY}).datum("tianditu") is Datum.WGS84  # CGCS2000


def test_local_tiles_are_served_by_the_app_under_its_base_path(tmp_path):
    settings = basemap_settings({"GAOHE_TILES": str(tmp_path)})
    (layer,) = settings.layers("local", url_prefix="/gaohe/")
    assert layer.url == "/gaohe/tiles/{z}/{x}/{y}"
    assert settings.datum("local") is Datum.WGS84
    assert basemap_settings({"GAOHE_TILES": str(tmp_path), "GAOHE_TILES_DATUM": "GCJ02"}).datum("local") is Datum.GCJ02


def test_amap_tiles_are_gcj02_and_the_others_wgs84():
    settings = basemap_settings({})
    assert settings.datum("amap") is Datum.GCJ02
    assert {settings.datum(b) for b in ("osm", "none")} == {Datum.WGS84}
    assert settings.layers("none") == []


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"GAOHE_BASEMAPS": "tianditu"}, "err_basemap_tianditu_key"),
        ({"GAOHE_BASEMAPS": "local"}, "err_basemap_local_tiles"),
        ({"GAOHE_BASEMAPS": "google,osm"}, "err_basemap_unknown"),
        ({"GAOHE_TIANDITU_KEY": "my-key\"><script>"}, "err_basemap_tianditu_key_form"),
        ({"GAOHE_TILES": "/srv/t", "GAOHE_TILES_DATUM": "bd09"}, "err_basemap_tiles_datum"),
    ],
)
def test_wrong_settings_are_refused_with_a_message(env, key):
    with pytest.raises(BasemapConfigError) as caught:
        basemap_settings(env)
    assert caught.value.key == key
    assert caught.value.localized("zh") != key
