"""Demand for coverage and gap analysis: where the workers are and how many, and where that
figure came from (the study area's surface, the synthetic demo points or a planner's file).

A :class:`DemandPoints` holds plain arrays (WGS-84 lon/lat, weight) and a :class:`DemandSource`
that says what they are, so that every screen, export and report can name its demand. Its
``fingerprint`` is derived from the file's bytes and the reading options: results computed from
the same file read the same way can be cached on it without hashing 100,000 rows again.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo.analysis.coverage import hex_cells_of_points, hex_frame
from geo.errors import GeoDataError, PointsDataError, Problem
from geo.i18n import t
from geo.place.reference import DATA_DIR
from geo.readers import (
    AUTO_WEIGHT,
    MAX_POINTS_FILE_BYTES,
    check_file_size,
    find_column,
    find_weight_column,
    point_weights,
    read_point_table,
)

#: 2,000 made-up points around the urban area (see data/demo_demand_synthetic.README.md).
DEMO_DEMAND_PATH = DATA_DIR / "demo_demand_synthetic.csv"

#: Columns that name a point's village/community (code or name), for figures by community.
COMMUNITY_COLUMNS = ("community_code", "community", "社区代码", "社区", "村(社区)", "村")

DEMAND_KINDS = ("area", "synthetic", "file")


@dataclass(frozen=True)
class DemandSource:
    """What the demand of an analysis is: ``kind`` "area" (the study area's surface, no
    points), "synthetic" (the demo points) or "file" (a planner's file, ``name``)."""

    kind: str
    name: str = ""
    #: the column the weights came from; ``None``: each point counts 1
    weight_column: str | None = None
    #: how a CSV was decoded ("utf-8-sig" or "gb18030"); ``None`` for GeoJSON and the area
    encoding: str | None = None
    points: int = 0
    total_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in DEMAND_KINDS:
            raise GeoDataError("err_demand_kind", kind=self.kind, allowed=", ".join(DEMAND_KINDS))

    @property
    def synthetic(self) -> bool:
        return self.kind == "synthetic"

    def describe(self, lang: str) -> str:
        """One line for screens, exports and reports, e.g. "上传文件 riders.csv(100,000 个点,权重列:人数)"."""
        if self.kind == "area":
            return t("demand_is_area", lang)
        weight = (t("demand_weight_column", lang, column=self.weight_column) if self.weight_column
                  else t("demand_weight_none", lang))
        key = "demand_is_synthetic" if self.synthetic else "demand_is_file"
        return t(key, lang, name=self.name, n=self.points, weight=weight)


AREA_DEMAND = DemandSource("area")


@dataclass(frozen=True, eq=False)
class DemandPoints:
    """Weighted demand points (WGS-84 degrees) and where they came from."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    weight: NDArray[np.float64]
    source: DemandSource
    #: the village/community of each point (code or name as the file gives it), if the file says
    community: NDArray[np.object_] | None = None
    #: identifies the file's bytes and the reading options (see the module docstring)
    fingerprint: str = field(default="")
    _cells: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.lon)

    def cells(self, resolution: int) -> "DemandCells":
        """The points on H3 cells of ``resolution`` (computed once per resolution: it does not
        depend on any radius)."""
        if resolution not in self._cells:
            index = hex_cells_of_points(self.lon, self.lat, resolution)
            ids, position = np.unique(index.astype(str), return_inverse=True)
            frame = hex_frame(ids).assign(demand=np.bincount(position, weights=self.weight, minlength=len(ids)),
                                          points=np.bincount(position, minlength=len(ids)))
            self._cells[resolution] = DemandCells(position, frame, self.weight)
        return self._cells[resolution]


@dataclass(frozen=True, eq=False)
class DemandCells:
    """Demand summed on H3 cells: ``cells`` has ``cell``, centre ``lon``/``lat``, hexagon
    polygon (EPSG:4326), ``demand`` and ``points``; ``position`` is each point's row in it."""

    position: NDArray[np.int64]
    cells: "gpd.GeoDataFrame"
    weight: NDArray[np.float64]

    def with_uncovered(self, covered: NDArray[np.bool_]) -> "gpd.GeoDataFrame":
        """The cells with ``uncovered``: the weight of their points outside every service area
        (as :func:`geo.analysis.coverage.demand_by_hex` gives it, without placing the points again)."""
        uncovered = np.bincount(self.position, weights=np.where(covered, 0.0, self.weight), minlength=len(self.cells))
        return self.cells.assign(uncovered=uncovered)[["cell", "lon", "lat", "geometry", "demand", "uncovered", "points"]]


@dataclass(frozen=True, eq=False)
class DemandTable:
    """A demand file read but not yet weighted: every column, for the mapping step."""

    points: pd.DataFrame
    name: str
    digest: str
    unit: str

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.points.columns if c not in ("lon", "lat")]

    def weight_choices(self) -> list[str]:
        """Columns that could be the weight (every value a number >= 0), the detected one first."""
        detected = find_weight_column(self.columns)
        usable = []
        for column in self.columns:
            values = pd.to_numeric(self.points[column].astype(str).str.strip(), errors="coerce").to_numpy(dtype=float)
            if len(values) and np.isfinite(values).all() and (values >= 0).all():
                usable.append(column)
        return sorted(usable, key=lambda c: c != detected)

    def detected_weight(self) -> str | None:
        return find_weight_column(self.columns)


