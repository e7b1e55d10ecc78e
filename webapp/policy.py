"""The one place role policies are enforced.

Turns a viewer's role (from `policies/roles.yaml`) into Cypher parameters, so the
database filters inside each query, and decorates every view with the capability
it needs. Deny by default: unknown roles, capabilities and sources get nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import yaml
from flask import abort, current_app
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
    }
)

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Policy:
    role: str
    title: str
    capabilities: frozenset[str]
    sources: tuple[str, ...]
    kinds: tuple[str, ...] | None  # None: every kind of the visible sources

    def allows(self, capability: str) -> bool:
        return capability in self.capabilities

    def params(self) -> dict[str, Any]:
        """Parameters every policy-filtered query takes."""
        return {
            "sources": list(self.sources),
            "all_kinds": self.kinds is None,
            "kinds": list(self.kinds or ()),
        }


DENY_ALL = Policy("none", "No access", frozenset(), (), ())


@cache
def load_policies(path: Path = POLICY_FILE) -> dict[str, Policy]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known_sources = set(data.get("sources") or [])
    policies: dict[str, Policy] = {}
    for role, spec in (data.get("roles") or {}).items():
        capabilities = frozenset(spec.get("capabilities") or [])
        unknown = capabilities - CAPABILITIES
        if unknown:
            raise ValueError(f"{path.name}: role {role}: unknown capabilities {sorted(unknown)}")
        sources = tuple(spec.get("sources") or [])
        if set(sources) - known_sources:
            raise ValueError(f"{path.name}: role {role}: unknown sources")
        kinds = spec.get("kinds")
        policies[role] = Policy(
            role=role,
            title=str(spec.get("title", role)),
            capabilities=capabilities,
            sources=sources,
            kinds=None if kinds == "all" else tuple(kinds or ()),
        )
    return policies


def roles() -> list[str]:
    return list(load_policies())


def policy_for(role: str | None) -> Policy:
    """The role's policy; an unknown or missing role gets no access at all."""
    return load_policies().get(role or "", DENY_ALL)


def current_policy() -> Policy:
    if not current_user.is_authenticated:
        return DENY_ALL
    return policy_for(current_user.role)


def requires(capability: str) -> Callable[[View], View]:
    """Decorate a view: the viewer must be logged in and hold `capability`."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            from webapp import audit  # late: audit needs the app's database

            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
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
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        return view(*args, **kwargs)

    guarded.required_capability = "signed_in"  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]


def public(view: View) -> View:
    """Mark a view as needing no login (login page, health check)."""
    view.required_capability = None  # type: ignore[attr-defined]
    return view
