"""The project's errors: one hierarchy, importable by every module without the I/O layer.

Every error is ``SomeError(key, **params)``: a catalogue key (``geo/locales/<lang>/*.toml``) and
the values its message needs, so that a page shows it in the page's language
(``err.localized("zh")``) while ``str(err)`` is the English message for logs and the CLI. A
parameter that is a vocabulary code is given as :class:`geo.i18n.Term` and shown as its word.
Text that comes from outside (a library's message, an operating-system reason) is a parameter
of a key, never the message itself (``err_literal`` when there is nothing else to say).

    GeoDataError
    ├── ProblemsError          a file could not be used; every problem in it, by row
    │   ├── StationDataError   a station register file
    │   ├── PointsDataError    query, demand or candidate points
    │   ├── SheetError         a station list (Excel, CSV, KML, GeoJSON) to import
    │   └── ScenarioError      a what-if scenario file
    ├── QueryError             a nearest-station query (k, coordinates, filters)
    ├── CoverageError          coverage inputs (stations, study area, radius)
    ├── SitingError            a siting problem or its solver
    ├── RoadNetworkError       a road network file
    ├── GeocodingError         the online geocoder
    ├── TileSourceError        a local tile set
    ├── BasemapConfigError     the deployment's basemap settings
    ├── OutputError            an output file of the command line
    ├── StorageError           the disk or database cannot take a write; nothing changed
    ├── ConcurrentEditError    the register changed after it was loaded for editing
    ├── ReportError            a rider's report or a triage step
    │   ├── InvalidReportError the report itself (category, note, place...)
    │   │   └── PhotoError     its photo
    │   ├── RateLimitedError   too many reports from one reporter or address
    │   └── TransitionError    a state change the triage rules do not allow
    └── TaskError              a volunteer task, a step of one, or an account
        ├── InvalidTaskError   the request itself (category, place, time window, text...)
        ├── TaskStateError     a state change the rules do not allow now
        │   └── TakenByOtherError  another volunteer took the task first
        ├── NotAllowedError    the person may not do this
        └── AccountError       a volunteer or dispatcher account
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from geo.i18n import DEFAULT_LANGUAGE, catalogue, t


def _render(key: str, params: Mapping[str, Any], lang: str) -> str:
    if key in catalogue(DEFAULT_LANGUAGE):
        return t(key, lang, **params)
    return key


class GeoDataError(ValueError):
    """Base class of the project's errors: a message a planner or rider can act on.

    ``GeoDataError("err_file_empty")`` or ``GeoDataError("err_not_numbers", lon=..., lat=...)``
    takes its text from the catalogues.
    """

    def __init__(self, key: str = "", /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(_render(key, params, "en") if key else "")

    def localized(self, lang: str) -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return _render(self.key, self.params, lang) if self.key else str(self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: a catalogue key with its parameters, and where.

    ``row`` is 1-based and counts ``unit``: GeoJSON "feature"s, "line"s of a CSV file (header =
    line 1) or spreadsheet "row"s as the spreadsheet shows them (header = row 1); ``None`` for
    the file as a whole.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None
    station_id: str | None = None
    field: str | None = None
    unit: str = "feature"

    @classmethod
    def literal(cls, text: str, **where: Any) -> "Problem":
        """A problem whose text is not from the catalogues (e.g. a library's own message)."""
        return cls("err_literal", {"text": text}, **where)

    @property
    def message(self) -> str:
        """The message in English, without the position."""
        return _render(self.key, self.params, "en")

    def text(self, lang: str = "en") -> str:
        """"line 5, field 'lon': ..." in ``lang``."""
        where = []
        if self.row is not None:
            where.append(t(f"where_{self.unit}", lang, n=self.row))
        if self.station_id:
            where.append(t("where_id", lang, id=self.station_id))
        if self.field:
            where.append(t("where_field", lang, field=self.field))
        message = _render(self.key, self.params, lang)
        return f"{t('where_separator', lang).join(where)}: {message}" if where else message

    def __str__(self) -> str:
        return self.text("en")

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"row": self.row, "unit": self.unit, "id": self.station_id, "field": self.field, "key": self.key,
                "message": _render(self.key, self.params, lang)}


