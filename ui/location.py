"""The rider's position: kept in ``st.session_state`` and in the URL (``?at=lon,lat``) so a
rider can bookmark or share "stations near here". Never logged or stored server-side.

:func:`phone_position` is the one way a page asks the phone for its position (rider page,
reports, survey)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from ui.lang import tr

_KEY = "rider_lonlat"
_URL_KEY = "at"


def _parse(text: str) -> tuple[float, float] | None:
    try:
        lon_text, lat_text = text.split(",")
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def rider_location() -> tuple[float, float] | None:
    """The rider's WGS-84 (lon, lat), from this session or else from the URL."""
    if _KEY not in st.session_state:
        from_url = st.query_params.get(_URL_KEY)
        st.session_state[_KEY] = _parse(from_url) if from_url else None
    return st.session_state[_KEY]


def set_rider_location(lon: float, lat: float) -> None:
    # 5 decimals (~1 m) is all the answer needs; the URL keeps no more than that
    st.session_state[_KEY] = (round(lon, 5), round(lat, 5))
    st.query_params[_URL_KEY] = f"{lon:.5f},{lat:.5f}"


def clear_rider_location() -> None:
    st.session_state[_KEY] = None
    st.query_params.pop(_URL_KEY, None)


@dataclass(frozen=True)
class PhonePosition:
    """A position the phone gave: WGS-84 degrees rounded to 5 decimals (~1 m), and the phone's
    own estimate of its accuracy in metres (``None`` if it gave none)."""

    lon: float
    lat: float
    accuracy_m: float | None


# Asked in the page's own browser context; the answer carries only what the page needs.
# Errors come back as codes (1 denied, 2 unavailable, 3 timeout, or ours), never the browser's
# English text, so the page can say what happened in its own language.
_POSITION_JS = """new Promise(function (resolve) {
  if (!window.isSecureContext) { resolve({error: {code: 'insecure'}}); return; }
  if (!navigator.geolocation) { resolve({error: {code: 'unsupported'}}); return; }
  navigator.geolocation.getCurrentPosition(
    function (p) { resolve({coords: {longitude: p.coords.longitude, latitude: p.coords.latitude,
                                     accuracy: p.coords.accuracy}}); },
    function (e) { resolve({error: {code: e.code}}); },
    {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
})"""

_POSITION_ERRORS = {1: "position_denied", 2: "position_unavailable", 3: "position_timeout",
                    "insecure": "position_insecure", "unsupported": "position_unsupported"}


def _parse_position(answer: object) -> PhonePosition | str:
    """The position in ``answer``, or the catalogue key of what went wrong."""
    if not isinstance(answer, dict):
        return "position_unavailable"
    coords = answer.get("coords")
    if isinstance(coords, dict):
        try:
            lon, lat = float(coords["longitude"]), float(coords["latitude"])
        except (KeyError, TypeError, ValueError):
            return "position_unavailable"
        if math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90:
            accuracy = coords.get("accuracy")
            accuracy_m = float(accuracy) if isinstance(accuracy, (int, float)) and math.isfinite(accuracy) else None
            return PhonePosition(round(lon, 5), round(lat, 5), accuracy_m)
        return "position_unavailable"
    error = answer.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return _POSITION_ERRORS.get(code, "position_unavailable")


def phone_position(key_prefix: str, *, label: str | None = None) -> PhonePosition | None:
    """A "use my position" button; the phone's position on the run its answer arrives (then
    ``None`` again until the button is pressed anew). While the phone answers, the page says
    so; a refusal or failure is explained in the page's language, with what to do instead,
    until the next request. Widgets and session keys start with ``key_prefix``. Nothing is
    stored or logged here: the caller decides what to keep (see the module's note)."""
    request_key, count_key, problem_key, found_key = (f"{key_prefix}_position_request", f"{key_prefix}_position_count",
                                                      f"{key_prefix}_position_problem", f"{key_prefix}_position_found")

    def _start() -> None:
        # a fresh component per request: the last answer must not stand in for a new position
        st.session_state[count_key] = st.session_state.get(count_key, 0) + 1
        st.session_state[request_key] = st.session_state[count_key]
        st.session_state.pop(problem_key, None)

    st.button(label or tr("position_use"), key=f"{key_prefix}_locate", width="stretch", on_click=_start)
    if (found := st.session_state.pop(found_key, None)) is not None:
        return found
    request = st.session_state.get(request_key)
    if request:
        from streamlit_js_eval import streamlit_js_eval

        answer = streamlit_js_eval(js_expressions=_POSITION_JS, key=f"{key_prefix}_geolocation_{request}")
        if answer is None:
            st.info(tr("position_waiting"))
            return None
        st.session_state[request_key] = None
        found = _parse_position(answer)
        # handed over on a fresh run, which no longer draws the (empty) component frame
        st.session_state[found_key if isinstance(found, PhonePosition) else problem_key] = found
        st.rerun()
    if problem := st.session_state.get(problem_key):
        st.warning(tr(problem))
    return None
