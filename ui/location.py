"""The rider's position: kept in ``st.session_state`` and in the URL (``?at=lon,lat``) so a
rider can bookmark or share "stations near here". Never logged or stored server-side.

:func:`phone_position` (with :func:`ask_phone_position` for further buttons) is the one way a
page asks the phone for its position (rider page, reports, survey)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from geo.readers import parse_position
from ui.lang import tr

_KEY = "rider_lonlat"
_URL_KEY = "at"


def _parse(text: str) -> tuple[float, float] | None:
    return parse_position(text)


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
    """A position the phone gave: WGS-84 degrees as measured (a page keeps no more than it needs:
    the rider's URL ~1 m, a surveyed station all of it), the phone's own estimate of its accuracy
    in metres, and what the page asked it for (the ``purpose`` of the request, ``None`` if the
    page did not say)."""

    lon: float
    lat: float
    accuracy_m: float
    purpose: str | None = None


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
        accuracy = coords.get("accuracy")
        # the Geolocation API always gives an accuracy: a position without one is not taken as exact
        if (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
                and isinstance(accuracy, (int, float)) and math.isfinite(accuracy) and accuracy >= 0):
            return PhonePosition(lon, lat, float(accuracy))
        return "position_unavailable"
    error = answer.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return _POSITION_ERRORS.get(code, "position_unavailable")


def ask_phone_position(key_prefix: str, purpose: str | None = None) -> None:
    """Start a request for the phone's position (a button's ``on_click``): the answer is taken
    by :func:`phone_position` with the same ``key_prefix``, carrying ``purpose``. A page with
    more than one reason to ask (sort a list, or fix one station) draws more buttons with this."""
    count_key = f"{key_prefix}_position_count"
    # a fresh component per request: the last answer must not stand in for a new position
    st.session_state[count_key] = st.session_state.get(count_key, 0) + 1
    st.session_state[f"{key_prefix}_position_request"] = (st.session_state[count_key], purpose)
    st.session_state.pop(f"{key_prefix}_position_problem", None)


def phone_position(key_prefix: str, *, label: str | None = None, purpose: str | None = None,
                   button_in: DeltaGenerator | None = None, width: int | Literal["stretch", "content"] = "stretch",
                   instead: str | None = None, rerun: bool = True) -> PhonePosition | None:
    """A "use my position" button and the phone's answer: the position on the run the answer
    is handed over (then ``None`` again until a button asks anew). While the phone answers, the
    page says so; a refusal or failure is explained in the page's language, ending with
    ``instead`` (what else the user can do; by default: tap the map), until the next request.

    The button goes into ``button_in`` (e.g. a horizontal row beside a search box) if given,
    else here; the answer and its messages always here. ``rerun=True`` hands the position over
    on a fresh run, which no longer draws the (empty) component frame; ``rerun=False`` returns it
    on the run it arrives, for a page that needs it further down in that same run (and one run
    fewer is one chance fewer for a slow server to replay the button that asked for it). A
    failure is always said on a fresh run, without the frame's blank space.
    Widgets and session keys start with ``key_prefix``. Nothing is stored or logged here: the
    caller decides what to keep (see the module's note)."""
    request_key, problem_key, found_key = (f"{key_prefix}_position_request", f"{key_prefix}_position_problem",
                                           f"{key_prefix}_position_found")
    (button_in or st).button(label or tr("position_use"), key=f"{key_prefix}_locate", width=width,
                             on_click=ask_phone_position, args=(key_prefix, purpose))
    # the answer comes in a block that is on the page in every run: elements that came and went
    # before it made Streamlit remount the geolocation component before it answered
    answer_block = st.container()
    if (found := st.session_state.pop(found_key, None)) is not None:
        return found
    if request := st.session_state.get(request_key):
        from streamlit_js_eval import streamlit_js_eval

        number, asked_for = request
        with answer_block:
            answer = streamlit_js_eval(js_expressions=_POSITION_JS, key=f"{key_prefix}_geolocation_{number}")
        if answer is None:
            answer_block.info(tr("position_waiting"))
            return None
        st.session_state[request_key] = None
        found = _parse_position(answer)
        if isinstance(found, PhonePosition):
            found = replace(found, purpose=asked_for)
            if not rerun:
                return found
            st.session_state[found_key] = found
        else:
            st.session_state[problem_key] = found
        st.rerun()
    if problem := st.session_state.get(problem_key):
        answer_block.warning(tr(problem, instead=tr("position_instead_map") if instead is None else instead))
    return None
