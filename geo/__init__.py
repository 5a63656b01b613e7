"""Gaohe station map: the library behind the app (no Streamlit here).

Coordinates are WGS-84 (EPSG:4326) lon/lat unless a name says otherwise; distances are metres.
"""

from geo.errors import GeoDataError, Problem, StationDataError
from geo.register.geojson import load_stations

__all__ = ["GeoDataError", "Problem", "StationDataError", "load_stations"]