#: Lists of problems are cut here when shown: a million bad rows must not make a million lines.
MAX_PROBLEMS_SHOWN = 50


class ProblemsError(GeoDataError):
    """A file could not be used; ``problems`` lists every issue found (``total`` counts them all,
    also those beyond the ones kept)."""

    summary_key = "err_problems_summary"

    def __init__(self, source: str, problems: list[Problem], *, total: int | None = None) -> None:
        self.source = source
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__(self.summary_key, source=source, n=self.total)

    def localized(self, lang: str) -> str:
        lines = [t(self.summary_key, lang, source=self.source, n=self.total)]
        lines += [f"  - {p.text(lang)}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = self.total - min(len(self.problems), MAX_PROBLEMS_SHOWN)
        if hidden > 0:
            lines.append("  " + t("err_and_more", lang, n=hidden))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.localized("en")


class StationDataError(ProblemsError):
    """A station file failed validation; nothing was loaded."""

    summary_key = "err_station_file_summary"


class PointsDataError(ProblemsError):
    """A file of points (query, demand or candidate points) could not be used; nothing was used."""

    summary_key = "err_points_file_summary"


class SheetError(ProblemsError):
    """A station list could not be read; nothing in it was used."""

    summary_key = "err_sheet_summary"


class ScenarioError(ProblemsError):
    """A scenario file is unusable, or refers to stations that do not exist."""

    summary_key = "err_scenario_summary"


class PosterError(GeoDataError):
    """Posters cannot be made as asked (no usable base address)."""


class QueryError(GeoDataError):
    """A nearest-station query was malformed (bad k, coordinates, filter values)."""


class CoverageError(GeoDataError):
    """Coverage inputs are unusable (no stations, empty study area, bad radius)."""


class SitingError(GeoDataError):
    """A siting problem is malformed or the solver did not reach an answer."""


class RoadNetworkError(GeoDataError):
    """A road network file cannot be used (missing, unreadable, no roads in it)."""


class GeocodingError(GeoDataError):
    """The online geocoder is not configured, not reachable, or refused the request."""


class TileSourceError(GeoDataError):
    """A local tile set cannot be used (missing, unreadable, vector tiles, unknown format)."""


class BasemapConfigError(GeoDataError):
    """The deployment's basemap settings are wrong (unknown source, key, datum)."""


class OutputError(GeoDataError):
    """An output file could not be written."""


class StorageError(GeoDataError):
    """The disk or the database cannot take a write now (full, read-only, locked, unreachable);
    everything stored before is intact, and the same write may be tried again."""


class ConcurrentEditError(GeoDataError):
    """The register changed on disk after it was loaded for editing."""


class ReportError(GeoDataError):
    """A report or a triage step that cannot be accepted; nothing was stored."""


class InvalidReportError(ReportError):
    """The report itself is wrong (category, note too long, place outside the town...)."""


class PhotoError(InvalidReportError):
    """The photo is not a readable JPEG/PNG/HEIC image within the size limits."""


class RateLimitedError(ReportError):
    """Too many reports from one session or address in a short time."""


class TransitionError(ReportError):
    """A state change that the triage rules do not allow, or on a report that does not exist."""


class TaskError(GeoDataError):
    """A request, a step of a volunteer task or an account change that cannot be made; nothing
    was stored. No task error carries a resident's contact, note or place: errors may reach logs."""


class InvalidTaskError(TaskError):
    """The request itself is wrong (category, place, time window, text too long...)."""


class TaskStateError(TaskError):
    """A state change the rules do not allow now (a done task cannot be taken...)."""


class TakenByOtherError(TaskStateError):
    """Another volunteer took the task first."""


class NotAllowedError(TaskError):
    """The person is not allowed to do this (another community's task, an offer made to someone
    else, a volunteer who was removed)."""


class AccountError(TaskError):
    """A volunteer or dispatcher account cannot be made or used (name taken, invitation used up...)."""
