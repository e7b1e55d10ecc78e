"""Users: argon2 password hashes, lockout after repeated failures, administration.

A disabled user is not authenticated: the session of someone disabled while signed
in stops working on their next request, and a role change applies on the next one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Connection, Engine, func, insert, select, update

from webapp.store import users

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_hasher = PasswordHasher()


@dataclass
class User(UserMixin):
    id: int
    username: str
    role: str
    organisation: str | None
    active: bool

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        """Only while the account is enabled: flask-login reloads the user on every
        request, so disabling an account ends its sessions at their next request."""
        return self.active


def _user(row: object) -> User:
    return User(row.id, row.username, row.role, row.organisation, row.active)  # type: ignore[attr-defined]


def get(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def upsert(
    engine: Engine, username: str, password: str, role: str, organisation: str | None = None
) -> None:
    """Create a user, or reset an existing one's password, role and organisation."""
    values = {
        "password_hash": _hasher.hash(password),
        "role": role,
        "organisation": organisation,
        "active": True,
        "failed_logins": 0,
        "locked_until": None,
    }
    with engine.begin() as conn:
        found = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        if found:
            conn.execute(update(users).where(users.c.id == found.id).values(**values))
        else:
            conn.execute(
                insert(users).values(username=username, created_at=datetime.now(UTC), **values)
            )


class LoginRefused(Exception):
    """Why a login failed, in words safe to show (never which part was wrong)."""


def authenticate(engine: Engine, username: str, password: str) -> User:
    """The user if the password is right; otherwise `LoginRefused`, after recording the
    failure (the update is committed before the refusal is raised)."""
    now = datetime.now(UTC)
    refusal: str | None = None
    with engine.begin() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            _hasher.hash(password)  # same work as a real check: no timing oracle
            refusal = WRONG
        elif _locked(row.locked_until, now):
            refusal = LOCKED
        elif not _verified(row.password_hash, password):
            failed = row.failed_logins + 1
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(
                    failed_logins=failed,
                    locked_until=now + LOCKOUT if failed >= MAX_FAILED_LOGINS else None,
                )
            )
            refusal = WRONG
        elif not row.active:
            refusal = "This account has been disabled. Ask your administrator."
        else:
            conn.execute(
                update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=None)
            )
    if refusal is not None:
        raise LoginRefused(refusal)
    return _user(row)


WRONG = "Enter a correct username and password"
LOCKED = (
    "This account is locked after repeated failed sign-ins. "
    "Try again later or ask your administrator."
)


def _locked(until: datetime | None, now: datetime) -> bool:
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)  # SQLite returns naive datetimes
    return until is not None and until > now


def _verified(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- administration ---------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """A user as administrators see it."""

    username: str
    role: str
    organisation: str | None
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime

    def locked(self, now: datetime | None = None) -> bool:
        return _locked(self.locked_until, now or datetime.now(UTC))


class AccountError(ValueError):
    """An administrative change refused, in words safe to show."""


def _account(row: Any) -> Account:
    return Account(
        row.username,
        row.role,
        row.organisation,
        row.active,
        row.failed_logins,
        row.locked_until,
        row.created_at,
    )


def accounts(engine: Engine) -> list[Account]:
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(func.lower(users.c.username)))
        return [_account(row) for row in rows]


def account(engine: Engine, username: str) -> Account | None:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    return _account(row) if row else None


def create(
    engine: Engine, username: str, password: str, role: str, organisation: str | None
) -> None:
    """A new, active user. Usernames are unique regardless of case."""
    with engine.begin() as conn:
        taken = conn.execute(
            select(users.c.id).where(func.lower(users.c.username) == username.lower())
        ).first()
        if taken:
            raise AccountError(f"There is already a user called {username}")
        conn.execute(
            insert(users).values(
                username=username,
                password_hash=_hasher.hash(password),
                role=role,
                organisation=organisation or None,
                active=True,
                failed_logins=0,
                locked_until=None,
                created_at=datetime.now(UTC),
            )
        )


def _change(engine: Engine, username: str, admin_roles: Collection[str] = (), **values: Any) -> Any:
    """Update one user; refuse a change that would leave no active administrator.
    Returns the row as it was."""
    with engine.begin() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            raise AccountError(f"There is no user called {username}")
        after = {"role": row.role, "active": row.active, **values}
        was_admin = row.active and row.role in admin_roles
        stays_admin = after["active"] and after["role"] in admin_roles
        if was_admin and not stays_admin and not _another_admin(conn, row.id, admin_roles):
            raise AccountError(
                f"{username} is the last active administrator. "
                "Make someone else an administrator first."
            )
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
    return row


def _another_admin(conn: Connection, user_id: int, admin_roles: Collection[str]) -> bool:
    """Whether an active administrator other than `user_id` exists (rows locked where
    the database can, so two admins cannot demote each other at once)."""
    query = select(users.c.id).where(
        users.c.active.is_(True), users.c.role.in_(list(admin_roles)), users.c.id != user_id
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return bool(conn.execute(query).first())


def set_role(engine: Engine, username: str, role: str, admin_roles: Collection[str]) -> str:
    """Change the role; the previous one."""
    return _change(engine, username, admin_roles, role=role).role


def set_active(engine: Engine, username: str, active: bool, admin_roles: Collection[str]) -> None:
    _change(engine, username, admin_roles, active=active)


def set_organisation(engine: Engine, username: str, organisation: str | None) -> str | None:
    """Change the organisation; the previous one."""
    return _change(engine, username, organisation=organisation or None).organisation


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password, set by an administrator; also lifts any lockout."""
    _change(
        engine,
        username,
        password_hash=_hasher.hash(password),
        failed_logins=0,
        locked_until=None,
    )


def unlock(engine: Engine, username: str) -> None:
    _change(engine, username, failed_logins=0, locked_until=None)
