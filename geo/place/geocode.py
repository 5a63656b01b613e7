"""Optional online geocoding through geopy, used only when configured.

Configuration (environment, or Streamlit secrets passed in by the page):
``GAOHE_GEOCODER`` = ``nominatim`` | ``arcgis`` | ``baidu``; ``GAOHE_GEOCODER_KEY`` = the API
key Baidu needs; ``GAOHE_GEOCODER_USER_AGENT`` for Nominatim's usage policy. Baidu answers in
BD-09, which is converted to WGS-84 here; the others answer in WGS-84.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Mapping

from geo.errors import GeocodingError
from geo.place.datum import bd09_to_wgs84

#: Prefer answers around Huaining County: Nominatim's viewbox, as geopy wants it (lat, lon).
_HUAINING_VIEWBOX_LATLON = [(30.35, 116.45), (30.85, 117.0)]
DEFAULT_TIMEOUT_S = 5.0
#: At most one request per this many seconds (Nominatim's policy is 1/s).
MIN_DELAY_S = 1.0

PROVIDERS = ("nominatim", "arcgis", "baidu")



@dataclass(frozen=True)
class GeocoderConfig:
    provider: str
    api_key: str | None = None
    user_agent: str = "gaohe-station-map"
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class GeocodedPlace:
    name: str
    #: WGS-84 degrees.
    lon: float
    lat: float
    provider: str


def geocoder_config(settings: Mapping[str, str] | None = None) -> GeocoderConfig | None:
    """The configured geocoder, or None when none is configured (the default: offline)."""
    settings = os.environ if settings is None else settings
    provider = (settings.get("GAOHE_GEOCODER") or "").strip().lower()
    if not provider:
        return None
    if provider not in PROVIDERS:
        raise GeocodingError("err_geocoder_unknown", provider=provider, allowed=", ".join(PROVIDERS))
    api_key = settings.get("GAOHE_GEOCODER_KEY") or None
    if provider == "baidu" and not api_key:
        raise GeocodingError("err_geocoder_needs_key")
    return GeocoderConfig(provider, api_key, settings.get("GAOHE_GEOCODER_USER_AGENT") or "gaohe-station-map")


def _make_geocoder(config: GeocoderConfig):
    from geopy import geocoders

    if config.provider == "nominatim":
        return geocoders.Nominatim(user_agent=config.user_agent, timeout=config.timeout_s)
    if config.provider == "arcgis":
        return geocoders.ArcGIS(timeout=config.timeout_s, user_agent=config.user_agent)
    return geocoders.BaiduV3(api_key=config.api_key, timeout=config.timeout_s, user_agent=config.user_agent)


def _query_kwargs(provider: str) -> dict:
    if provider == "nominatim":
        return {"exactly_one": False, "limit": 5, "viewbox": _HUAINING_VIEWBOX_LATLON, "language": "zh"}
    return {"exactly_one": False}


def address_geocoder(
    config: GeocoderConfig,
    *,
    make_geocoder: Callable[[GeocoderConfig], object] = _make_geocoder,
    min_delay_s: float = MIN_DELAY_S,
) -> Callable[[str], list[GeocodedPlace]]:
    """A function ``query -> places (WGS-84)`` on one geocoder, at most one request per
    ``min_delay_s`` over all its calls (a batch of addresses keeps the provider's policy).

    Each call raises :class:`GeocodingError` with a plain message when the service cannot
    answer (offline, timeout, quota, bad key).
    """
    from geopy.exc import GeocoderQueryError, GeocoderServiceError, GeopyError
    from geopy.extra.rate_limiter import RateLimiter

    geocoder = make_geocoder(config)
    limited = RateLimiter(geocoder.geocode, min_delay_seconds=min_delay_s, max_retries=0, swallow_exceptions=False)

    def geocode(query: str) -> list[GeocodedPlace]:
        text = query.strip()
        if not text:
            return []
        if config.provider == "baidu" and "怀宁" not in text:
            text = f"安徽省安庆市怀宁县 {text}"
        try:
            found = limited(text, **_query_kwargs(config.provider)) or []
        except GeocoderQueryError as err:
            raise GeocodingError("err_geocoder_refused", provider=config.provider, reason=str(err)) from err
        except GeocoderServiceError as err:
            raise GeocodingError("err_geocoder_unreachable", provider=config.provider, kind=type(err).__name__) from err
        except GeopyError as err:
            raise GeocodingError("err_geocoder_failed", provider=config.provider, reason=str(err)) from err
        places = []
        for location in found if isinstance(found, list) else [found]:
            lon, lat = float(location.longitude), float(location.latitude)
            if config.provider == "baidu":
                lon, lat = bd09_to_wgs84(lon, lat)
            places.append(GeocodedPlace(str(location.address), float(lon), float(lat), config.provider))
        return places

    return geocode


def geocode_online(
    query: str, config: GeocoderConfig, *, make_geocoder: Callable[[GeocoderConfig], object] = _make_geocoder
) -> list[GeocodedPlace]:
    """Places the online geocoder finds for ``query`` near Gaohe, in WGS-84 (one request; see
    :func:`address_geocoder` for batches). Raises :class:`GeocodingError`."""
    return address_geocoder(config, make_geocoder=make_geocoder)(query)
