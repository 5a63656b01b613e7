"""One-page reports (PNG or PDF, A4 landscape) for a committee meeting: the map with a legend,
a scale bar and a north arrow, the radius, where the demand came from, the key figures, a table,
the date and what the data are worth. Drawn with matplotlib's object-oriented API in the data's
UTM zone (metres), without tiles, so it works offline.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from geo.analysis.coverage import largest_uncovered, metric_crs, service_areas, union_by_type
from geo.analysis.coverage_result import CoverageSummary
from geo.analysis.gap_analysis import GapProblem, SitePlan
from geo.i18n import label_of, t
from geo.place.describe import where_text
from geo.register.model import STATION_TYPES, StationType

#: CJK-capable fonts first, so Chinese labels render (Debian: fonts-noto-cjk).
_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Source Han Sans SC", "DejaVu Sans"]
FORMATS = ("png", "pdf")
A4_LANDSCAPE_IN = (11.69, 8.27)


@dataclass(frozen=True)
class ReportPage:
    """What one report page shows (texts already in the report's language)."""

    title: str
    stations: gpd.GeoDataFrame
    study_area: gpd.GeoDataFrame
    areas_by_type: gpd.GeoDataFrame
    #: cells painted as the gaps, and what they are called in the legend
    worst_cells: gpd.GeoDataFrame
    worst_label: str
    #: "label: value" lines under the title: radius, demand, key figures
    facts: list[tuple[str, str]]
    table: pd.DataFrame
    footer: str
    #: recommended sites (``rank``, ``lon``, ``lat`` WGS-84), drawn as numbered stars
    picks: pd.DataFrame | None = None


def nice_length_m(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^k m) of about a fifth of ``span_m``."""
    target = max(span_m / 5, 1.0)
    power = 10 ** math.floor(math.log10(target))
    return max(step * power for step in (1, 2, 5) if step * power <= target)


def _scale_bar(ax, length_m: float, lang: str) -> None:
    """A two-segment black/white bar in the lower left, labelled 0 / half / full length."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    left, bottom, height = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0), 0.012 * (y1 - y0)
    for i, colour in enumerate(("black", "white")):
        ax.add_patch(Rectangle((left + i * length_m / 2, bottom), length_m / 2, height, facecolor=colour,
                               edgecolor="black", linewidth=0.8, zorder=8))
    end = t("distance_km", lang, km=length_m / 1000) if length_m >= 1000 else t("distance_m", lang, m=length_m)
    for metres, label in ((0.0, "0"), (length_m, end)):
        ax.text(left + metres, bottom + 1.8 * height, label, ha="center", va="bottom", fontsize=8, zorder=8)


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction", ha="center", va="center",
                fontsize=11, fontweight="bold", arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})


_RC = {"font.sans-serif": _FONTS, "font.family": "sans-serif", "axes.unicode_minus": False}


def draw_report(page: ReportPage, *, lang: str, file_format: str = "png") -> bytes:
    """The page as PNG or PDF bytes."""
    if file_format not in FORMATS:
        raise ValueError(f"`file_format` was {file_format!r} but is expected to be one of {FORMATS}")
    with matplotlib.rc_context(_RC):
        figure = report_figure(page, lang=lang)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=file_format)
    return buffer.getvalue()


#: Where the map, the legend under it and the text panel sit on the page (figure fractions).
_MAP_BOX = (0.02, 0.25, 0.55, 0.66)
_LEGEND_TOP = 0.24
_TEXT_BOX = (0.60, 0.10, 0.38, 0.81)
_TABLE_FONT_PT = 8.0


def text_width_em(text: str) -> float:
    """The width of ``text`` in ems of its font size: CJK and other wide characters one em,
    the rest about 0.55 em (a sans-serif's average)."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.55 for char in text)


def wrap_to_width(text: str, width_em: float) -> list[str]:
    """``text`` broken into lines no wider than ``width_em``: at spaces where the text has them
    (Latin), else between any two characters (Chinese); a word wider than a line is cut."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"\S+\s*|\s+", text) if " " in text else list(text):
        if line and text_width_em(line + token.rstrip()) > width_em:
            lines.append(line.rstrip())
            line = ""
        while text_width_em(token.rstrip()) > width_em:  # one word too wide for any line
            cut = max(1, next(i for i in range(len(token), 0, -1) if text_width_em(token[:i]) <= width_em))
            lines.append(token[:cut])
            token = token[cut:]
        line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _column_widths(table: pd.DataFrame) -> list[float]:
    """Shares of the table's width: by the widest text of each column, a text column at most
    twice as wide as the others together."""
    wanted = [max(text_width_em(str(v)) for v in [c, *table[c].astype(str)]) + 1.5 for c in table.columns]
    total = sum(wanted)
    return [w / total for w in wanted]


