"""Reference data shipped with the app: where it lives, the county outline and the villages."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.i18n import names_in
from geo.register.model import WGS84

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_STATIONS_PATH = DATA_DIR / "stations.geojson"
COUNTY_BOUNDARY_PATH = DATA_DIR / "huaining_county_boundary.geojson"
COMMUNITIES_PATH = DATA_DIR / "gaohe_communities.csv"


def load_county_boundary(path: Path | str = COUNTY_BOUNDARY_PATH) -> gpd.GeoDataFrame:
    """Huaining County outline (Tianditu, CGCS2000 ~ WGS-84), as a GeoDataFrame in EPSG:4326."""
    return gpd.read_file(path).set_crs(WGS84, allow_override=True)


def load_communities(path: Path | str = COMMUNITIES_PATH) -> pd.DataFrame:
    """The town's 24 villages/communities with their 12-digit NBS codes (as strings); ``name_zh``
    is the short name people use (高河社区, not the official 高河居委会), ``name_en`` its English."""
    table = pd.read_csv(path, dtype=str)
    return table.assign(name_zh=table["name_short"])


def community_names(communities: pd.DataFrame, lang: str) -> dict[str, str]:
    """NBS code -> the name of each village/community in ``lang``."""
    return dict(zip(communities["code"], names_in(communities, lang)))