def _safe_file_name(name: str) -> str:
    """A file name that can be written anywhere (the uploaded name may carry anything)."""
    base = Path(name.replace("\\", "/")).name or "upload"
    return re.sub(r"[^\w.\-() \u3000-\u9fff]", "_", base)[:120]


def read_demand_table(content: bytes, name: str, *, datum: str = "wgs84") -> DemandTable:
    """Read a demand file's bytes (CSV in UTF-8 or GBK, or GeoJSON points) in ``datum``;
    raises :class:`geo.errors.PointsDataError` naming ``name`` and every bad row."""
    file_name = _safe_file_name(name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / file_name
        path.write_bytes(content)
        points = read_point_table(path, datum=datum)
    digest = hashlib.sha256(content).hexdigest()
    unit = "feature" if Path(file_name).suffix.lower() in (".geojson", ".json") else "line"
    return DemandTable(points, file_name, f"{digest}:{datum}", unit)


def demand_points(table: DemandTable, *, weight_column: str | None = AUTO_WEIGHT, kind: str = "file") -> DemandPoints:
    """The weighted points of a read table: weights from ``weight_column`` (default: the
    recognised one, e.g. 人数; ``None``: each point counts 1)."""
    column = table.detected_weight() if weight_column == AUTO_WEIGHT else weight_column
    if column is None:
        weight = np.ones(len(table.points))
    elif column not in table.points.columns:
        raise GeoDataError("err_no_such_column", column=column)
    else:
        weight = point_weights(table.points, column, source=table.name, unit=table.unit)
    community_column = find_column(table.columns, COMMUNITY_COLUMNS)
    community = None if community_column is None else table.points[community_column].astype(str).to_numpy(dtype=object)
    source = DemandSource(kind, table.name, column, table.points.attrs.get("encoding"), len(weight), float(weight.sum()))
    return DemandPoints(
        table.points["lon"].to_numpy(dtype=float), table.points["lat"].to_numpy(dtype=float), weight, source,
        community, fingerprint=f"{kind}:{table.digest}:{column}:{table.name}",
    )


def read_demand_file(path: Path | str, *, datum: str = "wgs84") -> DemandTable:
    """:func:`read_demand_table` of a file on disk, refused unread when it is not a regular file,
    empty or too large (a device such as /dev/zero would never end)."""
    path = Path(path)
    problems: list[Problem] = []
    if not check_file_size(path, MAX_POINTS_FILE_BYTES, problems):
        raise PointsDataError(path.name, problems)
    return read_demand_table(path.read_bytes(), path.name, datum=datum)


def load_demand(path: Path | str, *, datum: str = "wgs84", weight_column: str | None = AUTO_WEIGHT,
                kind: str = "file") -> DemandPoints:
    """Demand points from a file on disk (the CLI's path to :func:`demand_points`)."""
    return demand_points(read_demand_file(path, datum=datum), weight_column=weight_column, kind=kind)


def demo_demand() -> DemandPoints:
    """The synthetic demo points, labelled synthetic."""
    return load_demand(DEMO_DEMAND_PATH, kind="synthetic")

