"""Query parameters of the open API, declared once: the same declaration checks a request and
writes the parameter's part of the OpenAPI document, so the two cannot drift apart.

Every problem of a request is collected (not only the first) and answered with status 422 and a
message that names the parameter, what came and what is allowed, in the caller's language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geo.i18n import t

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")
#: A date (1900-2199, real days of real months) and a time to the minute or finer, with an optional
#: offset (without one: Asia/Shanghai wall-clock time): exactly what is accepted, so the OpenAPI
#: document says it and no value that fits the document is refused.
DATETIME_PATTERN = (
    r"^(?:(?:19|20|21)\d{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)|(?:19|20|21)(?:0[48]|[2468][048]|[13579][26])-02-29)"
    r"T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$"
)
_DATETIME = re.compile(DATETIME_PATTERN)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: where (``("query", "lon")``), a catalogue key, its values."""

    location: tuple[str, ...]
    key: str
    values: dict[str, Any]

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.values)

    def payload(self, lang: str) -> dict[str, Any]:
        return {"loc": list(self.location), "msg": self.message(lang), "type": self.key}


class InvalidRequest(Exception):
    """A request with problems (422)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


def _shown(value: str) -> str:
    """A value as a message quotes it: at most 40 characters, control characters dropped."""
    text = "".join(ch for ch in value if ch.isprintable())
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass(frozen=True)
class Param:
    """One query (or path) parameter: ``kind`` is ``number``, ``integer``, ``choice``,
    ``boolean``, ``datetime`` or ``text``."""

    name: str
    kind: str
    description: str
    required: bool = False
    repeat: bool = False
    low: float | None = None
    high: float | None = None
    #: ``low`` itself is not allowed (a radius must be more than 0).
    low_exclusive: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    max_length: int | None = None
    pattern: str | None = None
    where: str = "query"
    example: Any = None

    def _range_text(self) -> dict[str, Any]:
        return {"low": f"{self.low:g}", "high": f"{self.high:g}"}

    def convert(self, text: str) -> tuple[Any, Problem | None]:
        """The value of one occurrence, or the problem with it."""
        location = (self.where, self.name)
        if self.kind == "number":
            value = float(text) if _NUMBER.match(text.strip()) else math.nan
            if not math.isfinite(value):
                return None, Problem(location, "api_err_number", {"name": self.name, "value": _shown(text),
                                                                   **self._range_text()})
            if (self.low is not None and (value < self.low or (self.low_exclusive and value == self.low))) or \
                    (self.high is not None and value > self.high):
                return None, Problem(location, "api_err_number_range" + ("_open" if self.low_exclusive else ""),
                                     {"name": self.name, "value": _shown(text), **self._range_text()})
            return value, None
        if self.kind == "integer":
            if not _INTEGER.match(text.strip()):
                return None, Problem(location, "api_err_integer", {"name": self.name, "value": _shown(text),
                                                                    **self._range_text()})
            value = int(text)
            if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
                return None, Problem(location, "api_err_integer", {"name": self.name, "value": _shown(text),
                                                                    **self._range_text()})
            return value, None
        if self.kind == "boolean":
            if text in ("true", "false"):
                return text == "true", None
            return None, Problem(location, "api_err_choice", {"name": self.name, "value": _shown(text),
                                                               "allowed": "true, false"})
        if self.kind == "choice":
            if text in self.choices:
                return text, None
            return None, Problem(location, "api_err_choice", {"name": self.name, "value": _shown(text),
                                                               "allowed": ", ".join(self.choices)})
        if self.kind == "datetime":
            try:
                if not _DATETIME.match(text):
                    raise ValueError(text)
                return datetime.fromisoformat(text.replace("Z", "+00:00")), None
            except ValueError:
                return None, Problem(location, "api_err_datetime", {"name": self.name, "value": _shown(text)})
        # text
        if self.max_length is not None and len(text) > self.max_length:
            return None, Problem(location, "api_err_too_long", {"name": self.name, "max": self.max_length})
        if self.pattern is not None and not re.match(self.pattern, text):
            return None, Problem(location, "api_err_text", {"name": self.name, "value": _shown(text)})
        return text, None

    def schema(self) -> dict[str, Any]:
        """This parameter's JSON Schema (OpenAPI 3.1)."""
        if self.kind in ("number", "integer"):
            schema: dict[str, Any] = {"type": self.kind}
            if self.low is not None:
                schema["exclusiveMinimum" if self.low_exclusive else "minimum"] = self.low
            if self.high is not None:
                schema["maximum"] = self.high
        elif self.kind == "boolean":
            schema = {"type": "boolean"}
        elif self.kind == "choice":
            schema = {"type": "string", "enum": list(self.choices)}
        elif self.kind == "datetime":
            schema = {"type": "string", "pattern": DATETIME_PATTERN}
        else:
            schema = {"type": "string"}
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
            if self.pattern is not None:
                schema["pattern"] = self.pattern
        if self.default is not None:
            schema["default"] = self.default
        return {"type": "array", "items": schema} if self.repeat else schema

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI Parameter Object."""
        parameter: dict[str, Any] = {"name": self.name, "in": self.where, "required": self.required or self.where == "path",
                                     "description": self.description, "schema": self.schema()}
        if self.repeat:
            parameter |= {"style": "form", "explode": True}
        if self.example is not None:
            parameter["example"] = self.example
        return parameter


def parse_query(params: Iterable[Param], items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The values of ``params`` from the request's query ``items`` (name, value pairs), with
    defaults; :class:`InvalidRequest` listing every problem. Unknown names are ignored."""
    params = list(params)
    given: dict[str, list[str]] = {}
    for name, value in items:
        given.setdefault(name, []).append(value)
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for param in params:
        texts = given.get(param.name, [])
        if not texts:
            if param.required:
                problems.append(Problem(("query", param.name), "api_err_required", {"name": param.name}))
            values[param.name] = [] if param.repeat else param.default
            continue
        if not param.repeat and len(texts) > 1:
            problems.append(Problem(("query", param.name), "api_err_repeated", {"name": param.name}))
            continue
        converted = []
        for text in texts:
            value, problem = param.convert(text)
            if problem is not None:
                problems.append(problem)
            else:
                converted.append(value)
        values[param.name] = list(dict.fromkeys(converted)) if param.repeat else (converted[0] if converted else None)
    if problems:
        raise InvalidRequest(problems)
    return values
