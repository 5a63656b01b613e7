"""Counts of stations by type and by village/community."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.register.model import StationType


def count_by_type(stations: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per station type (all types, zeros included): ``station_type``, ``count`` and
    ``unverified`` (how many positions are not yet verified)."""
    types = [t.value for t in StationType]
    grouped = stations.groupby("station_type")
    frame = pd.DataFrame(
        {
            "station_type": types,
            "count": grouped.size().reindex(types, fill_value=0).to_numpy(),
            "unverified": grouped["location_status"]
            .apply(lambda s: int((s != "verified").sum()))
            .reindex(types, fill_value=0)
            .to_numpy(),
        }
    )
    return frame.astype({"count": int, "unverified": int})


def count_by_community(stations: gpd.GeoDataFrame, communities: pd.DataFrame) -> pd.DataFrame:
    """One row per village/community of the town (all 24, zeros included), in NBS code order:
    ``community_code``, ``name_zh``, ``name_en``, one column per station type, and ``total``."""
    types = [t.value for t in StationType]
    table = pd.crosstab(stations["community_code"], stations["station_type"])
    table = table.reindex(index=communities["code"], columns=types, fill_value=0)
    table.index.name = "community_code"
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    table = table.reset_index()
    table.insert(1, "name_zh", communities["name_zh"].to_numpy())
    table.insert(2, "name_en", communities["name_en"].to_numpy())
    return table
