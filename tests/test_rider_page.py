"""The light page's two renderers agree: what the server writes into /m (geo.rider.page) and what
the page's script (web/static/m-core.js, run here in Node.js) makes after a tap or offline: the
same cards, words and links from the same answer; the offline answer from the cached register is
the server's (same stations, distances within 1 m); the script's geodesic and datum formulas
against pyproj and geo.place.datum."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from geo.i18n import label_of, t
from geo.place.datum import gcj02_to_wgs84, wgs84_to_gcj02
from geo.place.geodesy import ellipsoidal_distance_m
from geo.register.model import AMENITIES, StationType
from geo.rider.offline import offline_payload, opening_intervals
from geo.rider.page import (
    RIDER_AMENITIES,
    PageContext,
    answer_messages,
    card_model,
    parse_page_query,
    script_strings,
    shown_rows,
    station_model,
)
from geo.rider.serialise import minute_text, opening_payload
from geo.rider.snapshot import load_snapshot
from web.api import rider_answer
from web.mobile import _communities

CORE = Path(__file__).resolve().parents[1] / "web" / "static" / "m-core.js"
SEAT = (116.8236, 30.7374)
SATURDAY_NIGHT = datetime(2026, 11, 28, 23, 30)
SATURDAY_MORNING = datetime(2026, 11, 28, 10, 0)
MONDAY_CLOSING = datetime(2026, 11, 30, 17, 10)  # weekday stations close within the hour
GEOD = Geod(ellps="WGS84")


def run_js(program: str, payload: object) -> object:
    """Run ``program`` in Node.js with ``GH`` (m-core.js) and ``input`` (``payload``); it must
    print its result as JSON."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed to test the page's script (apt-get install -y nodejs)")
    source = (f"const GH = require({json.dumps(str(CORE))});\n"
              "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n" + program)
    done = subprocess.run([node, "-e", source], input=json.dumps(payload), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot()


def js_context(snapshot, lang: str, moment: datetime, nav_app: str, origin) -> dict:
    """The context the page's script builds (m.js ``context()``), from the server's values."""
    offline = offline_payload(snapshot, moment=moment)
    return {
        "lang": lang, "s": script_strings(lang), "moment": minute_text(moment), "navApp": nav_app,
        "origin": list(origin) if origin else None, "communities": _communities(lang),
        "hoursText": {expr: entry["text"][lang] for expr, entry in offline["hours"].items()},
        "amenityInfo": {code: [info.icon, label_of("amenity", code, lang)] for code, info in AMENITIES.items()},
        "typeLabels": {kind.value: label_of("station_type", kind.value, lang) for kind in StationType},
        "riderAmenities": list(RIDER_AMENITIES),
    }


CASES = [
    # (position, moment, mode, amenities, open_now, k, lang, app)
    (SEAT, SATURDAY_NIGHT, "rest", [], True, 3, "zh", "amap"),
    (SEAT, SATURDAY_NIGHT, "rest", [], True, 3, "en", "baidu"),
    (SEAT, SATURDAY_MORNING, "rest", [], True, 5, "zh", "geo"),
    ((116.8405, 30.7301), MONDAY_CLOSING, "rest", ["hot_water", "charger"], True, 3, "en", "amap"),
    ((116.8405, 30.7301), MONDAY_CLOSING, "rest", ["toilet"], True, 3, "zh", "amap"),
    ((116.80, 30.70), SATURDAY_MORNING, "parking", [], False, 10, "zh", "baidu"),
    ((116.95, 30.80), SATURDAY_NIGHT, "rest", ["bp_monitor", "study_corner"], False, 3, "en", "geo"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[2]}-{c[6]}-{c[1]:%a%H%M}-{len(c[3])}" for c in CASES])
def test_the_script_makes_the_servers_cards_and_messages_from_the_same_answer(snapshot, case):
    position, moment, mode, amenities, open_now, k, lang, app = case
    payload = rider_answer(snapshot, *position, mode=mode, amenities=amenities, open_now=open_now, k=k, moment=moment)
    ctx = PageContext(lang, minute_text(moment), app, position, _communities(lang))
    rows = shown_rows(payload)
    assert rows  # never empty
    records = {row["id"]: snapshot.records[snapshot.position_of[row["id"]]] for row in rows}
    expected = {"cards": [card_model(row, records[row["id"]], ctx) for row in rows],
                "messages": answer_messages(payload, ctx)}
    made = run_js("const c = input.ctx;\n"
                  "console.log(JSON.stringify({cards: GH.shownRows(input.payload).map(r => GH.cardModel(r, input.records[r.id], c)),"
                  " messages: GH.answerMessages(input.payload, c)}));",
                  {"payload": payload, "records": records, "ctx": js_context(snapshot, lang, moment, app, position)})
    assert made == json.loads(json.dumps(expected))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("moment", [SATURDAY_NIGHT, MONDAY_CLOSING])
def test_the_script_makes_the_servers_station_page(snapshot, lang, moment):
    ctx = PageContext(lang, minute_text(moment), "baidu", None, _communities(lang))
    offline = offline_payload(snapshot, moment=moment)
    expected = [station_model(record, opening_payload(record["opening_hours"], moment), ctx)
                for record in snapshot.records]
    made = run_js("console.log(JSON.stringify(input.data.stations.map(r => GH.stationModel(r, "
                  "GH.openingAt(input.data, r.opening_hours, input.ctx.moment), input.ctx))));",
                  {"data": offline, "ctx": js_context(snapshot, lang, moment, "baidu", None)})
    assert made == json.loads(json.dumps(expected))


POSITIONS = [SEAT, (116.8405, 30.7301), (116.80, 30.70), (116.87, 30.76), (116.85422, 30.67347), (116.95, 30.80)]
OFFLINE_CASES = [(p, m, mode, amenities, open_now, k)
                 for p in POSITIONS
                 for m in (SATURDAY_NIGHT, SATURDAY_MORNING, MONDAY_CLOSING)
                 for mode, amenities, open_now, k in (("rest", [], True, 3), ("rest", ["charger", "toilet"], True, 5),
                                                      ("parking", [], True, 3), ("rest", ["wifi"], False, 10))]


def test_offline_the_script_answers_as_the_server_does_within_a_metre(snapshot):
    expected, inputs = [], []
    for position, moment, mode, amenities, open_now, k in OFFLINE_CASES:
        expected.append(rider_answer(snapshot, *position, mode=mode, amenities=amenities, open_now=open_now, k=k,
                                     moment=moment))
        inputs.append({"query": {"mode": mode, "amenities": amenities, "open_now": open_now, "k": k},
                       "position": list(position), "moment": minute_text(moment)})
    # the phone's copy was made on Saturday morning and is used up to two days later
    data = offline_payload(snapshot, moment=SATURDAY_MORNING)
    made = run_js("console.log(JSON.stringify(input.cases.map(c => GH.offlineAnswer(input.data, c.query, "
                  "c.position[0], c.position[1], c.moment))));", {"data": data, "cases": inputs})
    for server, phone in zip(expected, made):
        for part in ("results", "open_now"):
            assert (server[part] is None) == (phone[part] is None)
            for mine, theirs in zip(server[part] or [], phone[part] or []):
                assert abs(mine.pop("distance_m") - theirs.pop("distance_m")) <= 1.0
                assert abs(mine.pop("route_m") - theirs.pop("route_m")) <= 1.3
                assert abs(mine.pop("ebike_s") - theirs.pop("ebike_s")) <= 1
                assert abs(mine.pop("walk_s") - theirs.pop("walk_s")) <= 1
            assert server[part] == phone[part]
        if server["next_opening"] is not None:
            assert abs(server["next_opening"].pop("distance_m") - phone["next_opening"].pop("distance_m")) <= 1.0
        for key in ("empty_reason", "next_opening", "moment", "position", "route_kind", "register_version"):
            assert server[key] == phone[key], key


def test_the_scripts_geodesic_is_within_a_millimetre_of_pyproj_and_a_metre_of_the_server():
    rng = np.random.default_rng(17)
    lon1, lat1 = rng.uniform(116.70, 116.99, 400), rng.uniform(30.62, 30.84, 400)
    lon2, lat2 = lon1 + rng.normal(0, 0.05, 400), lat1 + rng.normal(0, 0.05, 400)
    lon2[:5], lat2[:5] = lon1[:5], lat1[:5]  # zero-length lines too
    pairs = np.column_stack([lon1, lat1, lon2, lat2]).tolist()
    made = np.array(run_js("console.log(JSON.stringify(input.map(p => GH.distanceM(p[0], p[1], p[2], p[3]))));", pairs))
    exact = GEOD.inv(lon1, lat1, lon2, lat2)[2]
    assert np.max(np.abs(made - exact)) < 1e-3
    assert np.max(np.abs(made - ellipsoidal_distance_m(lon1, lat1, lon2, lat2))) < 1.0


def test_the_scripts_gcj02_matches_the_servers_both_ways():
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(116.6, 117.1, 300), rng.uniform(30.5, 31.0, 300)
    made = run_js("console.log(JSON.stringify(input.map(p => [GH.wgs84ToGcj02(p[0], p[1]), GH.gcj02ToWgs84(p[0], p[1])])));",
                  np.column_stack([lon, lat]).tolist())
    forward = np.array([m[0] for m in made])
    backward = np.array([m[1] for m in made])
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    wgs_lon, wgs_lat = gcj02_to_wgs84(lon, lat)
    assert np.max(np.abs(forward - np.column_stack([gcj_lon, gcj_lat]))) < 1e-12
    assert np.max(np.abs(backward - np.column_stack([wgs_lon, wgs_lat]))) < 1e-9


def test_the_scripts_numbers_round_as_pythons_format_does():
    values = [0.5, 1.5, 2.5, 850.5, 851.5, 1249.9, 1250.0, 1350.0, 999.5, 12.25, 7.000001]
    made = run_js("console.log(JSON.stringify(input.map(v => [GH.pyFixed(v, 0), GH.pyFixed(v / 1000, 1), "
                  "GH.formatDistance(v)])));", values)
    from geo.i18n import format_distance

    assert made == [[f"{v:.0f}", f"{v / 1000:.1f}", format_distance(v)] for v in values]


@pytest.mark.parametrize("query, found", [("火车站", "安庆西站"), ("qilong", "骑龙社区"), ("骑龙", "骑龙社区"),
                                          ("abc", None), ("医院", None)])
def test_offline_place_search_finds_what_the_server_finds_first(snapshot, query, found):
    data = offline_payload(snapshot, moment=SATURDAY_MORNING)
    made = run_js("console.log(JSON.stringify(GH.searchPlaces(input.places, input.q, 5).map(p => p.name_zh)));",
                  {"places": data["places"], "q": query})
    server = [p.name_zh for p in snapshot.search(query)]
    if found is None:
        assert made == [] and server == []
    else:
        assert made[0] == server[0] == found


@pytest.mark.parametrize("search", ["?at=116.8236,30.7374&mode=parking&k=5&lang=en",
                                    "?station=PM-04&amenity=charger&amenity=toilet&amenity=nonsense&hours=any",
                                    "?at=abc&k=7", "?at=200,30&lang=fr", ""])
def test_the_script_reads_an_address_as_the_server_does(search):
    from urllib.parse import parse_qs

    server = parse_page_query(parse_qs(search.lstrip("?"), keep_blank_values=True))
    made = run_js("console.log(JSON.stringify(GH.parseQuery(input, {amenities: "
                  + json.dumps(list(RIDER_AMENITIES)) + "})));", search)
    assert made["at"] == (list(server.at) if server.at else None)
    assert (made["station"], made["mode"], made["amenities"], made["open_now"], made["k"], made["lang"]) == \
        (server.station, server.mode, list(server.amenities), server.open_now, server.k, server.lang)


def test_opening_intervals_say_what_opening_hours_say(snapshot):
    start = datetime(2026, 11, 28)
    for expression in sorted(set(r["opening_hours"] for r in snapshot.records)) + ["unknown", "Mo-Fr 08:00-12:00; PH off"]:
        intervals = opening_intervals(expression, start, days=3)
        assert intervals[0][0] == 0 and intervals[-1][1] == 3 * 24 * 60
        assert all(a[1] == b[0] for a, b in zip(intervals, intervals[1:]))
        for minute in range(0, 3 * 24 * 60, 17):
            at = start.replace() + __import__("datetime").timedelta(minutes=minute)
            state = opening_payload(expression, at)["state"]
            (code,) = [part[2] for part in intervals if part[0] <= minute < part[1]]
            assert {"o": "open", "c": "closed", "u": "unknown"}[code] == state, (expression, at)


def test_every_string_the_script_uses_is_in_both_catalogues():
    for lang in ("zh", "en"):
        strings = script_strings(lang)
        assert all(isinstance(text, str) and text for text in strings.values())
        assert strings["m_offline"] == t("m_offline", lang)
