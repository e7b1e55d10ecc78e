"""Users: argon2 password hashes, lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Engine, insert, select, update

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
