"""The open API (/api/v1) through Starlette's test client: the CLI's answer for nearest, the
never-empty rider answer, the register as GeoJSON (WGS-84 and GCJ-02), places, one-tap feedback
into the report store with its limits, 422 with clear messages, no positions in the logs, CORS
only for listed origins. Responses are validated with the OpenAPI document's own schemas."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from starlette.applications import Starlette
from starlette.testclient import TestClient

from geo.cli.main import main as cli_main
from geo.feedback.store import ReportStore
from geo.place.datum import wgs84_to_gcj02
from geo.register.geojson import load_stations
from geo.register.model import AMENITIES, StationType

GEOD = Geod(ellps="WGS84")
SEAT = (116.8236, 30.7374)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A report database of the module's own, and the limits of the defaults."""
    folder = tmp_path_factory.mktemp("reports")
    url = f"sqlite:///{folder / 'reports.sqlite3'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GAOHE_DATABASE_URL", url)
        patch.setenv("GAOHE_REPORT_PHOTOS", str(folder / "photos"))
        patch.setenv("GAOHE_TEST_NOW", "2026-11-28T23:30")
        yield url, folder / "photos"


@pytest.fixture
def client(reports):
    from geo.feedback import shared
    from web import web_routes

    shared.shared_limiter.cache_clear()  # a fresh limiter per test: limits are counted in memory
    with TestClient(Starlette(routes=web_routes()), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def spec():
    from web.openapi import openapi_spec

    return openapi_spec()


def conforms(spec: dict, schema_name: str, payload: object) -> None:
    """``payload`` is valid against the document's component ``schema_name`` (JSON Schema 2020-12)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(payload)


def cli_nearest(*args: str) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main(["nearest", *args, "--json"]) == 0
    return json.loads(out.getvalue())


# --- nearest ---------------------------------------------------------------------------------


@pytest.mark.parametrize("query, cli", [
    ("lon=116.8236&lat=30.7374", ["--lon", "116.8236", "--lat", "30.7374"]),
    ("lon=116.8236&lat=30.7374&k=7&type=red&type=hub", ["--lon", "116.8236", "--lat", "30.7374", "-k", "7",
                                                        "--type", "red", "--type", "hub"]),
    ("lon=116.85&lat=30.72&k=3&amenity=charger&open_at=2026-11-28T21:30",
     ["--lon", "116.85", "--lat", "30.72", "-k", "3", "--amenity", "charger", "--open-at", "2026-11-28T21:30"]),
    ("lon=116.85&lat=30.72&amenity=bp_monitor&amenity=study_corner", ["--lon", "116.85", "--lat", "30.72", "--amenity",
                                                                      "bp_monitor", "--amenity", "study_corner"]),
    ("lon=116.8294&lat=30.7342&datum=gcj02&k=4", ["--lon", "116.8294", "--lat", "30.7342", "--datum", "gcj02", "-k", "4"]),
    ("lon=116.83&lat=30.74&k=100&max_distance_m=800", ["--lon", "116.83", "--lat", "30.74", "-k", "100",
                                                       "--max-distance-m", "800"]),
])
def test_nearest_is_the_clis_answer(client, spec, query, cli):
    answer = client.get(f"/api/v1/nearest?{query}")
    assert answer.status_code == 200
    conforms(spec, "NearestAnswer", answer.json())
    assert answer.json()["results"] == cli_nearest(*cli)


@settings(max_examples=60, deadline=None)
@given(lon=st.floats(116.70, 116.99), lat=st.floats(30.62, 30.84), k=st.integers(1, 12),
       types=st.lists(st.sampled_from([t.value for t in StationType]), max_size=2, unique=True))
def test_nearest_matches_the_cli_and_the_exact_geodesic_anywhere_in_town(reports, lon, lat, k, types):
    from geo.feedback import shared
    from web import web_routes

    shared.shared_limiter.cache_clear()
    with TestClient(Starlette(routes=web_routes()), base_url="http://127.0.0.1") as test_client:
        query = f"lon={lon!r}&lat={lat!r}&k={k}" + "".join(f"&type={t}" for t in types)
        rows = test_client.get(f"/api/v1/nearest?{query}").json()["results"]
    cli = ["--lon", repr(lon), "--lat", repr(lat), "-k", str(k)] + [a for t in types for a in ("--type", t)]
    assert rows == cli_nearest(*cli)
    stations = load_stations()
    chosen = stations[stations.station_type.isin(types)] if types else stations
    exact = GEOD.inv(np.full(len(chosen), lon), np.full(len(chosen), lat), chosen.geometry.x, chosen.geometry.y)[2]
    assert [row["distance_m"] for row in rows] == pytest.approx(np.sort(exact)[:k], abs=0.06)


def test_nearest_in_gcj02_gives_amaps_positions(client):
    wgs = client.get("/api/v1/nearest?lon=116.8236&lat=30.7374").json()["results"]
    gcj = client.get("/api/v1/nearest?lon=116.8236&lat=30.7374&out_datum=gcj02").json()["results"]
    assert [r["id"] for r in wgs] == [r["id"] for r in gcj]
    for w, g in zip(wgs, gcj):
        assert (g["lon"], g["lat"]) == pytest.approx(wgs84_to_gcj02(w["lon"], w["lat"]), abs=1e-7)


@pytest.mark.parametrize("query, location, words", [
    ("lon=abc&lat=30.7", "lon", ["`lon`", "abc", "-180", "180"]),
    ("lon=116.8&lat=91", "lat", ["`lat`", "91", "-90", "90"]),
    ("lon=nan&lat=30.7", "lon", ["`lon`", "nan"]),
    ("lon=inf&lat=30.7", "lon", ["`lon`", "inf"]),
    ("lon=1e400&lat=30.7", "lon", ["`lon`"]),
    ("lon=116.8&lat=30.7&k=0", "k", ["`k`", "1", "100"]),
    ("lon=116.8&lat=30.7&k=101", "k", ["`k`", "101"]),
    ("lon=116.8&lat=30.7&k=2.5", "k", ["whole number"]),
    ("lon=116.8&lat=30.7&max_distance_m=0", "max_distance_m", ["more than 0"]),
    ("lon=116.8&lat=30.7&max_distance_m=-5", "max_distance_m", ["-5"]),
    ("lon=116.8&lat=30.7&open_at=tomorrow", "open_at", ["2026-11-28T21:30"]),
    ("lon=116.8&lat=30.7&open_at=2026-13-01T10:00", "open_at", ["2026-13-01T10:00"]),
    ("lon=116.8&lat=30.7&amenity=sauna", "amenity", ["sauna", "hot_water"]),
    ("lon=116.8&lat=30.7&type=bar", "type", ["bar", "party_mass"]),
    ("lon=116.8&lat=30.7&datum=utm", "datum", ["gcj02"]),
    ("lon=116.8&lat=30.7&lon=116.9", "lon", ["once"]),
    ("lat=30.7", "lon", ["`lon` is required"]),
])
def test_bad_numbers_and_words_get_422_with_a_clear_message(client, spec, query, location, words):
    answer = client.get(f"/api/v1/nearest?{query}")
    assert answer.status_code == 422
    conforms(spec, "ValidationError", answer.json())
    (problem,) = [p for p in answer.json()["detail"] if p["loc"] == ["query", location]]
    assert all(word in problem["msg"] for word in words), problem["msg"]
    assert "Traceback" not in answer.text


def test_every_problem_is_listed_at_once_and_in_chinese_when_asked(client):
    answer = client.get("/api/v1/nearest?lon=abc&lat=95&k=0&lang=zh")
    assert answer.status_code == 422
    problems = answer.json()["detail"]
    assert [p["loc"][1] for p in problems] == ["lon", "lat", "k"]
    assert "应为" in problems[0]["msg"] and "abc" in problems[0]["msg"]
    chinese = client.get("/api/v1/nearest?lon=abc&lat=30", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "应为" in chinese.json()["detail"][0]["msg"]


# --- rider, stations, places -------------------------------------------------------------------


def test_the_rider_answer_at_night_is_never_empty_and_names_what_opens_first(client, spec):
    answer = client.get("/api/v1/rider?lon=116.8236&lat=30.7374")
    assert answer.status_code == 200
    body = answer.json()
    conforms(spec, "RiderAnswer", body)
    assert body["moment"] == "2026-11-28T23:30" and body["results"] == [] and body["empty_reason"] == "open_now"
    assert [r["station_type"] for r in body["open_now"]] == ["parking"] * 3
    assert body["next_opening"]["name_zh"] == "党群驿站 04" and body["next_opening"]["opens_at"] == "2026-11-29T08:00"


def test_the_rider_amenities_mean_any_of_them(client):
    body = client.get("/api/v1/rider?lon=116.8236&lat=30.7374&open_now=false&k=10&amenity=bp_monitor"
                      "&amenity=study_corner").json()
    have = [set(r["id"] for r in body["results"])]
    stations = load_stations().set_index("id")
    assert len(body["results"]) == 10 and body["query"]["amenities_match"] == "any"
    assert all({"bp_monitor", "study_corner"} & set(stations.loc[i, "amenities"]) for i in have[0])


def test_stations_are_the_register_as_geojson_in_either_datum(client, spec):
    wgs = client.get("/api/v1/stations")
    assert wgs.status_code == 200
    conforms(spec, "StationCollection", wgs.json())
    stations = load_stations()
    features = wgs.json()["features"]
    assert [f["id"] for f in features] == list(stations["id"])
    assert features[0]["geometry"]["coordinates"] == [round(stations.geometry.x[0], 7), round(stations.geometry.y[0], 7)]
    gcj = client.get("/api/v1/stations?datum=gcj02&type=red").json()
    assert gcj["datum"] == "gcj02" and len(gcj["features"]) == int((stations.station_type == "red").sum())
    first = stations[stations.station_type == "red"].iloc[0]
    assert gcj["features"][0]["geometry"]["coordinates"] == pytest.approx(
        wgs84_to_gcj02(first.geometry.x, first.geometry.y), abs=1e-7)
    # the version is the ETag: a client that has it gets 304
    again = client.get("/api/v1/stations", headers={"If-None-Match": wgs.headers["etag"]})
    assert again.status_code == 304


def test_one_station_and_an_unknown_one(client, spec):
    found = client.get("/api/v1/stations/PM-04")
    assert found.status_code == 200
    conforms(spec, "Station", found.json())
    assert found.json()["properties"]["name_zh"] == "党群驿站 04"
    missing = client.get("/api/v1/stations/PM-99")
    assert missing.status_code == 404 and "PM-99" in missing.json()["detail"]
    assert client.get("/api/v1/stations/%3Cscript%3E").status_code == 422


def test_places_find_what_riders_call_places(client, spec):
    body = client.get("/api/v1/places?q=火车站").json()
    conforms(spec, "Places", body)
    assert body["places"][0]["name_zh"] == "安庆西站"
    assert client.get("/api/v1/places?q=abc").json()["places"] == []
    assert client.get("/api/v1/places?q=" + "x" * 81).status_code == 422


# --- feedback ----------------------------------------------------------------------------------


def stored(reports) -> list[dict]:
    store = ReportStore(reports[0], photos_dir=reports[1])
    try:
        return store.reports_frame().to_dict(orient="records")
    finally:
        store.close()


def test_one_tap_feedback_is_filed_in_the_report_store_with_the_registers_place(client, spec, reports):
    before = len(stored(reports))
    answer = client.post("/api/v1/feedback", json={"station": "PM-04", "kind": "closed"})
    assert answer.status_code == 201
    conforms(spec, "FeedbackReceipt", answer.json())
    reference = answer.json()["reference"]
    rows = stored(reports)
    assert len(rows) == before + 1
    (row,) = [r for r in rows if r["reference"] == reference]
    station = load_stations().set_index("id").loc["PM-04"]
    assert (row["kind"], row["subject"], row["station_id"], row["place_source"]) == ("station", "closed", "PM-04",
                                                                                      "register")
    assert (row["lon"], row["lat"]) == pytest.approx((station.geometry.x, station.geometry.y))
    assert answer.json()["status_url"] == f"report?code={reference}"


def test_a_moved_station_with_the_place_the_rider_sent_and_a_missing_amenity(client, reports):
    moved = client.post("/api/v1/feedback", json={"station": "RS-03", "kind": "moved", "lon": 116.8251, "lat": 30.736,
                                                   "note": "在药房隔壁"})
    missing = client.post("/api/v1/feedback", json={"station": "RS-03", "kind": "missing_amenity", "amenity": "charger"})
    assert moved.status_code == missing.status_code == 201
    rows = {r["reference"]: r for r in stored(reports)}
    first, second = rows[moved.json()["reference"]], rows[missing.json()["reference"]]
    assert (first["subject"], first["place_source"], first["lon"], first["lat"], first["note"]) == \
        ("not_here", "reporter", 116.8251, 30.736, "在药房隔壁")
    assert (second["subject"], second["amenity"]) == ("amenity_missing", "charger")


def test_a_feedback_sent_twice_is_filed_once(client):
    body = {"station": "PM-01", "kind": "hours_wrong", "submission_key": "key-of-this-tap-1"}
    first, again = client.post("/api/v1/feedback", json=body), client.post("/api/v1/feedback", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"] and again.json()["resent"]


@pytest.mark.parametrize("body, location, key", [
    ({"kind": "closed"}, "station", "api_err_required"),
    ({"station": "PM-04"}, "kind", "api_err_required"),
    ({"station": "PM-04", "kind": "broken"}, "kind", "api_err_choice"),
    ({"station": "<b>x</b>", "kind": "closed"}, "station", "api_err_text"),
    ({"station": 4, "kind": "closed"}, "station", "api_err_field_type"),
    ({"station": "PM-04", "kind": "missing_amenity"}, "amenity", "api_err_amenity_needed"),
    ({"station": "PM-04", "kind": "closed", "amenity": "charger"}, "amenity", "api_err_amenity_only"),
    ({"station": "PM-04", "kind": "moved", "lon": 116.8}, "lon", "api_err_place_pair"),
    ({"station": "PM-04", "kind": "moved", "lon": "east", "lat": 30.7}, "lon", "api_err_field_type"),
    ({"station": "PM-04", "kind": "moved", "lon": 200, "lat": 30.7}, "lon", "api_err_number_range"),
    ({"station": "PM-04", "kind": "moved", "lon": 116.95, "lat": 30.7}, "lon", "api_err_number_range"),
    ({"station": "PM-04", "kind": "moved", "lon": None, "lat": None}, "lon", "api_err_field_type"),
    ({"station": "PM-04", "kind": "other", "amenity": None}, "amenity", "api_err_amenity_only"),
    ({"station": "PM-04", "kind": "other", "note": "字" * 501}, "note", "api_err_too_long"),
    ({"station": "PM-04", "kind": "other", "name": "王师傅"}, "name", "api_err_field_unknown"),
])
def test_a_wrong_feedback_gets_422_naming_the_field(client, spec, body, location, key):
    answer = client.post("/api/v1/feedback", json=body)
    assert answer.status_code == 422, answer.text
    conforms(spec, "ValidationError", answer.json())
    assert any(p["loc"] == ["body", location] and p["type"] == key and p["msg"] for p in answer.json()["detail"])


def test_feedback_on_a_station_the_register_lacks_is_404(client):
    answer = client.post("/api/v1/feedback", json={"station": "PM-99", "kind": "closed"})
    assert answer.status_code == 404 and "PM-99" in answer.json()["detail"]


def test_any_place_the_document_allows_is_one_the_report_store_takes(client):
    from web.api import FEEDBACK_EXTENT

    west, south, east, north = FEEDBACK_EXTENT
    for lon, lat in ((west, south), (east, north), (west, north), (east, south)):
        answer = client.post("/api/v1/feedback", json={"station": "HUB-01", "kind": "moved", "lon": lon, "lat": lat})
        assert answer.status_code == 201, answer.text


def test_a_body_that_is_not_json_or_too_large_is_refused(client):
    assert client.post("/api/v1/feedback", content=b"station=PM-04",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert client.post("/api/v1/feedback", content=b"{not json", headers={"Content-Type": "application/json"}
                       ).status_code == 422
    assert client.post("/api/v1/feedback", content=b"[1, 2]", headers={"Content-Type": "application/json"}
                       ).status_code == 422
    big = json.dumps({"station": "PM-04", "kind": "other", "note": "x" * 5000}).encode()
    assert client.post("/api/v1/feedback", content=big, headers={"Content-Type": "application/json"}).status_code == 413
    assert client.post("/api/v1/feedback", content=b'{"station": "PM-04", "kind": "moved", "lon": NaN, "lat": 30.7}',
                       headers={"Content-Type": "application/json"}).status_code == 422


def test_the_report_pages_limits_apply_and_a_forwarded_address_from_here_changes_nothing(client):
    """Five per browser in ten minutes (the report page's limit); a client on this machine that
    claims another address in X-Forwarded-For is still counted as this machine."""
    codes = [client.post("/api/v1/feedback", json={"station": "NS-01", "kind": "other"}).status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]
    limited = client.post("/api/v1/feedback", json={"station": "NS-01", "kind": "other"},
                          headers={"X-Forwarded-For": "203.0.113.9"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "min" in limited.json()["detail"]


def test_the_address_limit_counts_browsers_behind_one_address_together(reports, monkeypatch):
    from geo.feedback import shared
    from web import web_routes

    monkeypatch.setenv("GAOHE_REPORT_ADDRESS_LIMIT", "3/3600")
    shared.shared_limiter.cache_clear()
    codes = []
    for _ in range(4):  # a new browser (no cookie) each time, all from one address
        with TestClient(Starlette(routes=web_routes()), base_url="http://127.0.0.1", cookies={}) as fresh:
            codes.append(fresh.post("/api/v1/feedback", json={"station": "NS-02", "kind": "other"}).status_code)
    shared.shared_limiter.cache_clear()
    assert codes == [201, 201, 201, 429]


# --- privacy, errors, CORS ---------------------------------------------------------------------


def test_positions_never_reach_the_log_even_when_a_request_fails(client, caplog, monkeypatch):
    import web.api

    def broken(*_args, **_kwargs):
        raise RuntimeError("failure at 116.80123, 30.70456")

    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(web.api.RegisterSnapshot, "nearest", broken)
    failed = client.get("/api/v1/nearest?lon=116.80123&lat=30.70456")
    assert failed.status_code == 500 and "Traceback" not in failed.text and "116.80123" not in failed.text
    client.get("/api/v1/rider?lon=116.80123&lat=30.70456")
    client.get("/m?at=116.80123,30.70456")
    client.post("/api/v1/feedback", json={"station": "PM-04", "kind": "moved", "lon": 116.80123, "lat": 30.70456})
    # what the server side logged (the test's own HTTP client logs its requests: not the server's)
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("httpx"))
    assert "nearest failed: RuntimeError" in logged
    assert "116.80" not in logged and "30.70" not in logged


def test_cors_is_allowed_only_for_the_origins_the_deployer_lists(reports, monkeypatch):
    from web import web_routes

    monkeypatch.setenv("GAOHE_API_CORS_ORIGINS", "https://map.union.example")
    with TestClient(Starlette(routes=web_routes())) as listed:
        yes = listed.get("/api/v1/stations/PM-04", headers={"Origin": "https://map.union.example"})
        no = listed.get("/api/v1/stations/PM-04", headers={"Origin": "https://evil.example"})
        preflight = listed.options("/api/v1/feedback", headers={"Origin": "https://map.union.example",
                                                                "Access-Control-Request-Method": "POST",
                                                                "Access-Control-Request-Headers": "content-type"})
    assert yes.headers["access-control-allow-origin"] == "https://map.union.example"
    assert "access-control-allow-origin" not in no.headers
    assert preflight.status_code == 200
    monkeypatch.delenv("GAOHE_API_CORS_ORIGINS")
    with TestClient(Starlette(routes=web_routes())) as unlisted:
        none = unlisted.get("/api/v1/stations/PM-04", headers={"Origin": "https://map.union.example"})
    assert "access-control-allow-origin" not in none.headers


def test_unknown_paths_and_methods_answer_in_json(client):
    assert client.get("/api/v1/nowhere").status_code == 404
    assert client.get("/api/v1/nowhere").json()["type"] == "api_err_not_found"
    assert client.delete("/api/v1/stations").status_code == 405


def test_the_openapi_document_is_openapi_3_1_and_lists_every_operation(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"] == "3.1.0" and document["servers"] == [{"url": "/api/v1"}]
    assert set(document["paths"]) == {"/nearest", "/rider", "/stations", "/stations/{id}", "/places", "/feedback",
                                      "/openapi.json"}
    amenity = next(p for p in document["paths"]["/nearest"]["get"]["parameters"] if p["name"] == "amenity")
    assert amenity["schema"]["items"]["enum"] == list(AMENITIES)
    assert math.isclose(next(p for p in document["paths"]["/nearest"]["get"]["parameters"]
                             if p["name"] == "lon")["schema"]["maximum"], 180)
