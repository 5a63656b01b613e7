"""The configured online geocoder for the pages, with the answers kept for the session (a
rerun of the import preview must not ask the provider again)."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from geo.errors import GeocodingError
from geo.place.geocode import GeocodedPlace, address_geocoder, geocoder_config
from ui.lang import show_error


def cached_address_geocoder() -> tuple[Callable[[str], list[GeocodedPlace]] | None, str | None]:
    """``(geocode, provider)``, or ``(None, None)`` when no geocoder is configured (said on
    screen when the configuration is wrong). Answers are kept in the session; failures are not,
    so a later rerun tries again."""
    try:
        config = geocoder_config()
    except GeocodingError as err:
        show_error(err)
        return None, None
    if config is None:
        return None, None
    answers: dict[str, list[GeocodedPlace]] = st.session_state.setdefault(f"geocoded_{config.provider}", {})
    ask = address_geocoder(config)

    def geocode(query: str) -> list[GeocodedPlace]:
        if query not in answers:
            answers[query] = ask(query)
        return answers[query]

    return geocode, config.provider
