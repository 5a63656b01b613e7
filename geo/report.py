"""One-page coverage report (PNG or PDF) for a committee meeting: map, key figures, table,
date and data status. Drawn with matplotlib in the data's UTM zone (metres), no tiles."""

from __future__ import annotations

import io
from datetime import date

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from geo.coverage import metric_crs  # noqa: E402
from geo.i18n import t  # noqa: E402
from geo.model import STATION_TYPES, StationType  # noqa: E402

#: CJK-capable fonts first, so Chinese labels render (Debian: fonts-noto-cjk).
_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Source Han Sans SC", "DejaVu Sans"]


def coverage_report(
    *,
    stations: gpd.GeoDataFrame,
    areas_by_type: gpd.GeoDataFrame,
    study_area: gpd.GeoDataFrame,
    uncovered_hexes: gpd.GeoDataFrame,
    key_figures: list[tuple[str, str]],
    table: pd.DataFrame,
    lang: str,
    synthetic: bool,
    made_on: date,
    file_format: str = "png",
    title_key: str = "report_title",
    highlight: pd.DataFrame | None = None,
) -> bytes:
    """The report as PNG or PDF bytes (A4 landscape). ``highlight`` (``lon``/``lat``/``rank``,
    WGS-84) marks recommended sites as numbered stars."""
    crs = metric_crs(study_area)
    with plt.rc_context({"font.sans-serif": _FONTS, "font.family": "sans-serif", "axes.unicode_minus": False}):
        figure = plt.figure(figsize=(11.69, 8.27), dpi=110)
        figure.suptitle(t(title_key, lang), fontsize=16, fontweight="bold", x=0.02, ha="left")
        ax_map = figure.add_axes([0.02, 0.08, 0.55, 0.82])
        study_area.to_crs(crs).boundary.plot(ax=ax_map, color="#333", linestyle="--", linewidth=1)
        for row in areas_by_type.to_crs(crs).itertuples():
            colour = STATION_TYPES[StationType(row.station_type)].colour
            gpd.GeoSeries([row.geometry], crs=crs).plot(ax=ax_map, color=colour, alpha=0.15, edgecolor=colour, linewidth=0.8)
        if len(uncovered_hexes):
            uncovered_hexes.to_crs(crs).plot(ax=ax_map, color="#d73027", alpha=0.6, edgecolor="#7f0000", linewidth=0.5)
        for station_type in StationType:
            own = stations[stations.station_type == station_type.value]
            if len(own):
                own.to_crs(crs).plot(ax=ax_map, color=STATION_TYPES[station_type].colour, markersize=14,
                                     edgecolor="white", linewidth=0.5)
        if highlight is not None and len(highlight):
            picks = gpd.GeoSeries(gpd.points_from_xy(highlight["lon"], highlight["lat"]), crs=4326).to_crs(crs)
            ax_map.scatter(picks.x, picks.y, marker="*", s=260, color="black", edgecolor="#ffd600", zorder=5)
            for point, rank in zip(picks, highlight["rank"]):
                ax_map.annotate(str(rank), (point.x, point.y), xytext=(6, 6), textcoords="offset points", fontsize=11,
                                fontweight="bold", zorder=6)
        minx, miny, maxx, maxy = study_area.to_crs(crs).total_bounds
        margin_m = 0.04 * max(maxx - minx, maxy - miny)
        ax_map.set_xlim(minx - margin_m, maxx + margin_m)
        ax_map.set_ylim(miny - margin_m, maxy + margin_m)
        ax_map.set_aspect("equal")
        ax_map.set_xticks([])
        ax_map.set_yticks([])
        ax_map.set_xlabel("")
        ax_map.set_ylabel("")
        ax_text = figure.add_axes([0.60, 0.08, 0.38, 0.82])
        ax_text.axis("off")
        y = 0.97
        for label, value in key_figures:
            ax_text.text(0, y, label, fontsize=11, color="#555", va="top")
            ax_text.text(1, y, value, fontsize=13, fontweight="bold", va="top", ha="right")
            y -= 0.065
        if len(table):
            shown = table.head(12)
            height = min(y - 0.1, 0.05 * (len(shown) + 1))
            grid = ax_text.table(cellText=shown.astype(str).to_numpy(), colLabels=list(shown.columns),
                                 bbox=[0, y - 0.05 - height, 1, height], cellLoc="center")
            grid.auto_set_font_size(False)
            grid.set_fontsize(8.5)
        status = t("report_status", lang, synthetic=t("report_synthetic", lang) if synthetic else "", date=made_on.isoformat())
        figure.text(0.02, 0.02, status, fontsize=9, color="#a33")
        buffer = io.BytesIO()
        figure.savefig(buffer, format=file_format)
        plt.close(figure)
    return buffer.getvalue()
