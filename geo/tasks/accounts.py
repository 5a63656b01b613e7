"""Who acts on tasks: dispatchers and volunteers of one community (sign-in names, the names
volunteers choose to show, salted PBKDF2 password hashes as in :mod:`geo.auth`), invitation codes
riders register with, phones that stay signed in; and :class:`Actor`, anyone making a change
(an account, the town's staff on the command line, the resident holding a code, the app)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from geo.auth import hash_password
from geo.errors import AccountError, NotAllowedError, StorageError
from geo.markup import markup_problem
from geo.tasks.codes import INVITATION_PREFIX, code_hash, new_code, normalise_code
from geo.tasks.places import check_community
from geo.tasks.schema import MAX_NAME_CHARS, MAX_SHOWN_NAME_CHARS, TaskAccount, TaskInvitation, TaskSignIn
from geo.tasks.vocabulary import Role

MIN_PASSWORD_CHARS = 8
DEFAULT_INVITATION_USES = 10
DEFAULT_INVITATION_DAYS = 7
MAX_INVITATION_USES = 200
MAX_INVITATION_DAYS = 90
#: How long a phone stays signed in without signing in again.
REMEMBER_DAYS = 30
_MAX_ACTOR_CHARS = 80

_ACCOUNTS = TaskAccount.__table__
_INVITATIONS = TaskInvitation.__table__
_SIGN_INS = TaskSignIn.__table__


def check_name(text: str | None, *, max_chars: int, key: str) -> str:
    """A sign-in or shown name: plain text on one line, no control characters (C0 or C1), no
    markup, template or direction controls, 1 to ``max_chars`` characters after trimming."""
    value = unicodedata.normalize("NFC", text or "").strip()
    if (not value or len(value) > max_chars or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)
            or markup_problem(value) is not None):
        raise AccountError(key, max_chars=max_chars)
    return value


@dataclass(frozen=True)
class Account:
    id: int
    role: Role
    name: str
    shown_name: str
    community_code: str
    active: bool


@dataclass(frozen=True)
class Invitation:
    """An invitation code, shown once to the dispatcher who made it (only its hash is kept)."""

    code: str
    community_code: str
    uses: int
    expires_at: datetime


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an account (dispatcher, volunteer), the town's staff on the command
    line (a name), the resident (holding the code) or the app itself."""

    role: Role
    account: Account | None = None
    name: str | None = None

    @classmethod
    def of(cls, account: Account) -> Actor:
        return cls(account.role, account, account.name)

    @classmethod
    def staff(cls, name: str) -> Actor:
        name = (name or "").strip()
        if not name or len(name) > _MAX_ACTOR_CHARS:
            raise NotAllowedError("task_error_actor")
        return cls(Role.STAFF, None, name)

    @classmethod
    def resident(cls) -> Actor:
        return cls(Role.RESIDENT)




_ACCOUNT_COLUMNS = (_ACCOUNTS.c.id, _ACCOUNTS.c.role, _ACCOUNTS.c.name, _ACCOUNTS.c.shown_name,
                    _ACCOUNTS.c.community_code, _ACCOUNTS.c.active)


def _account(row) -> Account:  # noqa: ANN001
    return Account(int(row.id), Role(row.role), row.name, row.shown_name, row.community_code, bool(row.active))


def _hash(password: str | None) -> str:
    if password is None or len(password) < MIN_PASSWORD_CHARS:
        raise AccountError("task_error_password", min_chars=MIN_PASSWORD_CHARS)
    return hash_password(password)


