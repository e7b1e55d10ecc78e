"""Policy as data, checked by one small module: deny by default."""

from __future__ import annotations

from datetime import datetime

import pytest

from webapp.policy import (
    CAPABILITIES,
    DENY_ALL,
    LEVELS,
    break_glass_rule,
    load_policies,
    policy_for,
)

ROLES = [
    "social_worker", "early_help_worker", "school_dsl", "health_practitioner",
    "police_officer", "housing_officer", "youth_justice_worker", "probation_officer",
    "duty_team", "analyst", "data_quality", "admin",
]  # fmt: skip


def test_every_required_role_is_defined() -> None:
    assert set(ROLES) <= set(load_policies())
    for policy in load_policies().values():
        assert set(policy.levels.values()) <= set(LEVELS)


@pytest.mark.parametrize("role", [None, "", "superuser", "SOCIAL_WORKER"])
def test_unknown_roles_get_nothing(role: str | None) -> None:
    policy = policy_for(role)
    assert policy is DENY_ALL
    params = policy.params()
    assert params["sources"] == params["count_sources"] == params["fields"] == []
    assert not any(policy.allows(capability) for capability in CAPABILITIES)


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        ("social_worker", "view_person", True),
        ("social_worker", "admin", False),
        ("social_worker", "break_glass", False),
        ("admin", "view_person", False),
        ("analyst", "search", False),
        ("duty_team", "trace_address", True),
        ("duty_team", "break_glass", True),
        ("school_dsl", "trace_address", False),
        ("data_quality", "review_matches", True),
    ],
)
def test_capabilities(role: str, capability: str, allowed: bool) -> None:
    assert policy_for(role).allows(capability) is allowed


@pytest.mark.parametrize(
    ("role", "source", "level"),
    [
        ("social_worker", "police", "summary"),
        ("school_dsl", "police", "count"),
        ("school_dsl", "health", "count"),
        ("health_practitioner", "health", "full"),
        ("police_officer", "police", "full"),
        ("housing_officer", "schools", None),
        ("admin", "social_care", None),
    ],
)
def test_source_levels(role: str, source: str, level: str | None) -> None:
    assert policy_for(role).levels.get(source) == level


@pytest.mark.parametrize(
    ("role", "field", "source", "visible"),
    [
        # The reason a social care case closed: social care and probation only.
        ("social_worker", "involvement.end_reason", "social_care", True),
        ("probation_officer", "involvement.end_reason", "social_care", True),
        ("school_dsl", "involvement.end_reason", "social_care", False),
        ("police_officer", "involvement.end_reason", "social_care", False),
        # Granted fields still need the source at full level.
        ("social_worker", "involvement.detail", "police", False),
        ("police_officer", "involvement.detail", "police", True),
        ("social_worker", "person.nhs_number", None, True),
        ("school_dsl", "person.nhs_number", None, False),
        ("school_dsl", "person.upn", None, True),
    ],
)
def test_restricted_fields(role: str, field: str, source: str | None, visible: bool) -> None:
    assert policy_for(role).sees_field(field, source) is visible


def test_only_the_school_role_is_organisation_scoped() -> None:
    scoped = {role for role, policy in load_policies().items() if policy.organisation_scope}
    assert scoped == {"school_dsl"}
    params = policy_for("school_dsl").for_organisation("Mill Lane Primary School").params()
    assert (
        params["scope"] == "pupils" and params["scope_organisation"] == "Mill Lane Primary School"
    )


@pytest.mark.parametrize(
    ("moment", "out_of_hours"),
    [
        ("2026-11-23 09:00", False),  # Monday morning
        ("2026-11-23 08:00", True),
        ("2026-11-23 17:00", True),
        ("2026-11-22 12:00", True),  # Sunday
    ],
)
def test_break_glass_only_out_of_hours(moment: str, out_of_hours: bool) -> None:
    assert break_glass_rule().out_of_hours(datetime.fromisoformat(moment)) is out_of_hours


def test_why_joined_names_only_sources_the_role_sees() -> None:
    from webapp.repository import _why_joined

    explanation = (
        '[{"field": "dob", "level": "exact", "weight": 14.7},'
        ' {"field": "upn", "level": "missing", "weight": 0.0}]'
    )
    record = {"id": "schools:pupils:H1", "matched_with": "police:persons:N9",
              "explanation": explanation}  # fmt: skip
    shown = _why_joined(policy_for("housing_officer"), dict(record))
    assert shown["matched_source"] is None and shown["matched_key"] is None
    assert shown["weights"] == [{"field": "Date of birth", "level": "exact", "weight": 14.7}]
    shown = _why_joined(policy_for("police_officer"), dict(record))
    assert (shown["matched_source"], shown["matched_key"]) == ("police", "N9")