def _draw_table(ax_text, table: pd.DataFrame, top: float, panel_width_in: float, panel_height_in: float) -> None:
    """The table under the facts, every cell's text wrapped to its column (rows grow)."""
    widths = _column_widths(table)
    cells = [[wrap_to_width(str(v), w * panel_width_in * 72 / _TABLE_FONT_PT - 1.0) for v, w in zip(row, widths)]
             for row in table.astype(str).to_numpy()]
    lines_per_row = [1] + [max(len(c) for c in row) for row in cells]
    line_height = 1.45 * _TABLE_FONT_PT / 72 / panel_height_in  # axes fraction of one line
    heights = [line_height * (n + 0.8) for n in lines_per_row]
    height = min(top - 0.02, sum(heights))
    grid = ax_text.table(cellText=[["\n".join(c) for c in row] for row in cells], colLabels=list(table.columns),
                         colWidths=widths, bbox=(0, top - height, 1, height), cellLoc="center")
    grid.auto_set_font_size(False)
    grid.set_fontsize(_TABLE_FONT_PT)
    for (row, _), cell in grid.get_celld().items():
        cell.set_height(heights[row])


def report_figure(page: ReportPage, *, lang: str) -> Figure:
    """The page as a matplotlib figure (A4 landscape): the map on the left with its legend
    under it (outside the data, so it hides no station or site), facts and a table on the right."""
    crs = metric_crs(page.study_area)
    figure = Figure(figsize=A4_LANDSCAPE_IN, dpi=110)
    with matplotlib.rc_context(_RC):
        figure.suptitle(page.title, fontsize=16, fontweight="bold", x=0.02, ha="left")
        ax = figure.add_axes(_MAP_BOX)
        handles = _draw_map(ax, page, crs, lang)
        minx, _, maxx, _ = page.study_area.to_crs(crs).total_bounds
        _scale_bar(ax, nice_length_m(maxx - minx), lang)
        _north_arrow(ax)
        left, _, width, _ = _MAP_BOX
        # three columns as wide as the map, two when the labels are long (English)
        widest_em = max(text_width_em(handle.get_label()) for handle in handles)
        figure.legend(handles=handles, loc="upper center", bbox_to_anchor=(left + width / 2, _LEGEND_TOP),
                      ncols=3 if widest_em <= 20 else 2,
                      fontsize=7.5, frameon=False, title=t("legend_title", lang), title_fontsize=8,
                      columnspacing=1.2, handletextpad=0.5)

        ax_text = figure.add_axes(_TEXT_BOX)
        ax_text.axis("off")
        panel_width_in, panel_height_in = _TEXT_BOX[2] * A4_LANDSCAPE_IN[0], _TEXT_BOX[3] * A4_LANDSCAPE_IN[1]
        y = 0.99
        for label, value in page.facts:
            ax_text.text(0, y, label, fontsize=10, color="#555", va="top")
            # the value right-aligned beside its label, wrapped when it is long (a file name)
            room_em = (panel_width_in * 72 - 8 - text_width_em(label) * 10) / 11
            value_lines = wrap_to_width(value, room_em)
            ax_text.text(1, y, "\n".join(value_lines), fontsize=11, fontweight="bold", va="top", ha="right")
            y -= 0.055 + 0.03 * (len(value_lines) - 1)
        if len(page.table):
            _draw_table(ax_text, page.table.head(12), y - 0.03, panel_width_in, panel_height_in)
        figure.text(0.02, 0.02, page.footer, fontsize=8.5, color="#a33")
    return figure


def _draw_map(ax, page: ReportPage, crs, lang: str) -> list:
    handles: list = []
    study = page.study_area.to_crs(crs)
    study.boundary.plot(ax=ax, color="#333", linestyle="--", linewidth=1)
    handles.append(Line2D([], [], color="#333", linestyle="--", linewidth=1, label=t("layer_study_area", lang)))
    for row in page.areas_by_type.to_crs(crs).itertuples():
        colour = STATION_TYPES[StationType(row.station_type)].colour
        gpd.GeoSeries([row.geometry], crs=crs).plot(ax=ax, color=colour, alpha=0.15, edgecolor=colour, linewidth=0.8)
        handles.append(Patch(facecolor=colour, alpha=0.3, edgecolor=colour,
                             label=f"{t('layer_service_area', lang)} · {label_of('station_type', row.station_type, lang)}"))
    if len(page.worst_cells):
        page.worst_cells.to_crs(crs).plot(ax=ax, color="#d73027", alpha=0.6, edgecolor="#7f0000", linewidth=0.5)
        handles.append(Patch(facecolor="#d73027", alpha=0.6, edgecolor="#7f0000", label=page.worst_label))
    for station_type in StationType:
        own = page.stations[page.stations["station_type"] == station_type.value]
        if len(own):
            colour = STATION_TYPES[station_type].colour
            own.to_crs(crs).plot(ax=ax, color=colour, markersize=14, edgecolor="white", linewidth=0.5)
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=colour, markeredgecolor="white",
                                  markersize=6, label=f"{label_of('station_type', station_type.value, lang)} ({len(own)})"))
    if page.picks is not None and len(page.picks):
        points = gpd.GeoSeries(gpd.points_from_xy(page.picks["lon"], page.picks["lat"]), crs=4326).to_crs(crs)
        ax.scatter(points.x, points.y, marker="*", s=260, color="black", edgecolor="#ffd600", zorder=5)
        for point, rank in zip(points, page.picks["rank"]):
            ax.annotate(str(rank), (point.x, point.y), xytext=(6, 6), textcoords="offset points", fontsize=11,
                        fontweight="bold", zorder=6)
        handles.append(Line2D([], [], marker="*", linestyle="", markerfacecolor="black", markeredgecolor="#ffd600",
                              markersize=12, label=t("legend_recommended", lang)))
    minx, miny, maxx, maxy = study.total_bounds
    margin_m = 0.04 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - margin_m, maxx + margin_m)
    ax.set_ylim(miny - margin_m, maxy + margin_m)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")  # geopandas labels the axes of a projected CRS in English
    ax.set_ylabel("")
    return handles


