"""The rider's position: kept in ``st.session_state`` and in the URL (``?at=lon,lat``) so a
rider can bookmark or share "stations near here". Never logged or stored server-side."""

from __future__ import annotations

import streamlit as st

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
