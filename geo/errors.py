"""The project's errors, importable by every module without the I/O layer.

An error carries a catalogue key and its parameters, so that a page shows it in the page's
language (``err.localized("zh")``) while ``str(err)`` stays English for logs and the CLI.
Keys live in ``geo/locales/<lang>/errors.toml``. A message that is not a catalogue key (text
from a third-party library, say) is kept as it is, in whatever language it came.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from geo.i18n import DEFAULT_LANGUAGE, catalogue, t

#: What a problem's ``row`` counts.
ROW_UNITS = ("feature", "line", "row")


class ByLanguage(dict):
    """A parameter whose text depends on the language: ``ByLanguage(zh="红色驿站", en="red station")``."""

    def text(self, lang: str) -> Any:
        return self.get(lang, self.get("en"))


def _render(key: str, params: Mapping[str, Any], lang: str) -> str:
    if key in catalogue(DEFAULT_LANGUAGE):
        return t(key, lang, **{k: (v.text(lang) if isinstance(v, ByLanguage) else v) for k, v in params.items()})
    return key


class GeoDataError(ValueError):
    """Base class of the project's data errors: a message a planner can act on.

    ``GeoDataError("err_file_empty")`` or ``GeoDataError("err_not_numbers", lon=..., lat=...)``
    takes its text from the catalogues; any other first argument is used as the text itself.
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