class AccountsMixin:
    """The account side of :class:`geo.tasks.store.TaskStore` (which provides ``_write``,
    ``_read`` and ``clock``)."""

    def add_account(self, role: Role | str, name: str, *, community_code: str, password: str | None = None,
                    password_hash: str | None = None, shown_name: str | None = None,
                    created_by: str = "cli") -> Account:
        """A dispatcher or volunteer of ``community_code`` who signs in as ``name`` with
        ``password`` (or an already made ``password_hash``, see :func:`geo.auth.hash_password`).
        ``shown_name`` is what the monthly list and residents see (default: ``name``)."""
        role = Role(role)
        if role not in (Role.DISPATCHER, Role.VOLUNTEER):
            raise AccountError("task_error_role")
        name = check_name(name, max_chars=MAX_NAME_CHARS, key="task_error_name")
        shown = check_name(shown_name if shown_name is not None else name[:MAX_SHOWN_NAME_CHARS],
                           max_chars=MAX_SHOWN_NAME_CHARS, key="task_error_shown_name")
        community = check_community(community_code)
        stored = password_hash or _hash(password)
        row = {"role": role.value, "name": name, "shown_name": shown, "community_code": community,
               "password_hash": stored, "active": True, "created_at": self.clock(), "created_by": created_by[:80]}
        try:
            with self._write() as connection:
                account_id = connection.execute(insert(_ACCOUNTS).returning(_ACCOUNTS.c.id), row).scalar_one()
        except IntegrityError as err:
            raise AccountError("task_error_name_taken", name=name) from err
        return Account(account_id, role, name, shown, community, True)

    def account(self, name: str) -> Account | None:
        """The account signing in as ``name`` (active or not), or ``None``."""
        with self._read() as connection:
            row = connection.execute(select(*_ACCOUNT_COLUMNS).where(_ACCOUNTS.c.name == (name or "").strip())).first()
        return None if row is None else _account(row)

    def account_by_id(self, account_id: int) -> Account | None:
        with self._read() as connection:
            row = connection.execute(select(*_ACCOUNT_COLUMNS).where(_ACCOUNTS.c.id == account_id)).first()
        return None if row is None else _account(row)

    def accounts(self, *, role: Role | str | None = None, community_code: str | None = None) -> list[Account]:
        """Accounts, by community and name."""
        query = select(*_ACCOUNT_COLUMNS).order_by(_ACCOUNTS.c.community_code, _ACCOUNTS.c.name)
        if role is not None:
            query = query.where(_ACCOUNTS.c.role == Role(role).value)
        if community_code is not None:
            query = query.where(_ACCOUNTS.c.community_code == community_code)
        with self._read() as connection:
            return [_account(row) for row in connection.execute(query)]

    def password_table(self, role: Role | str, name: str) -> dict[str, str]:
        """``{name: password hash}`` for an active account of ``role`` named ``name``, else ``{}``:
        what :meth:`geo.auth.SignInThrottle.attempt` checks a password against."""
        with self._read() as connection:
            stored = connection.execute(select(_ACCOUNTS.c.password_hash).where(
                _ACCOUNTS.c.name == (name or "").strip(), _ACCOUNTS.c.role == Role(role).value,
                _ACCOUNTS.c.active.is_(True))).scalar()
        return {} if stored is None else {(name or "").strip(): stored}

    def set_active(self, name: str, active: bool) -> Account:
        """Remove a volunteer or dispatcher (``active=False``: they can no longer sign in or take
        tasks; their finished tasks and points stay) or bring them back."""
        with self._write() as connection:
            done = connection.execute(update(_ACCOUNTS).where(_ACCOUNTS.c.name == (name or "").strip())
                                      .values(active=active))
        if done.rowcount != 1:
            raise AccountError("task_error_no_account", name=(name or "")[:MAX_NAME_CHARS])
        return self.account(name)

    def set_shown_name(self, account: Account, shown_name: str) -> Account:
        shown = check_name(shown_name, max_chars=MAX_SHOWN_NAME_CHARS, key="task_error_shown_name")
        with self._write() as connection:
            connection.execute(update(_ACCOUNTS).where(_ACCOUNTS.c.id == account.id).values(shown_name=shown))
        return self.account_by_id(account.id)

    def remember(self, account: Account, *, days: int = REMEMBER_DAYS) -> str:
        """A random token for ``account``'s phone to stay signed in for ``days`` (kept there in a
        cookie; only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._write() as connection:
            connection.execute(insert(_SIGN_INS), {"account_id": account.id, "token_hash": code_hash(token),
                                                   "created_at": now, "expires_at": now + timedelta(days=days)})
        return token

    def recall(self, token: str | None) -> Account | None:
        """The active account a phone's token stands for, if it has not expired; else ``None``."""
        if not token or len(token) > 100 or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
            return None
        query = (select(*_ACCOUNT_COLUMNS).select_from(_SIGN_INS.join(_ACCOUNTS, _ACCOUNTS.c.id == _SIGN_INS.c.account_id))
                 .where(_SIGN_INS.c.token_hash == code_hash(token), _SIGN_INS.c.expires_at > self.clock(),
                        _ACCOUNTS.c.active.is_(True)))
        with self._read() as connection:
            row = connection.execute(query).first()
        return None if row is None else _account(row)

    def forget(self, token: str | None) -> None:
        """Sign a phone out: its token no longer stands for anyone."""
        if token:
            with self._write() as connection:
                connection.execute(_SIGN_INS.delete().where(_SIGN_INS.c.token_hash == code_hash(token)))

    def invite(self, community_code: str, *, created_by: str, uses: int = DEFAULT_INVITATION_USES,
               valid_days: int = DEFAULT_INVITATION_DAYS) -> Invitation:
        """An invitation code for riders to register as volunteers of ``community_code``: valid
        for ``valid_days`` and ``uses`` registrations. Only its hash is stored."""
        community = check_community(community_code)
        if not 1 <= int(uses) <= MAX_INVITATION_USES or not 1 <= int(valid_days) <= MAX_INVITATION_DAYS:
            raise AccountError("task_error_invitation_limits", max_uses=MAX_INVITATION_USES,
                               max_days=MAX_INVITATION_DAYS)
        now = self.clock()
        for _ in range(5):
            code = new_code(INVITATION_PREFIX)
            row = {"code_hash": code_hash(code), "community_code": community, "uses_left": int(uses),
                   "expires_at": now + timedelta(days=int(valid_days)), "created_at": now,
                   "created_by": (created_by or "cli")[:80]}
            try:
                with self._write() as connection:
                    connection.execute(insert(_INVITATIONS), row)
                return Invitation(code, community, int(uses), row["expires_at"])
            except IntegrityError:
                continue
        raise StorageError("task_error_unavailable")

    def register_volunteer(self, invitation: str, name: str, *, password: str, shown_name: str | None = None,
                           password_hash: str | None = None) -> Account:
        """A rider registers with an invitation code: one use of it and the new volunteer
        account, in one transaction (a name already taken uses nothing up)."""
        code = normalise_code(invitation, INVITATION_PREFIX)
        name = check_name(name, max_chars=MAX_NAME_CHARS, key="task_error_name")
        shown = check_name(shown_name if shown_name else name[:MAX_SHOWN_NAME_CHARS],
                           max_chars=MAX_SHOWN_NAME_CHARS, key="task_error_shown_name")
        stored = password_hash or _hash(password)
        if code is None:
            raise AccountError("task_error_invitation")
        now = self.clock()
        try:
            with self._write() as connection:
                community = connection.execute(
                    update(_INVITATIONS)
                    .where(_INVITATIONS.c.code_hash == code_hash(code), _INVITATIONS.c.uses_left > 0,
                           _INVITATIONS.c.expires_at > now)
                    .values(uses_left=_INVITATIONS.c.uses_left - 1)
                    .returning(_INVITATIONS.c.community_code)).scalar()
                if community is None:
                    raise AccountError("task_error_invitation")
                account_id = connection.execute(insert(_ACCOUNTS).returning(_ACCOUNTS.c.id), {
                    "role": Role.VOLUNTEER.value, "name": name, "shown_name": shown, "community_code": community,
                    "password_hash": stored, "active": True, "created_at": now, "created_by": "invitation"}
                ).scalar_one()
        except IntegrityError as err:
            raise AccountError("task_error_name_taken", name=name) from err
        return Account(account_id, Role.VOLUNTEER, name, shown, community, True)
