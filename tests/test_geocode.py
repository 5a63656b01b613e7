"""The optional online geocoder: configuration, datum of Baidu answers, clear failures.
No network: geopy geocoders are replaced by fakes that behave like them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from geopy.exc import GeocoderServiceError, GeocoderTimedOut

from geo.errors import GeocodingError
from geo.place.datum import bd09_to_wgs84
from geo.place.geocode import GeocoderConfig, geocode_online, geocoder_config


class FakeGeocoder:
    def __init__(self, answer=None, error=None):
        self.answer, self.error, self.queries = answer, error, []

    def geocode(self, query, **kwargs):
        self.queries.append((query, kwargs))
        if self.error:
            raise self.error
        return self.answer


def location(lon, lat, address="somewhere"):
    return SimpleNamespace(longitude=lon, latitude=lat, address=address)


def test_no_configuration_means_offline():
    assert geocoder_config({}) is None


def test_configuration_is_checked():
    with pytest.raises(GeocodingError, match='GAOHE_GEOCODER was "google"'):
        geocoder_config({"GAOHE_GEOCODER": "google"})
    with pytest.raises(GeocodingError, match="needs an API key"):
        geocoder_config({"GAOHE_GEOCODER": "baidu"})
    assert geocoder_config({"GAOHE_GEOCODER": "Baidu", "GAOHE_GEOCODER_KEY": "k"}).provider == "baidu"


def test_baidu_answers_are_converted_from_bd09_to_wgs84():
    fake = FakeGeocoder(answer=[location(116.83659258051, 30.739399674607)])
    found = geocode_online("县政府", GeocoderConfig("baidu", "k"), make_geocoder=lambda _: fake)
    expected = bd09_to_wgs84(116.83659258051, 30.739399674607)
    assert (found[0].lon, found[0].lat) == pytest.approx(expected)
    assert fake.queries[0][0].startswith("安徽省安庆市怀宁县")  # scoped to the county


def test_nominatim_answers_are_already_wgs84():
    fake = FakeGeocoder(answer=[location(116.8, 30.7)])
    found = geocode_online("Gaohe", GeocoderConfig("nominatim"), make_geocoder=lambda _: fake)
    assert (found[0].lon, found[0].lat) == (116.8, 30.7)


@pytest.mark.parametrize("error", [GeocoderTimedOut("timed out"), GeocoderServiceError("no route to host")])
def test_an_unreachable_service_gets_a_clear_message(error):
    fake = FakeGeocoder(error=error)
    with pytest.raises(GeocodingError, match="could not be reached or did not answer"):
        geocode_online("Gaohe", GeocoderConfig("nominatim"), make_geocoder=lambda _: fake)


def test_nothing_found_is_an_empty_list():
    assert geocode_online("nowhere", GeocoderConfig("arcgis"), make_geocoder=lambda _: FakeGeocoder(answer=None)) == []
