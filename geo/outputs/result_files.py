"""Analysis results as files a planner opens in Excel or WPS: numbers stay numbers (shares as
fractions 0..1, shown as percentages in Excel; distances in metres), and every file records what
it was computed from (radius, demand source, date, data status) — in columns of a CSV, and on a
sheet of its own in a workbook. Text cells that a spreadsheet would run as a formula are guarded.
"""

from __future__ import annotations

import io
import json
from datetime import date

import numpy as np
import pandas as pd

from geo.analysis.coverage_result import CoverageSummary
from geo.analysis.gap_analysis import GapProblem, SitePlan
from geo.i18n import label_of, t
from geo.place.datum import Datum, convert
from geo.place.describe import where_text
from geo.tables import csv_bytes, guard_formulas

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Degrees of longitude/latitude are written with 6 decimals (~0.1 m), in every file.
COORDINATE_DECIMALS = 6


def data_status(unverified: int, total: int, lang: str) -> str:
    """What the station positions are worth: "59 个站点中 59 个位置待核实(占位估计)"."""
    if unverified == 0:
        return t("status_all_verified", lang, n=total)
    return t("status_some_unverified", lang, n=unverified, total=total)


def _header(column: str, lang: str) -> str:
    return t(f"xcol_{column}", lang)


def _localise(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    return table.rename(columns={c: _header(c, lang) for c in table.columns})


def _csv(table: pd.DataFrame, metadata: dict[str, object], lang: str) -> bytes:
    """One CSV (UTF-8 with BOM, which Excel opens in Chinese) with the metadata as columns."""
    rows = table.assign(**{key: [value] * len(table) for key, value in metadata.items()})
    return csv_bytes(_localise(rows, lang))


def _workbook(sheets: dict[str, pd.DataFrame], metadata: dict[str, object], lang: str) -> bytes:
    """An .xlsx with one sheet per table (share columns formatted as %, metres as whole
    numbers) and a sheet listing the metadata."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            guard_formulas(_localise(table, lang)).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for position, column in enumerate(table.columns, start=1):
                number_format = "0.0%" if column.startswith("share") or column.endswith("_share") else (
                    "#,##0" if column.endswith("_m") else None)
                width = max(10, min(48, 2 + max([len(_header(column, lang))] + [len(str(v)) for v in table[column].head(50)])))
                sheet.column_dimensions[sheet.cell(row=1, column=position).column_letter].width = width
                if number_format:
                    for row in range(2, len(table) + 2):
                        sheet.cell(row=row, column=position).number_format = number_format
        about = pd.DataFrame({t("xcol_item", lang): [_header(k, lang) for k in metadata],
                              t("xcol_value", lang): list(metadata.values())})
        guard_formulas(about).to_excel(writer, sheet_name=t("sheet_about", lang), index=False)
        writer.sheets[t("sheet_about", lang)].column_dimensions["A"].width = 24
        writer.sheets[t("sheet_about", lang)].column_dimensions["B"].width = 70
    return buffer.getvalue()


# --- coverage -------------------------------------------------------------------------------------


def coverage_metadata(summary: CoverageSummary, *, lang: str, made_on: date, status: str) -> dict[str, object]:
    radius: object = summary.radius_text(lang) if isinstance(summary.radius, dict) else summary.headline_radius_m
    return {"radius": radius, "demand_source": summary.demand.describe(lang), "made_on": made_on.isoformat(),
            "data_status": status, "study_area_km2": round(summary.study_area_km2, 3),
            "hex_resolution": summary.resolution}


def coverage_table_rows(summary: CoverageSummary, lang: str) -> pd.DataFrame:
    """Overall, twice-or-more and per-type figures: ``group``, ``stations``, ``radius_m``,
    ``share_covered`` (0..1), ``median_nearest_m``."""
    overall = pd.DataFrame({
        "group": [t("group_all", lang), t("group_2plus", lang)],
        "stations": [summary.stations, summary.stations],
        "radius_m": [summary.headline_radius_m if not isinstance(summary.radius, dict) else np.nan] * 2,
        "share_covered": [summary.share_covered, summary.share_covered_2plus],
        "median_nearest_m": [summary.median_nearest_m, np.nan],
    })
    types = summary.by_type.assign(group=summary.by_type["station_type"].map(lambda v: label_of("station_type", v, lang)),
                                   median_nearest_m=np.nan)
    return pd.concat([overall, types[list(overall.columns)]], ignore_index=True)


def community_rows(summary: CoverageSummary, community_names: dict[str, str]) -> pd.DataFrame | None:
    if summary.by_community is None:
        return None
    table = summary.by_community
    return table.assign(group=table["group"].map(lambda code: community_names.get(code, code)))


def worst_rows(summary: CoverageSummary, lang: str) -> pd.DataFrame:
    """The largest gaps: where they are for people, the H3 cell, its centre (6 decimals, ~0.1 m)
    and the uncovered demand or the distance to the nearest station."""
    value = "uncovered_demand" if summary.worst_value_kind == "demand" else "nearest_m"
    worst = summary.worst_cells
    return pd.DataFrame({"where": [where_text(row, lang) for row in worst.itertuples()], "cell": worst["cell"],
                         "lon": worst["lon"].round(COORDINATE_DECIMALS), "lat": worst["lat"].round(COORDINATE_DECIMALS),
                         value: worst["value"]})


def coverage_csv(summary: CoverageSummary, *, lang: str, made_on: date, status: str) -> bytes:
    return _csv(coverage_table_rows(summary, lang), coverage_metadata(summary, lang=lang, made_on=made_on, status=status),
                lang)


def coverage_workbook(summary: CoverageSummary, *, lang: str, made_on: date, status: str,
                      community_names: dict[str, str]) -> bytes:
    sheets = {t("sheet_coverage", lang): coverage_table_rows(summary, lang)}
    by_community = community_rows(summary, community_names)
    if by_community is not None:
        sheets[t("sheet_by_community", lang)] = by_community
    sheets[t("sheet_worst", lang)] = worst_rows(summary, lang)
    return _workbook(sheets, coverage_metadata(summary, lang=lang, made_on=made_on, status=status), lang)


# --- recommended sites ----------------------------------------------------------------------------


def sites_table(problem: GapProblem, plan: SitePlan, *, lang: str, datum: Datum | str) -> pd.DataFrame:
    """Recommended sites with their coordinates in ``datum``: ``rank``, ``where`` (for
    people), ``lon``/``lat``, ``gain``, ``gain_share``, ``covered_share``, ``site_id``."""
    picks = plan.picks
    out_lon, out_lat = convert(picks["lon"].to_numpy(), picks["lat"].to_numpy(), source=Datum.WGS84, target=Datum(datum))
    return pd.DataFrame({
        "rank": picks["rank"].astype(int),
        "where": [where_text(row, lang) for row in picks.itertuples()],
        "lon": np.round(np.atleast_1d(out_lon), COORDINATE_DECIMALS),
        "lat": np.round(np.atleast_1d(out_lat), COORDINATE_DECIMALS),
        "datum": Datum(datum).value,
        "gain": picks["gain"],
        "gain_share": picks["gain_share"],
        "covered_share": picks["covered_share"],
        "site_id": picks["label"],
    })


def sites_metadata(problem: GapProblem, plan: SitePlan, *, lang: str, made_on: date, status: str) -> dict[str, object]:
    return {"radius": problem.radius_m, "demand_source": problem.demand.describe(lang), "made_on": made_on.isoformat(),
            "data_status": status, "method": t(f"method_{plan.method}", lang), "optimal": bool(plan.result.optimal),
            "share_before": problem.scenario_share, "share_after": plan.result.covered_share}


def sites_csv(problem: GapProblem, plan: SitePlan, *, lang: str, datum: Datum | str, made_on: date, status: str) -> bytes:
    metadata = sites_metadata(problem, plan, lang=lang, made_on=made_on, status=status)
    # a spreadsheet reader sees words in the file's language, not Python's True/False
    metadata["optimal"] = t("answer_yes" if metadata["optimal"] else "answer_no", lang)
    return _csv(sites_table(problem, plan, lang=lang, datum=datum), metadata, lang)


def sites_geojson(problem: GapProblem, plan: SitePlan, *, lang: str, datum: Datum | str, made_on: date,
                  status: str) -> bytes:
    """The sites as GeoJSON points; RFC 7946 is WGS-84 only, so another datum is named in a
    foreign member ``datum`` (and in every feature)."""
    table = sites_table(problem, plan, lang=lang, datum=datum)
    metadata = sites_metadata(problem, plan, lang=lang, made_on=made_on, status=status)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                 "properties": {k: v for k, v in row.items() if k not in ("lon", "lat")}}
                for row in table.to_dict(orient="records")]
    doc = {"type": "FeatureCollection", "datum": Datum(datum).value, "metadata": metadata, "features": features}
    return json.dumps(doc, ensure_ascii=False, default=float).encode("utf-8")