def _footer(status: str, made_on: date, lang: str) -> str:
    return t("report_footer", lang, status=status, date=made_on.isoformat())


def coverage_page(summary: CoverageSummary, stations: gpd.GeoDataFrame, *, lang: str, made_on: date,
                  status: str) -> ReportPage:
    """The coverage screen as a page: service areas, the worst cells, figures by type."""
    facts = [(t("fact_radius", lang), summary.radius_text(lang)),
             (t("fact_demand", lang), summary.demand.describe(lang)),
             (t("share_covered", lang), f"{summary.share_covered:.1%}"),
             (t("share_covered_2plus", lang), f"{summary.share_covered_2plus:.1%}")]
    if summary.by_area:
        facts.append((t("study_area_km2", lang), f"{summary.study_area_km2:,.1f} km²"))
    else:
        facts.append((t("median_nearest", lang), t("distance_m", lang, m=round(summary.median_nearest_m))))
    table = pd.DataFrame({
        t("col_type", lang): summary.by_type["station_type"].map(lambda v: label_of("station_type", v, lang)),
        t("col_stations", lang): summary.by_type["stations"],
        t("col_share", lang): summary.by_type["share_covered"].map(lambda v: f"{v:.1%}"),
    })
    return ReportPage(t("report_title", lang), stations, summary.study_area, summary.areas_by_type, summary.worst_cells,
                      t("legend_worst_area" if summary.by_area else "legend_worst_demand", lang), facts, table,
                      _footer(status, made_on, lang))


def coverage_report(summary: CoverageSummary, stations: gpd.GeoDataFrame, *, lang: str, made_on: date, status: str,
                    file_format: str = "png") -> bytes:
    """:func:`coverage_page` as PNG or PDF bytes."""
    return draw_report(coverage_page(summary, stations, lang=lang, made_on=made_on, status=status), lang=lang,
                       file_format=file_format)


def gaps_page(problem: GapProblem, plan: SitePlan, *, lang: str, made_on: date, status: str) -> ReportPage:
    """The gap screen as a page: recommended sites, uncovered demand, coverage before/after."""
    facts = [(t("fact_radius", lang), t("radius_value", lang, m=problem.radius_m)),
             (t("fact_demand", lang), problem.demand.describe(lang)),
             (t("coverage_now", lang), f"{problem.register_share:.1%}"),
             (t("coverage_scenario", lang), f"{problem.scenario_share:.1%}"),
             (t("coverage_with_new", lang), f"{plan.result.covered_share:.1%}"),
             (t("fact_method", lang), t(f"method_{plan.method}", lang))]
    table = pd.DataFrame({
        t("col_rank", lang): plan.picks["rank"],
        t("col_where", lang): [where_text(row, lang) for row in plan.picks.itertuples()],
        t("col_gain", lang): plan.picks["gain"].map(lambda v: f"{v:,.0f}"),
    })
    return ReportPage(t("gaps_report_title", lang), problem.stations, problem.study_area,
                      union_by_type(service_areas(problem.stations, problem.radius_m)),
                      largest_uncovered(problem.cells), t("legend_worst_demand", lang), facts, table,
                      _footer(status, made_on, lang), picks=plan.picks)


def gaps_report(problem: GapProblem, plan: SitePlan, *, lang: str, made_on: date, status: str,
                file_format: str = "png") -> bytes:
    """:func:`gaps_page` as PNG or PDF bytes."""
    return draw_report(gaps_page(problem, plan, lang=lang, made_on=made_on, status=status), lang=lang,
                       file_format=file_format)
