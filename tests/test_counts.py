"""Station counts by type and by community, against plain counting."""

from __future__ import annotations

from collections import Counter

from geo.place.reference import load_communities
from geo.register.counts import count_by_community, count_by_type
from geo.register.geojson import load_stations
from geo.register.model import StationType


def test_counts_by_type_match_plain_counting_and_list_every_type():
    stations = load_stations()
    counts = count_by_type(stations)
    expected = Counter(stations["station_type"])
    assert list(counts["station_type"]) == [t.value for t in StationType]
    assert dict(zip(counts["station_type"], counts["count"])) == {t.value: expected.get(t.value, 0) for t in StationType}
    unverified = Counter(stations.loc[stations.location_status != "verified", "station_type"])
    assert dict(zip(counts["station_type"], counts["unverified"])) == {t.value: unverified.get(t.value, 0) for t in StationType}


def test_a_type_with_no_station_counts_zero():
    stations = load_stations()
    counts = count_by_type(stations[stations.station_type != "parking"])
    assert counts.set_index("station_type").loc["parking", "count"] == 0


def test_counts_by_community_cover_all_24_and_add_up():
    stations = load_stations()
    communities = load_communities()
    table = count_by_community(stations, communities)
    assert len(table) == 24
    assert list(table["community_code"]) == list(communities["code"])
    assert table["total"].sum() == len(stations)
    expected = Counter(zip(stations["community_code"], stations["station_type"]))
    for row in table.itertuples():
        for station_type in StationType:
            assert getattr(row, station_type.value) == expected.get((row.community_code, station_type.value), 0)
