"""The one place role policies are enforced.

Turns a viewer's role (from `policies/roles.yaml`) into Cypher parameters, so the
database filters inside each query, and decorates every view with the capability
it needs. Deny by default: unknown roles, capabilities and sources get nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import yaml
from flask import abort, current_app, request, session
from flask_login import current_user

from graph_etl.settings import REPO_ROOT

POLICY_FILE = REPO_ROOT / "policies" / "roles.yaml"
CAPABILITIES = frozenset(
    {
        "search",
        "view_person",
        "trace_address",
        "export",
        "analyst",
        "review_matches",
        "admin",
        "break_glass",
    }
)
LEVELS = ("count", "summary", "full")
SCOPES = frozenset({"pupils"})

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Policy:
    role: str
    title: str
    capabilities: frozenset[str]
    levels: dict[str, str]  # source -> count | summary | full
    kinds: tuple[str, ...] | None  # None: every kind of the visible sources
    fields: frozenset[str] = frozenset()  # restricted fields granted
    organisation_scope: str | None = None
    organisation: str | None = None  # the viewer's own, for scoped roles

    def allows(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def sources(self) -> tuple[str, ...]:
        """Sources whose records the role may see (summary or full)."""
        return tuple(s for s, level in self.levels.items() if level in ("summary", "full"))

    @property
    def count_sources(self) -> tuple[str, ...]:
        return tuple(s for s, level in self.levels.items() if level == "count")

    @property
    def full_sources(self) -> tuple[str, ...]:
        return tuple(s for s, level in self.levels.items() if level == "full")

    def sees_field(self, field: str, source: str | None = None) -> bool:
        """A restricted field: granted to the role, and for involvement fields only
        where the source is visible in full."""
        if field not in self.fields:
            return False
        return source is None or self.levels.get(source) == "full"

    def params(self) -> dict[str, Any]:
        """Parameters every policy-filtered query takes."""
        return {
            "sources": list(self.sources),
            "count_sources": list(self.count_sources),
            "full_sources": list(self.full_sources),
            "all_kinds": self.kinds is None,
            "kinds": list(self.kinds or ()),
            "fields": sorted(self.fields),
            "scope": self.organisation_scope,
            "scope_organisation": self.organisation,
        }

    def for_organisation(self, organisation: str | None) -> Policy:
        return replace(self, organisation=organisation)


DENY_ALL = Policy("none", "No access", frozenset(), {}, ())


@dataclass(frozen=True)
class BreakGlassRule:
    minutes: int
    levels: dict[str, str]
    weekdays_before: time
    weekdays_after: time
    weekends: bool

    def out_of_hours(self, moment: datetime) -> bool:
        if moment.weekday() >= 5:
            return self.weekends
        return moment.time() < self.weekdays_before or moment.time() >= self.weekdays_after


def _levels(path: Path, where: str, spec: Any, known: set[str]) -> dict[str, str]:
    levels = dict(spec or {})
    if set(levels) - known:
        raise ValueError(f"{path.name}: {where}: unknown sources {sorted(set(levels) - known)}")
    if set(levels.values()) - set(LEVELS):
        raise ValueError(f"{path.name}: {where}: levels must be one of {LEVELS}")
    return levels


@cache
def _policy_file(path: Path = POLICY_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def load_policies(path: Path = POLICY_FILE) -> dict[str, Policy]:
    data = _policy_file(path)
    known_sources = set(data.get("sources") or [])
    restricted: dict[str, list[str]] = data.get("restricted_fields") or {}
    policies: dict[str, Policy] = {}
    for role, spec in (data.get("roles") or {}).items():
        capabilities = frozenset(spec.get("capabilities") or [])
        unknown = capabilities - CAPABILITIES
        if unknown:
            raise ValueError(f"{path.name}: role {role}: unknown capabilities {sorted(unknown)}")
        scope = spec.get("organisation_scope")
        if scope is not None and scope not in SCOPES:
            raise ValueError(f"{path.name}: role {role}: unknown organisation_scope {scope!r}")
        kinds = spec.get("kinds")
        policies[role] = Policy(
            role=role,
            title=str(spec.get("title", role)),
            capabilities=capabilities,
            levels=_levels(path, f"role {role}", spec.get("sources"), known_sources),
            kinds=None if kinds == "all" else tuple(kinds or ()),
            fields=frozenset(field for field, who in restricted.items() if role in who),
            organisation_scope=scope,
        )
    for field, who in restricted.items():
        if set(who) - set(policies):
            raise ValueError(f"{path.name}: restricted field {field}: unknown roles")
    return policies


@cache
def break_glass_rule(path: Path = POLICY_FILE) -> BreakGlassRule:
    data = _policy_file(path)
    spec = data.get("break_glass") or {}
    hours = spec.get("out_of_hours") or {}
    return BreakGlassRule(
        minutes=int(spec.get("minutes", 60)),
        levels=_levels(path, "break_glass", spec.get("sources"), set(data.get("sources") or [])),
        weekdays_before=time.fromisoformat(hours.get("weekdays_before", "08:30")),
        weekdays_after=time.fromisoformat(hours.get("weekdays_after", "17:00")),
        weekends=bool(hours.get("weekends", True)),
    )


def roles() -> list[str]:
    return list(load_policies())


def policy_for(role: str | None) -> Policy:
    """The role's policy; an unknown or missing role gets no access at all."""
    return load_policies().get(role or "", DENY_ALL)


def current_policy() -> Policy:
    """The signed-in viewer's policy, for their organisation, widened while a
    break-glass session is active."""
    if not current_user.is_authenticated:
        return DENY_ALL
    policy = policy_for(current_user.role).for_organisation(current_user.organisation)
    until = session.get("break_glass_until")
    if until and policy.allows("break_glass") and datetime.now(UTC).timestamp() < until:
        rule = break_glass_rule()
        policy = replace(policy, levels={**policy.levels, **rule.levels}, kinds=None)
    return policy


def _sign_in_first(capability: str) -> Any:
    """A signed-out visitor goes to the sign-in page; a JSON API caller gets a 401
    (rendered as JSON by `errors`), never a redirect. Either is a refused attempt,
    audited as `signed_out` (not an alert: an expired session is everyday)."""
    from webapp import audit  # late: audit needs the app's database

    audit.record("signed_out", {"capability": capability}, outcome="unauthenticated")
    if request.path.startswith("/api/"):
        abort(401)
    return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]


def requires(capability: str) -> Callable[[View], View]:
    """Decorate a view: the viewer must be logged in and hold `capability`."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            from webapp import audit  # late: audit needs the app's database

            if not current_user.is_authenticated:
                return _sign_in_first(capability)
            if not current_policy().allows(capability):
                audit.record("denied", {"capability": capability}, outcome="denied")
                abort(403)
            return view(*args, **kwargs)

        guarded.required_capability = capability  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def signed_in(view: View) -> View:
    """Decorate a view any signed-in user may use (their own account page)."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _sign_in_first("signed_in")
        return view(*args, **kwargs)

    guarded.required_capability = "signed_in"  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


def public(view: View) -> View:
    """Mark a view as needing no login (login page, health check)."""
    view.required_capability = None  # type: ignore[attr-defined]
    return view
