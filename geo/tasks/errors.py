"""Errors of the volunteer tasks: each a :class:`geo.errors.GeoDataError` with a catalogue key
(``geo/locales/<lang>/tasks.toml``) and its parameters, so a page says it in the reader's language
and the command line prints one English line. No error carries a resident's contact, note or
place in its parameters: errors may reach logs."""

from __future__ import annotations

from geo.errors import GeoDataError


class TaskError(GeoDataError):
    """A request, a step of a task or an account change that cannot be made; nothing was stored."""


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


class TaskStorageError(TaskError):
    """The database or disk cannot take the change now (locked, full, unreachable); everything
    stored before is intact and the step may be tried again."""
