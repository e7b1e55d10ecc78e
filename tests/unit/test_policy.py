"""Policy as data, checked by one small module: deny by default."""

from __future__ import annotations

import pytest

from webapp.policy import CAPABILITIES, DENY_ALL, load_policies, policy_for

ROLES = [
    "social_worker",
    "early_help_worker",
    "school_dsl",
    "health_practitioner",
    "police_officer",
    "housing_officer",
    "youth_justice_worker",
    "probation_officer",
    "duty_team",
    "analyst",
    "data_quality",
    "admin",
]


def test_every_required_role_is_defined() -> None:
    assert set(ROLES) <= set(load_policies())


@pytest.mark.parametrize("role", [None, "", "superuser", "SOCIAL_WORKER"])
def test_unknown_roles_get_nothing(role: str | None) -> None:
    policy = policy_for(role)
    assert policy is DENY_ALL
    assert policy.params() == {"sources": [], "all_kinds": False, "kinds": []}
    assert not any(policy.allows(capability) for capability in CAPABILITIES)


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        ("social_worker", "view_person", True),
        ("social_worker", "admin", False),
        ("admin", "view_person", False),
        ("analyst", "search", False),
        ("duty_team", "trace_address", True),
        ("school_dsl", "trace_address", False),
        ("data_quality", "review_matches", True),
    ],
)
def test_capabilities(role: str, capability: str, allowed: bool) -> None:
    assert policy_for(role).allows(capability) is allowed


def test_kind_lists_become_query_parameters() -> None:
    params = policy_for("housing_officer").params()
    assert params["all_kinds"] is False
    assert "School pupil" not in params["kinds"]
    assert params["sources"] == ["social_care", "housing"]
